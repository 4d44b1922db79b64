#include "slurm/slurm_client.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <thread>

namespace af {
namespace {

constexpr size_t kMaxOutput = 1 << 20;

std::string FindExecutable(const std::string& dir, const std::string& name) {
  if (!dir.empty()) return dir + "/" + name;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string d; std::getline(dirs, d, ':');) {
    const std::string candidate = (d.empty() ? "." : d) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string FirstLine(const std::string& text) {
  const size_t start = text.find_first_not_of(" \n");
  if (start == std::string::npos) return "";
  return text.substr(start, text.find('\n', start) - start);
}

std::string Trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
}

}  // namespace

std::string CommandOutcome::Describe(const std::string& name) const {
  std::string what = timed_out ? name + " timed out" : name + " " + status.Describe();
  const std::string line = FirstLine(err.empty() ? out : err);
  return line.empty() ? what : what + ": " + line;
}

Expected<CommandOutcome> CommandRunner::Run(const std::string& name,
                                            const std::vector<std::string>& args) const {
  const std::string exe = FindExecutable(bin_dir_, name);
  if (exe.empty()) return Status::NotFound("'" + name + "' is not on PATH (is Slurm installed?)");
  SpawnOptions options;
  options.argv.push_back(exe);
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  auto run = RunCaptured(options, timeout_, kMaxOutput);
  if (!run.ok()) return Status::IoError("cannot run " + exe + ": " + run.status().message());
  CommandOutcome o;
  o.status = run->status;
  o.timed_out = run->timed_out;
  o.out = std::move(run->out);
  o.err = std::move(run->err);
  return o;
}

bool SlurmClient::IsTransientSubmitError(const std::string& e) {
  for (const char* phrase :
       {"Socket timed out", "Unable to contact slurm controller", "temporarily unavailable",
        "temporarily unable", "Zero Bytes were transmitted", "Connection refused",
        "Connection reset", "try again", "Slurm is busy", "sending more than"}) {
    if (e.find(phrase) != std::string::npos) return true;
  }
  return false;
}

Expected<std::string> SlurmClient::Submit(const std::vector<std::string>& args,
                                          const std::atomic<bool>* cancel) const {
  std::vector<std::string> full = {"--parsable"};
  full.insert(full.end(), args.begin(), args.end());
  double delay = backoff_.first_delay_s;
  std::string last;
  for (int attempt = 1; attempt <= std::max(1, backoff_.attempts); ++attempt) {
    auto o = runner_.Run("sbatch", full);
    if (!o.ok()) return o.status();
    if (o->ok()) {
      // --parsable: "<id>" or "<id>;<cluster>".
      const std::string id = Trim(o->out.substr(0, o->out.find(';')));
      if (!id.empty() && std::all_of(id.begin(), id.end(), ::isdigit)) return id;
      return Status::Failed("sbatch printed no job id: '" + FirstLine(o->out) + "'");
    }
    last = o->Describe("sbatch");
    if (!o->timed_out && !IsTransientSubmitError(o->err)) return Status::Failed(last);
    if (attempt == backoff_.attempts || (cancel && cancel->load())) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
    delay = std::min(delay * 2, backoff_.max_delay_s);
  }
  return Status::Failed(last + " (after " + std::to_string(backoff_.attempts) + " tries)");
}

Expected<std::map<std::string, QueuedJob>> SlurmClient::Queue(
    const std::vector<std::string>& names) const {
  std::map<std::string, QueuedJob> jobs;
  if (names.empty()) return jobs;
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ",") + n;
  auto o = runner_.Run("squeue", {"--noheader", "--states=all", "--format=%i|%T|%N", "--name=" + list});
  if (!o.ok()) return o.status();
  if (!o->ok()) return Status::IoError(o->Describe("squeue"));
  std::stringstream lines(o->out);
  for (std::string line; std::getline(lines, line);) {
    const size_t a = line.find('|');
    const size_t b = a == std::string::npos ? a : line.find('|', a + 1);
    if (b == std::string::npos) continue;
    QueuedJob& j = jobs[Trim(line.substr(0, a))];
    j.state = Trim(line.substr(a + 1, b - a - 1));
    j.node = Trim(line.substr(b + 1));
  }
  return jobs;
}

Status SlurmClient::Cancel(const std::vector<std::string>& ids) const {
  if (ids.empty()) return Status::OK();
  auto o = runner_.Run("scancel", ids);
  if (!o.ok()) return o.status();
  // scancel of a finished job prints "Invalid job id" and exits 0 or 1 by version: not an error.
  if (!o->ok() && o->err.find("Invalid job id") == std::string::npos)
    return Status::IoError(o->Describe("scancel"));
  return Status::OK();
}

bool IsInfraJobState(const std::string& s) {
  return s == "NODE_FAIL" || s == "BOOT_FAIL" || s == "PREEMPTED";
}
bool IsLimitJobState(const std::string& s) {
  return s == "TIMEOUT" || s == "OUT_OF_MEMORY" || s == "DEADLINE";
}
bool IsTerminalJobState(const std::string& s) {
  return s == "COMPLETED" || s == "FAILED" || s == "CANCELLED" || IsInfraJobState(s) ||
         IsLimitJobState(s) || s == "SPECIAL_EXIT" || s == "REVOKED";
}

}  // namespace af
