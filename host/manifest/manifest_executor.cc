// The Walker's `executor:` section and a cluster job's `resources:` (an asset's or the
// executor's).
#include <algorithm>
#include <cctype>
#include <sstream>

#include "manifest/manifest_walker.h"

namespace af::manifest_internal {

const std::vector<std::string> kExecutorKeys = {"type",        "max_jobs",          "poll_interval",
                                                "exit_grace",  "heartbeat_timeout", "infra_retries",
                                                "resources"};
const std::vector<std::string> kJobResourceKeys = {"cpus", "mem", "time", "partition", "account",
                                                   "qos",  "gres", "extra"};
// sbatch options assetflow sets itself: its job name finds a run's jobs, the others place the
// attempt's files and command.
const std::vector<std::string> kReservedSbatchOptions = {
    "--job-name", "-J", "--parsable", "--wrap", "--output", "-o", "--error", "-e", "--chdir",
    "-D", "--requeue", "--no-requeue", "--array", "-a"};

void Walker::Executor(YamlId key_id, YamlId v) {
  ExecutorDef& e = out_->executor;
  if (!FirstTopLevel(key_id, "executor", &e.location)) return;
  if (!Expect(v, Kind::kMap, {"'executor'"})) return;
  Keys(v, &kExecutorKeys, {"in executor"}, [&](const std::string& key, YamlId k, YamlId x) {
    What what{"'", key, "' of executor"};
    double n = 0;
    if (key == "type") {
      Choice(x, what, {"in_process", "multiprocess", "slurm"},
             {std::string("in_process"), std::string("multiprocess"), std::string("slurm")},
             &e.type);
    } else if (key == "max_jobs") {
      if (Number(x, what, /*integer=*/true, /*non_negative=*/false, &n))
        e.max_jobs = static_cast<int>(std::min(n, 100000.0));
    } else if (key == "infra_retries") {
      if (Number(x, what, /*integer=*/true, /*non_negative=*/true, &n))
        e.infra_retries = static_cast<int>(std::min(n, 100.0));
    } else if (key == "poll_interval") {
      Duration(x, what, /*positive=*/true, &e.poll_interval_seconds, 3600);
    } else if (key == "exit_grace") {
      Duration(x, what, /*positive=*/true, &e.exit_grace_seconds, 24 * 3600);
    } else if (key == "heartbeat_timeout") {
      Duration(x, what, /*positive=*/true, &e.heartbeat_timeout_seconds, 24 * 3600);
    } else if (key == "resources") {
      Resources(k, x, "executor", &e.resources);
    }
  });
}

void Walker::Resources(YamlId key_id, YamlId v, const std::string& owner, JobResources* r) {
  r->location = doc_.Location(key_id);
  if (!Expect(v, Kind::kMap, {"'resources' of ", owner})) return;
  Keys(v, &kJobResourceKeys, {"in resources of ", owner},
       [&](const std::string& key, YamlId, YamlId x) {
    What what{"'", key, "' of the resources of ", owner};
    if (key == "cpus") {
      double n = 0;
      if (Number(x, what, /*integer=*/true, /*non_negative=*/false, &n))
        r->cpus = static_cast<int>(std::min(n, 1e6));
    } else if (key == "mem") {
      if (Scalar(x, what, &r->mem) && !IsSlurmMemory(r->mem)) {
        Error(x, "expected a memory size like '512M' or '2G' for " + what.str() + ", got " + Got(x));
        r->mem.clear();
      }
    } else if (key == "time") {
      if (Scalar(x, what, &r->time) && !IsSlurmTime(r->time)) {
        Error(x, "expected a Slurm time limit ('30' minutes, '10:00', '1:00:00', "
                 "'1-00:00:00') for " + what.str() + ", got " + Got(x));
        r->time.clear();
      }
    } else if (key == "extra") {
      if (!Expect(x, Kind::kSequence, what)) return;
      for (YamlId item : doc_.children(x)) {
        std::string flag;
        if (!Scalar(item, {"an entry of ", what.str()}, &flag)) continue;
        const std::string name = flag.substr(0, flag.find('='));
        if (flag.rfind("-", 0) != 0) {
          Error(item, "expected an sbatch option like '--constraint=fast' in " + what.str() +
                          ", got " + Got(item));
        } else if (std::find(kReservedSbatchOptions.begin(), kReservedSbatchOptions.end(),
                             name) != kReservedSbatchOptions.end()) {
          Error(item, "sbatch option '" + name + "' in " + what.str() +
                          " is set by assetflow itself");
        } else {
          r->extra.push_back(flag);
        }
      }
    } else {
      std::string* field = key == "partition" ? &r->partition
                           : key == "account" ? &r->account
                           : key == "qos"     ? &r->qos
                                              : &r->gres;
      if (Scalar(x, what, field) && (field->empty() || field->find_first_of(" \t\n") != std::string::npos)) {
        Error(x, "expected a name without spaces for " + what.str() + ", got " + Got(x));
        field->clear();
      }
    }
  });
}

bool Walker::IsSlurmMemory(const std::string& s) {
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  if (digits == 0 || digits > 12) return false;
  return digits == s.size() ||
         (digits + 1 == s.size() && std::string("KMGTkmgt").find(s.back()) != std::string::npos);
}

bool Walker::IsSlurmTime(const std::string& s) {
  std::string rest = s;
  const size_t dash = s.find('-');
  if (dash != std::string::npos) {
    if (dash == 0 || dash > 4 || !std::all_of(s.begin(), s.begin() + dash, ::isdigit)) return false;
    rest = s.substr(dash + 1);
  }
  int parts = 0;
  std::stringstream in(rest);
  for (std::string p; std::getline(in, p, ':');) {
    if (p.empty() || p.size() > 6 || !std::all_of(p.begin(), p.end(), ::isdigit)) return false;
    ++parts;
  }
  return parts >= 1 && parts <= 3 && rest.back() != ':';
}

}  // namespace af::manifest_internal
