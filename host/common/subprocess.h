// Subprocess: child processes started with posix_spawn (never fork without exec: the host is
// multithreaded), their exit status, and a bounded, timed "run and capture" on top.
//
// Thread: a Subprocess is used by one thread at a time; different Subprocess objects are
// independent. Nothing here installs a SIGCHLD handler or reaps children it did not start.
#ifndef ASSETFLOW_HOST_COMMON_SUBPROCESS_H_
#define ASSETFLOW_HOST_COMMON_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace af {

struct ExitStatus {
  bool exited = false;  // exited normally with `code`
  int code = 0;
  int signal = 0;       // killed by `signal` (exactly one of exited / signal != 0)
  // "exited with status 3" / "was killed by signal 11 (SIGSEGV)"
  std::string Describe() const;
};

// "SIGSEGV"; "signal 64" for a signal without a standard name.
std::string SignalName(int signal);

struct SpawnOptions {
  std::vector<std::string> argv;         // argv[0]: path of the executable (not searched in PATH)
  // {child_fd, parent_fd}: dup2(parent_fd, child_fd) in the child (e.g. {3, pipe_w}, {1, 2}).
  // Mappings are independent: a parent_fd may equal another mapping's child_fd. Every other
  // descriptor the parent opened with O_CLOEXEC stays out of the child; 0, 1, 2 are inherited
  // unless mapped.
  std::vector<std::pair<int, int>> fds;
  std::vector<std::string> env_add;      // "K=V" added to (overriding) the parent's environment
};

// A started child: it starts with no signal blocked and SIGPIPE at its default action (other
// dispositions, the working directory and unmapped fds without O_CLOEXEC are inherited). Movable, not copyable; the destructor kills (SIGKILL) and reaps a child that
// is still running, so a Subprocess never leaves a zombie or an orphan behind.
class Subprocess {
 public:
  static Expected<Subprocess> Spawn(const SpawnOptions& options);

  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();

  pid_t pid() const;
  // Non-blocking waitpid; reaps once, then returns the same status every time.
  std::optional<ExitStatus> Poll();
  // Blocks until the child ends (or returns the status it ended with).
  ExitStatus Wait();
  // kill(pid, sig); a no-op once reaped.
  void Signal(int sig);
  // VmRSS of the running child from /proc/<pid>/status, in KiB; -1 if unknown or reaped.
  int64_t ResidentKb() const;

 private:
  explicit Subprocess(pid_t pid) : pid_(pid) {}
  void Release();  // kill and reap if still running
  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
};

// {read_fd, write_fd}, both O_CLOEXEC. The caller owns (closes) both.
Expected<std::pair<int, int>> MakePipe();

// realpath of /proc/self/exe; "" if unknown.
std::string SelfExecutable();

// The outcome of RunCaptured.
struct CapturedRun {
  ExitStatus status;
  bool timed_out = false;               // killed with SIGKILL after the timeout
  std::string out, err;                 // at most `max_bytes` of each
  bool out_truncated = false, err_truncated = false;  // more was written (read and dropped)
};

// Spawns `options` (plus {1, stdout pipe} and {2, stderr pipe}), reads both streams until the
// child has ended and what it wrote is read (a grandchild keeping a pipe open does not extend
// the wait), and reaps it; after `timeout` the child is killed with SIGKILL. Blocks the calling
// thread for at most about `timeout`.
Expected<CapturedRun> RunCaptured(SpawnOptions options, std::chrono::milliseconds timeout,
                                  std::size_t max_bytes);

}  // namespace af

#endif
