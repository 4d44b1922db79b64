#include "slurm/slurm_runner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "engine/child_process_runner.h"
#include "engine/step_record.h"
#include "slurm/record_tail.h"

namespace af {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kTick = std::chrono::milliseconds(200);

double Since(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

void Fail(StepRecordSink& sink, af_status status, std::string message, bool infra = false) {
  StepRecord r = FailureRecord(status, std::move(message));
  r.infrastructure = infra;
  sink.OnRecord(r);
}

void Log(StepRecordSink& sink, af_log_level level, std::string message) {
  StepRecord r;
  r.kind = StepRecord::Kind::kLog;
  r.level = level;
  r.message = std::move(message);
  sink.OnRecord(r);
}

Status WritePrivateFile(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError("cannot create '" + path + "': " + std::strerror(errno));
  const char* p = text.data();
  size_t n = text.size();
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      ::close(fd);
      return Status::IoError("cannot write '" + path + "': " + std::strerror(errno));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  ::close(fd);
  return Status::OK();
}

std::optional<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Seconds since `path` was last modified; nullopt when it does not exist.
std::optional<double> AgeOf(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const double mtime = static_cast<double>(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec / 1e9;
  return std::chrono::duration<double>(now).count() - mtime;
}

}  // namespace

SlurmOptions SlurmOptionsFor(const Definitions& defs) {
  SlurmOptions o;
  const ExecutorDef& e = defs.executor;
  o.defaults = e.resources;
  for (const AssetDef& a : defs.assets)
    if (a.details().resources) o.per_asset[a.key] = *a.details().resources;
  if (e.max_jobs > 0) o.max_jobs = e.max_jobs;
  if (e.poll_interval_seconds > 0) o.poll_interval_s = e.poll_interval_seconds;
  if (e.exit_grace_seconds > 0) o.exit_grace_s = e.exit_grace_seconds;
  if (e.heartbeat_timeout_seconds > 0) o.heartbeat_timeout_s = e.heartbeat_timeout_seconds;
  if (e.infra_retries >= 0) o.infra_retries = e.infra_retries;
  return o;
}

std::string SlurmJobName(const std::string& run_id) { return "af-" + run_id.substr(0, 8); }

std::string SlurmAttemptDir(const std::string& home, const std::string& run_id,
                            const std::string& step_key, uint32_t attempt) {
  return home + "/runs/" + run_id + "/steps/" + step_key + "/a" + std::to_string(attempt);
}

SlurmRunner::SlurmRunner(SlurmOptions options)
    : options_([&] {
        if (options.executable.empty()) options.executable = SelfExecutable();
        return std::move(options);
      }()),
      client_(CommandRunner(options_.bin_dir), options_.backoff),
      poller_([this] { PollLoop(); }) {}

SlurmRunner::~SlurmRunner() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  poller_.join();
}

void SlurmRunner::PollLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (!watched_names_.empty()) {
      std::vector<std::string> names;
      for (const auto& [name, count] : watched_names_) names.push_back(name);
      const uint64_t generation = ++poll_started_;
      lock.unlock();
      auto answer = client_.Queue(names);
      lock.lock();
      if (answer.ok()) {
        queue_ = std::move(*answer);
        answered_ = generation;
        cv_.notify_all();
      }
    }
    cv_.wait_for(lock, std::chrono::duration<double>(options_.poll_interval_s),
                 [this] { return stopping_; });
  }
}

bool SlurmRunner::Observe(const std::string& job, uint64_t since, std::optional<QueuedJob>* seen) {
  std::lock_guard<std::mutex> lock(mu_);
  if (answered_ <= since) return false;
  auto it = queue_.find(job);
  if (it == queue_.end()) seen->reset();
  else *seen = it->second;
  return true;
}

std::vector<std::string> SlurmRunner::SubmitArgs(const StepSpec& spec, const std::string& dir,
                                                 const std::set<std::string>& exclude) const {
  JobResources r = options_.defaults;
  auto own = options_.per_asset.find(spec.asset_key);
  if (own != options_.per_asset.end()) {
    const JobResources& o = own->second;
    if (o.cpus) r.cpus = o.cpus;
    for (auto [field, value] : {std::pair{&r.mem, &o.mem}, {&r.time, &o.time},
                                {&r.partition, &o.partition}, {&r.account, &o.account},
                                {&r.qos, &o.qos}, {&r.gres, &o.gres}})
      if (!value->empty()) *field = *value;
    r.extra.insert(r.extra.end(), o.extra.begin(), o.extra.end());
  }
  // The asset's own limits, when the manifest gives Slurm none: Slurm enforces them.
  if (r.time.empty() && spec.timeout_s > 0)
    r.time = std::to_string(static_cast<long long>(std::ceil(spec.timeout_s / 60)));
  if (r.mem.empty() && spec.max_rss_mb > 0) r.mem = std::to_string(spec.max_rss_mb) + "M";
  std::vector<std::string> a = {"--no-requeue", "--job-name=" + SlurmJobName(spec.run_id),
                                "--comment=" + spec.asset_key, "--ntasks=1"};
  if (r.cpus > 0) a.push_back("--cpus-per-task=" + std::to_string(r.cpus));
  if (!r.mem.empty()) a.push_back("--mem=" + r.mem);
  if (!r.time.empty()) a.push_back("--time=" + r.time);
  if (!r.partition.empty()) a.push_back("--partition=" + r.partition);
  if (!r.account.empty()) a.push_back("--account=" + r.account);
  if (!r.qos.empty()) a.push_back("--qos=" + r.qos);
  if (!r.gres.empty()) a.push_back("--gres=" + r.gres);
  a.insert(a.end(), r.extra.begin(), r.extra.end());
  if (!exclude.empty()) {
    std::string nodes;
    for (const std::string& n : exclude) nodes += (nodes.empty() ? "" : ",") + n;
    a.push_back("--exclude=" + nodes);
  }
  a.push_back("--chdir=" + dir);
  a.push_back("--output=" + dir + "/slurm-%j.log");
  // exec: Slurm's signals (scancel, --signal) reach the worker itself.
  a.push_back("--wrap=exec " + ShellQuote(options_.executable) + " worker run-step " +
              ShellQuote(dir + "/spec.json") + " --attempt-dir " + ShellQuote(dir));
  return a;
}

void SlurmRunner::Run(const StepSpec& spec, const StepControl& control, StepRecordSink& sink) {
  auto canceled = [&] { return control.cancel && control.cancel->load(); };
  const std::string name = SlurmJobName(spec.run_id);
  {
    std::unique_lock<std::mutex> lock(mu_);
    while (in_flight_ >= std::max(1, options_.max_jobs) && !canceled()) cv_.wait_for(lock, kTick);
    if (canceled()) {
      lock.unlock();
      return Fail(sink, AF_ERR_CANCELED, "canceled before its Slurm job was submitted");
    }
    ++in_flight_;
    ++watched_names_[name];
  }
  struct Release {
    SlurmRunner* self;
    const std::string& name;
    ~Release() {
      std::lock_guard<std::mutex> lock(self->mu_);
      --self->in_flight_;
      if (--self->watched_names_[name] == 0) self->watched_names_.erase(name);
      self->cv_.notify_all();
    }
  } release{this, name};

  const std::string who = "Slurm job for '" + spec.asset_key + "'";
  const std::string dir = SlurmAttemptDir(spec.home, spec.run_id, spec.step_key, spec.attempt);
  std::string job;
  uint64_t ingested = 0;
  auto again = options_.reattach.find(spec.step_key);
  if (again != options_.reattach.end() && again->second.attempt == spec.attempt) {
    // The job of a dead host's attempt: watched again, never submitted twice. Its spec.json
    // is the one the job runs.
    auto text = ReadWhole(dir + "/job");
    job = text ? text->substr(0, text->find('\n')) : "";
    if (job.empty())
      return Fail(sink, AF_ERR_RETRYABLE, "cannot resume attempt " + std::to_string(spec.attempt) +
                                              ": no Slurm job id in '" + dir + "/job'");
    ingested = again->second.ingested_lines;
    Log(sink, AF_LOG_INFO, "reattached to Slurm job " + job + " (attempt folder " + dir + ")");
  } else {
    std::error_code ec;
    if (fs::exists(dir, ec))
      return Fail(sink, AF_ERR_FATAL, "attempt folder '" + dir + "' exists already");
    fs::create_directories(dir, ec);
    if (ec) return Fail(sink, AF_ERR_RETRYABLE, "cannot create '" + dir + "': " + ec.message());
    if (Status s = WritePrivateFile(dir + "/spec.json", StepSpecToJson(spec)); !s.ok())
      return Fail(sink, AF_ERR_RETRYABLE, s.message());
    std::set<std::string> exclude;
    {
      std::lock_guard<std::mutex> lock(mu_);
      exclude = failed_nodes_[spec.step_key];
    }
    auto submitted = client_.Submit(SubmitArgs(spec, dir, exclude), control.cancel);
    if (!submitted.ok())
      return Fail(sink, AF_ERR_RETRYABLE,
                  "cannot submit the " + who + ": " + submitted.status().message());
    job = *submitted;
    WritePrivateFile(dir + "/job", job + "\n");  // for people and `resume`
    Log(sink, AF_LOG_INFO, "submitted as Slurm job " + job + " (attempt folder " + dir + ")");
  }
  uint64_t since;
  {
    std::lock_guard<std::mutex> lock(mu_);
    since = poll_started_;
  }
  cv_.notify_all();

  const WorkerFiles files = WorkerFilesIn(dir);
  RecordTail tail(WorkerRecordsIn(dir), ingested);
  std::string node;                                // where it ran, once known
  std::optional<SteadyClock::time_point> ended_at;  // gone or terminal, without a result
  std::string ended_as;                            // its last state then ("" = gone)
  std::optional<SteadyClock::time_point> running_since;

  // The attempt is given up: fence it, so that it can store nothing from now on. False when
  // the worker claimed it first (it is storing its output: wait for its result).
  auto fence = [&]() { return CreateClaim(files.claim, "host"); };
  std::optional<SteadyClock::time_point> claimed_wait;  // the worker holds the claim
  // Lost to the infrastructure (`why`): an infrastructure retry, with its node excluded.
  auto lost = [&](const std::string& why) -> bool {
    if (!fence()) {
      if (!claimed_wait) claimed_wait = SteadyClock::now();
      return false;
    }
    client_.Cancel({job});
    bool infra;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!node.empty()) failed_nodes_[spec.step_key].insert(node);
      infra = lost_[spec.step_key] < options_.infra_retries;
      if (infra) ++lost_[spec.step_key];
    }
    tail.Read(sink);
    Fail(sink, AF_ERR_RETRYABLE,
         who + " (job " + job + (node.empty() ? "" : " on " + node) + ") " + why +
             (infra ? "" : " (its infrastructure retries are used up)"),
         infra);
    return true;
  };

  for (;;) {
    tail.Read(sink);
    if (auto text = ReadWhole(files.result)) {
      tail.Read(sink);
      const std::string line = text->substr(0, text->find('\n'));
      auto ending = StepRecordFromJson(line);
      if (!ending.ok() || (ending->kind != StepRecord::Kind::kOutput &&
                           ending->kind != StepRecord::Kind::kFailure))
        return Fail(sink, AF_ERR_RETRYABLE, who + " wrote an invalid result.json");
      return sink.OnRecord(*ending);
    }
    if (canceled()) {
      fence();
      client_.Cancel({job});
      const auto start = SteadyClock::now();
      std::optional<QueuedJob> seen;
      while (Since(start) < options_.cancel_wait_s) {
        if (Observe(job, since, &seen) && (!seen || IsTerminalJobState(seen->state))) break;
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, kTick);
      }
      tail.Read(sink);
      return Fail(sink, AF_ERR_CANCELED, "canceled (Slurm job " + job + " scancel'ed)");
    }
    if (claimed_wait) {
      if (Since(*claimed_wait) > options_.exit_grace_s)
        return Fail(sink, AF_ERR_RETRYABLE,
                    who + " (job " + job + ") claimed its output but wrote no result");
    } else if (std::optional<QueuedJob> seen; Observe(job, since, &seen)) {
      if (seen && !seen->node.empty()) node = seen->node;
      if (seen && (seen->state == "RUNNING" || seen->state == "COMPLETING")) {
        if (!running_since) {
          running_since = SteadyClock::now();
          Log(sink, AF_LOG_INFO, "Slurm job " + job + " running on " + node);
        }
        const double age = AgeOf(files.heartbeat).value_or(Since(*running_since));
        if (std::min(age, Since(*running_since)) > options_.heartbeat_timeout_s &&
            lost("sent no heartbeat for " + std::to_string(static_cast<int>(age)) + " s"))
          return;
      } else if (seen && IsInfraJobState(seen->state)) {
        if (lost("ended " + seen->state)) return;
      } else if (!seen || IsTerminalJobState(seen->state)) {
        // Ended without a result (yet): shared storage may show it late.
        if (!ended_at) ended_at = SteadyClock::now();
        ended_as = seen ? seen->state : "";
        if (Since(*ended_at) > options_.exit_grace_s) {
          if (ended_as.empty() || ended_as == "CANCELLED") {
            if (lost(ended_as.empty() ? "left the queue without a result"
                                      : "was cancelled outside assetflow"))
              return;
          } else {
            fence();
            tail.Read(sink);
            return Fail(sink, AF_ERR_RETRYABLE,
                        who + " (job " + job + (node.empty() ? "" : " on " + node) + ") ended " +
                            ended_as + " without a result; see " + dir + "/slurm-" + job + ".log");
          }
        }
      }
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, kTick);
  }
}

}  // namespace af
