#include "engine/child_process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "common/subprocess.h"
#include "engine/in_process_runner.h"
#include "eventlog/hash.h"

namespace af {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kRecordsFd = 3;
constexpr auto kPollInterval = std::chrono::milliseconds(5);

bool WriteAll(int fd, const std::string& data) {
  const char* p = data.data();
  size_t n = data.size();
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

void Fail(StepRecordSink& sink, af_status status, std::string message) {
  sink.OnRecord(FailureRecord(status, std::move(message)));
}

std::string Seconds(double s) {
  std::ostringstream out;
  out << s << " s";
  return out.str();
}

// The host side of one child: reads its records, watches its limits and the run's
// cancellation, and says how it ended.
class Supervisor {
 public:
  Supervisor(const StepSpec& spec, const StepControl& control, StepRecordSink& sink,
             Subprocess& child, int records_fd, int stdin_fd)
      : spec_(spec), control_(control), sink_(sink), child_(child), records_(records_fd),
        stdin_(stdin_fd), started_(Clock::now()) {}

  void Run() {
    bool open = true;
    while (open || !status_) {
      if (open) {
        pollfd p{records_, POLLIN, 0};
        const int rc = ::poll(&p, 1, static_cast<int>(kPollInterval.count()));
        if (rc > 0) open = ReadRecords();
        else if (rc < 0 && errno != EINTR) open = false;
      } else {  // the records are closed: the child is exiting, wait a little for its status
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      if (!status_) status_ = child_.Poll();
      if (!status_) CheckLimits();
    }
    Report();
  }

 private:
  // False at end of stream.
  bool ReadRecords() {
    char buffer[64 * 1024];
    ssize_t n = ::read(records_, buffer, sizeof buffer);
    if (n < 0) return errno == EINTR || errno == EAGAIN;
    if (n == 0) return false;
    pending_.append(buffer, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
      Line(std::string_view(pending_).substr(start, nl - start));
    }
    pending_.erase(0, start);
    if (pending_.size() > kMaxRecordLine) Kill("sent a record longer than " +
                                               std::to_string(kMaxRecordLine) + " bytes");
    return true;
  }
  void Line(std::string_view line) {
    if (line.empty() || verdict_) return;
    auto r = StepRecordFromJson(line);
    if (!r.ok()) return Kill("sent an invalid record (" + r.status().message() + ")");
    if (r->kind == StepRecord::Kind::kLog || r->kind == StepRecord::Kind::kProgress) {
      if (!ending_) sink_.OnRecord(*r);
      return;
    }
    if (!ending_) ending_ = std::move(*r);
  }
  void Kill(const std::string& why) {
    if (verdict_) return;
    verdict_ = why;
    child_.Signal(SIGKILL);
  }
  void CheckLimits() {
    const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
    if (spec_.timeout_s > 0 && elapsed > spec_.timeout_s)
      Kill("exceeded its timeout of " + Seconds(spec_.timeout_s) +
           "; the worker was killed (SIGKILL)");
    if (spec_.max_rss_mb > 0) {
      const int64_t kb = child_.ResidentKb();
      if (kb > spec_.max_rss_mb * 1024)
        Kill("exceeded max_rss_mb " + std::to_string(spec_.max_rss_mb) + " (resident " +
             std::to_string(kb / 1024) + " MiB); the worker was killed (SIGKILL)");
    }
    if (control_.cancel && control_.cancel->load()) {
      if (!canceled_at_) {
        canceled_at_ = Clock::now();
        WriteAll(stdin_, "cancel\n");
      }
      const double since = std::chrono::duration<double>(Clock::now() - *canceled_at_).count();
      if (since > control_.grace_s && !termed_) {
        termed_ = true;
        child_.Signal(SIGTERM);
      }
      if (since > control_.grace_s + StepControl::kKillAfterTermSeconds)
        Kill("did not stop within the grace period after cancellation; killed (SIGKILL)");
    }
  }
  void Report() {
    const std::string who = "worker for '" + spec_.asset_key + "'";
    if (verdict_) return Fail(sink_, AF_ERR_RETRYABLE, who + " " + *verdict_);
    const bool clean = status_->exited && status_->code == 0;
    if (ending_ && (clean || ending_->kind == StepRecord::Kind::kFailure))
      return sink_.OnRecord(*ending_);
    if (ending_)
      return Fail(sink_, AF_ERR_RETRYABLE, who + " " + status_->Describe() +
                                               " after reporting its result");
    Fail(sink_, AF_ERR_RETRYABLE, who + " " + status_->Describe() + " before reporting a result");
  }

  const StepSpec& spec_;
  const StepControl& control_;
  StepRecordSink& sink_;
  Subprocess& child_;
  const int records_, stdin_;
  const Clock::time_point started_;
  std::string pending_;
  std::optional<StepRecord> ending_;
  std::optional<std::string> verdict_;  // why the host killed it
  std::optional<ExitStatus> status_;
  std::optional<Clock::time_point> canceled_at_;
  bool termed_ = false;
};

void IgnoreSigpipe() {
  static std::once_flag once;
  std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

// Writes `text` to `path` so that a reader sees all of it or nothing: a temp file beside it,
// fsync, rename.
bool WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool ok = WriteAll(fd, text) && ::fsync(fd) == 0;
  ::close(fd);
  return ok && ::rename(tmp.c_str(), path.c_str()) == 0;
}

// The worker's records, written as JSON lines; serialized (a plugin's threads may log). With
// a result path, the ending record also goes there, last.
class RecordWriter : public StepRecordSink {
 public:
  RecordWriter(int fd, std::string result_path) : fd_(fd), result_(std::move(result_path)) {}
  void OnRecord(const StepRecord& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string line = StepRecordToJson(r) + "\n";
    WriteAll(fd_, line);
    const bool ending = r.kind == StepRecord::Kind::kOutput || r.kind == StepRecord::Kind::kFailure;
    if (ending && !result_.empty() && !wrote_result_) {
      wrote_result_ = true;
      if (!WriteFileAtomically(result_, line))
        std::cerr << "assetflow worker: cannot write '" << result_ << "': " << std::strerror(errno)
                  << "\n";
    }
  }

 private:
  int fd_;
  const std::string result_;
  bool wrote_result_ = false;
  std::mutex mu_;
};

// Touches the heartbeat file while the worker lives (a detached thread: the process ends with
// _exit, under it).
void StartHeartbeat(const std::string& path) {
  if (path.empty()) return;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
  std::thread([path] {
    for (;;) {
      ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);
      std::this_thread::sleep_for(
          std::chrono::duration<double>(WorkerFiles::kHeartbeatSeconds));
    }
  }).detach();
}

// The fence (WorkerFiles::claim): OK when this worker created the claim file.
Status ClaimAttempt(const std::string& path, uint32_t attempt) {
  if (CreateClaim(path, "worker " + std::to_string(::getpid()))) return Status::OK();
  if (errno == EEXIST)
    return Status::Failed("attempt " + std::to_string(attempt) +
                          " was superseded (the host gave up on it); its output was discarded");
  return Status::IoError("cannot claim attempt " + std::to_string(attempt) + " at '" + path +
                         "': " + std::strerror(errno));
}

}  // namespace

ChildProcessRunner::ChildProcessRunner(std::string executable)
    : executable_(executable.empty() ? SelfExecutable() : std::move(executable)) {}

void ChildProcessRunner::Run(const StepSpec& spec, const StepControl& control,
                             StepRecordSink& sink) {
  IgnoreSigpipe();
  auto in = MakePipe();
  if (!in.ok()) return Fail(sink, AF_ERR_RETRYABLE, "cannot start a worker: " + in.status().message());
  auto records = MakePipe();
  if (!records.ok()) {
    ::close(in->first);
    ::close(in->second);
    return Fail(sink, AF_ERR_RETRYABLE, "cannot start a worker: " + records.status().message());
  }
  SpawnOptions options;
  // The worker dies with this process (--host-pid): a host killed by -9 leaves no step running
  // on behind the recovery that the next start does.
  options.argv = {executable_, "worker", "run-step", "-", "--host-pid", std::to_string(::getpid())};
  options.fds = {{0, in->first}, {kRecordsFd, records->second}, {1, 2}};
  auto child = Subprocess::Spawn(options);
  ::close(in->first);
  ::close(records->second);
  if (!child.ok()) {
    ::close(in->second);
    ::close(records->first);
    return Fail(sink, AF_ERR_RETRYABLE, "cannot start a worker: " + child.status().message());
  }
  WriteAll(in->second, StepSpecToJson(spec) + "\n");  // a child that died is seen below
  Supervisor(spec, control, sink, *child, records->first, in->second).Run();
  ::close(in->second);
  ::close(records->first);
}

std::string WorkerRecordsIn(const std::string& dir) { return dir + "/events.jsonl"; }

WorkerFiles WorkerFilesIn(const std::string& dir) {
  WorkerFiles f;
  f.result = dir + "/result.json";
  f.heartbeat = dir + "/heartbeat";
  f.claim = dir + "/claim";
  return f;
}

bool CreateClaim(const std::string& path, const std::string& owner) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  WriteAll(fd, owner + "\n");
  ::close(fd);
  return true;
}

size_t FenceRunAttempts(const std::string& home, const std::string& run_id) {
  namespace fs = std::filesystem;
  size_t fenced = 0;
  std::error_code ec;
  const fs::path steps = fs::path(home) / "runs" / run_id / "steps";
  for (fs::recursive_directory_iterator it(steps, ec), end; !ec && it != end; it.increment(ec)) {
    // An attempt folder is the one holding spec.json (step keys may have several segments).
    if (it->path().filename() != "spec.json") continue;
    if (CreateClaim(WorkerFilesIn(it->path().parent_path().string()).claim, "host")) ++fenced;
  }
  return fenced;
}

int RunWorkerStep(const std::string& spec_source, int records_fd, const WorkerFiles& files) {
  StartHeartbeat(files.heartbeat);
  RecordWriter writer(records_fd, files.result);
  std::string text;
  if (spec_source == "-") {
    if (!std::getline(std::cin, text)) {
      std::cerr << "assetflow worker: no step spec on stdin\n";
      return 2;
    }
  } else {
    std::ifstream file(spec_source, std::ios::binary);
    if (!file) {
      std::cerr << "assetflow worker: cannot read step spec '" << spec_source << "'\n";
      return 2;
    }
    std::stringstream contents;
    contents << file.rdbuf();
    text = contents.str();
  }
  auto spec = StepSpecFromJson(text);
  if (!spec.ok()) {
    std::cerr << "assetflow worker: " << spec.status().message() << "\n";
    return 2;
  }
  // Later stdin lines: "cancel", or EOF when the host is gone; both cancel the step.
  static std::atomic<bool> cancel{false};
  if (spec_source == "-") {
    std::thread([] {
      std::string line;
      while (std::getline(std::cin, line) && line != "cancel") {
      }
      cancel = true;
    }).detach();
  }
  PluginRegistry registry;
  for (const PluginFileSpec& file : spec->plugins) {
    std::string error;
    const std::string sha = FileSha256Hex(file.path, &error);
    if (sha != file.sha256) {
      Fail(writer, AF_ERR_FATAL,
           "plugin file '" + file.path + "' is not the one the host loaded (" +
               (sha.empty() ? error : "sha256 " + sha.substr(0, 12) + ", expected " +
                                          file.sha256.substr(0, 12)) + ")");
      return 0;
    }
    if (!registry.LoadFile(file.path)) {
      std::string why = registry.errors().empty() ? "refused" : registry.errors().back().message;
      Fail(writer, AF_ERR_FATAL, "plugin file '" + file.path + "': " + why);
      return 0;
    }
  }
  IoResolver io(registry);
  StepControl control;
  control.cancel = &cancel;
  if (!files.claim.empty()) {
    control.claim_commit = [path = files.claim, attempt = spec->attempt] {
      return ClaimAttempt(path, attempt);
    };
  }
  control.on_plugin_exit = [&writer](const std::string& message) {
    Fail(writer, AF_ERR_FATAL, message);
  };
  RunStepHere(*spec, registry, io, control, writer);
  return 0;
}

}  // namespace af
