#include "slurm/slurm_resume.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/child_process_runner.h"

namespace af {
namespace {

namespace fs = std::filesystem;

struct AttemptFolder {
  uint32_t attempt = 0;
  std::string dir;
};

std::string FirstLineOf(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Each step's latest attempt folder (the one holding spec.json with the highest a<N>).
std::map<std::string, AttemptFolder> LatestAttempts(const std::string& home,
                                                    const std::string& run_id) {
  std::map<std::string, AttemptFolder> latest;
  std::error_code ec;
  const fs::path steps = fs::path(home) / "runs" / run_id / "steps";
  for (fs::recursive_directory_iterator it(steps, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename() != "spec.json") continue;
    const fs::path dir = it->path().parent_path();
    const std::string name = dir.filename().string();
    if (name.size() < 2 || name[0] != 'a') continue;
    uint32_t n = 0;
    try {
      n = static_cast<uint32_t>(std::stoul(name.substr(1)));
    } catch (const std::exception&) {
      continue;
    }
    const std::string step = dir.parent_path().lexically_relative(steps).generic_string();
    AttemptFolder& f = latest[step];
    if (n > f.attempt) f = AttemptFolder{n, dir.string()};
  }
  return latest;
}

std::optional<uint64_t> UintField(const rapidjson::Document& d, const char* key) {
  if (!d.IsObject() || !d.HasMember(key) || !d[key].IsUint64()) return std::nullopt;
  return d[key].GetUint64();
}

// The run's steps as its events tell them.
struct StepHistory {
  bool started = false;
  std::optional<StepResult> ended;       // succeeded (data version), failed, skipped
  std::string data_version;              // of its MATERIALIZATION/OBSERVATION
  std::map<uint32_t, uint64_t> ingested;  // attempt -> highest events.jsonl line stored
  uint32_t given_up = 0;                 // highest attempt whose end the host recorded
};

std::map<std::string, StepHistory> Histories(const std::vector<EventRecord>& events) {
  std::map<std::string, StepHistory> steps;
  for (const EventRecord& e : events) {
    if (e.asset_key.empty()) continue;
    StepHistory& h = steps[e.asset_key];
    rapidjson::Document d;
    d.Parse(e.data_json.c_str());
    if (e.type == "STEP_STARTED") {
      h.started = true;
    } else if (e.type == "MATERIALIZATION" || e.type == "OBSERVATION") {
      if (d.IsObject() && d.HasMember("data_version") && d["data_version"].IsString())
        h.data_version = d["data_version"].GetString();
    } else if (e.type == "STEP_SUCCESS" || e.type == "STEP_FAILED" || e.type == "STEP_SKIPPED") {
      StepResult r;
      r.asset_key = e.asset_key;
      r.state = e.type == "STEP_SUCCESS" ? StepState::kSucceeded
                : e.type == "STEP_SKIPPED" ? StepState::kSkipped
                                           : StepState::kFailed;
      r.message = e.message;
      r.data_version = h.data_version;
      r.attempts = static_cast<uint32_t>(UintField(d, "attempts").value_or(0));
      h.ended = r;
    } else if (e.type == "STEP_RETRY") {
      h.given_up = std::max(h.given_up, static_cast<uint32_t>(UintField(d, "attempt").value_or(0)));
    } else if (e.type == "LOG") {
      // "attempt N was lost: ..." (executor.cc): an infrastructure retry follows.
      const std::string lost = "attempt ";
      if (e.message.rfind(lost, 0) == 0 && e.message.find(" was lost: ") != std::string::npos) {
        try {
          h.given_up = std::max(h.given_up,
                                static_cast<uint32_t>(std::stoul(e.message.substr(lost.size()))));
        } catch (const std::exception&) {
        }
      }
      auto attempt = UintField(d, "attempt");
      auto seq = UintField(d, "seq");
      if (attempt && seq) {
        uint64_t& n = h.ingested[static_cast<uint32_t>(*attempt)];
        n = std::max(n, *seq);
      }
    }
  }
  return steps;
}

// The attempt folder is the host's: fenced by recovery or given up by the dead host.
bool FencedByHost(const std::string& dir) {
  return FirstLineOf(WorkerFilesIn(dir).claim) == "host";
}

}  // namespace

std::string SlurmRunInFlight(const std::string& home, const std::string& run_id,
                             const std::vector<EventRecord>& events, const CommandRunner& runner) {
  const auto latest = LatestAttempts(home, run_id);
  if (latest.empty()) return "";
  const auto steps = Histories(events);
  std::vector<std::string> finished;           // "step: attempt N wrote its result"
  std::map<std::string, std::string> waiting;  // job -> step
  for (const auto& [step, folder] : latest) {
    auto h = steps.find(step);
    if (h == steps.end() || !h->second.started || h->second.ended) continue;
    if (FencedByHost(folder.dir) || folder.attempt <= h->second.given_up) continue;
    if (fs::exists(WorkerFilesIn(folder.dir).result)) {
      finished.push_back("'" + step + "' (attempt " + std::to_string(folder.attempt) +
                         " wrote its result)");
      continue;
    }
    const std::string job = FirstLineOf(folder.dir + "/job");
    if (!job.empty()) waiting[job] = step;
  }
  std::string what;
  auto add = [&](const std::string& s) { what += (what.empty() ? "" : ", ") + s; };
  for (const std::string& s : finished) add(s);
  if (!waiting.empty()) {
    auto queue = SlurmClient(runner).Queue({SlurmJobName(run_id)});
    if (!queue.ok()) return what;  // unknown: not kept on a guess (only results are)
    for (const auto& [job, step] : waiting) {
      auto it = queue->find(job);
      if (it != queue->end() && !IsTerminalJobState(it->second.state))
        add("'" + step + "' (Slurm job " + job + " " + it->second.state + ")");
    }
  }
  return what;
}

Expected<SlurmResumePlan> PlanSlurmResume(EventLog& log, const std::string& home,
                                          const std::string& run_id) {
  std::optional<RunRecord> run = log.FindRun(run_id);
  if (!run) return Status::InvalidArgument("no run '" + run_id + "'");
  if (run->status != RunStatus::kStarted)
    return Status::InvalidArgument("run " + run_id + " has ended (" +
                                   RunStatusName(run->status) + "): nothing to resume");
  const auto abandoned = log.AbandonedRuns();
  if (std::none_of(abandoned.begin(), abandoned.end(),
                   [&](const RunRecord& r) { return r.run_id == run_id; }))
    return Status::InvalidArgument("run " + run_id + " is still running (pid " +
                                   std::to_string(run->pid) + " on " + run->host +
                                   "): only the run of a host that died can be resumed");
  const auto latest = LatestAttempts(home, run_id);
  if (latest.empty())
    return Status::InvalidArgument("run " + run_id + " is not a Slurm run (no attempt folders in " +
                                   home + "/runs/" + run_id + "/steps): nothing to reattach to");
  const std::vector<EventRecord> events = log.RunEvents(run_id);
  SlurmResumePlan plan;
  for (const EventRecord& e : events) {
    if (e.type != "RUN_STARTED") continue;
    rapidjson::Document d;
    d.Parse(e.data_json.c_str());
    if (d.IsObject() && d.HasMember("assets") && d["assets"].IsArray())
      for (const auto& a : d["assets"].GetArray())
        if (a.IsString()) plan.assets.push_back(a.GetString());
  }
  if (plan.assets.empty())
    return Status::InvalidArgument("run " + run_id +
                                   " does not name its plan (recorded by an older assetflow): "
                                   "rerun it with `materialize --failed`");
  plan.state.run_id = run_id;
  const auto steps = Histories(events);
  for (const auto& [asset, h] : steps) {
    if (h.ended) {
      if (h.ended->state == StepState::kSucceeded) plan.state.succeeded[asset] = h.data_version;
      else plan.state.ended[asset] = *h.ended;
      continue;
    }
    if (!h.started) continue;
    auto folder = latest.find(asset);
    if (folder == latest.end()) {  // started, never submitted
      plan.state.first_attempt[asset] = 1;
      continue;
    }
    const uint32_t n = folder->second.attempt;
    if (FencedByHost(folder->second.dir) || n <= h.given_up) {
      plan.state.first_attempt[asset] = n + 1;  // the dead host had given it up
      continue;
    }
    plan.state.first_attempt[asset] = n;
    auto ingested = h.ingested.find(n);
    plan.reattach[asset] =
        SlurmOptions::Reattach{n, ingested == h.ingested.end() ? 0 : ingested->second};
  }
  return plan;
}

}  // namespace af
