#include "common/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/fatal_signal.h"

extern char** environ;

namespace af {
namespace {

std::string Errno(const std::string& what, int err) { return what + ": " + ::strerror(err); }

ExitStatus FromWaitStatus(int status) {
  ExitStatus s;
  if (WIFEXITED(status)) {
    s.exited = true;
    s.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    s.signal = WTERMSIG(status);
  }
  return s;
}

// The parent's environment with `add` ("K=V") overriding or appended.
std::vector<std::string> MergedEnvironment(const std::vector<std::string>& add) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  for (const std::string& kv : add) {
    const std::string key = kv.substr(0, kv.find('=') + 1);
    auto same = [&](const std::string& e) { return e.compare(0, key.size(), key) == 0; };
    env.erase(std::remove_if(env.begin(), env.end(), same), env.end());
    env.push_back(kv);
  }
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::string SignalName(int signal) {
  const char* name = KnownSignalName(signal);
  return name ? name : "signal " + std::to_string(signal);
}

std::string ExitStatus::Describe() const {
  if (exited) return "exited with status " + std::to_string(code);
  return "was killed by signal " + std::to_string(signal) + " (" + SignalName(signal) + ")";
}

Expected<Subprocess> Subprocess::Spawn(const SpawnOptions& options) {
  if (options.argv.empty()) return Status::InvalidArgument("spawn: empty argv");
  // Every parent_fd is first duplicated above all child fds (O_CLOEXEC), then dup2'd onto its
  // child_fd: mappings cannot clobber each other, and dup2 onto a different fd clears CLOEXEC.
  int floor = 3;
  for (const auto& [child_fd, parent_fd] : options.fds) floor = std::max(floor, child_fd + 1);
  std::vector<int> temps;
  auto close_temps = [&] {
    for (int fd : temps) ::close(fd);
  };
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (const auto& [child_fd, parent_fd] : options.fds) {
    int temp = ::fcntl(parent_fd, F_DUPFD_CLOEXEC, floor);
    if (temp < 0) {
      const int err = errno;
      posix_spawn_file_actions_destroy(&actions);
      close_temps();
      return Status::IoError(Errno("spawn: fd " + std::to_string(parent_fd), err));
    }
    temps.push_back(temp);
    posix_spawn_file_actions_adddup2(&actions, temp, child_fd);
  }
  std::vector<std::string> argv = options.argv;
  std::vector<std::string> env = MergedEnvironment(options.env_add);
  std::vector<char*> cargv = CStrings(argv), cenv = CStrings(env);
  // A clean start: no signal blocked (the parent's threads may block some), SIGPIPE default.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int err = ::posix_spawn(&pid, cargv[0], &actions, &attr, cargv.data(), cenv.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  close_temps();
  if (err != 0) return Status::IoError(Errno("cannot start " + options.argv[0], err));
  return Subprocess(pid);
}

Subprocess::Subprocess(Subprocess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(std::move(other.status_)) {}

Subprocess& Subprocess::operator=(Subprocess&& other) noexcept {
  if (this != &other) {
    Release();
    pid_ = std::exchange(other.pid_, -1);
    status_ = std::move(other.status_);
  }
  return *this;
}

Subprocess::~Subprocess() { Release(); }

void Subprocess::Release() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    Wait();
  }
}

pid_t Subprocess::pid() const { return pid_; }

std::optional<ExitStatus> Subprocess::Poll() {
  if (status_ || pid_ <= 0) return status_;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) status_ = FromWaitStatus(status);
  return status_;
}

ExitStatus Subprocess::Wait() {
  if (status_ || pid_ <= 0) return status_.value_or(ExitStatus{});
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  status_ = r == pid_ ? FromWaitStatus(status) : ExitStatus{};
  return *status_;
}

void Subprocess::Signal(int sig) {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

int64_t Subprocess::ResidentKb() const {
  if (pid_ <= 0 || status_) return -1;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

Expected<std::pair<int, int>> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::IoError(Errno("pipe", errno));
  return std::pair<int, int>{fds[0], fds[1]};
}

std::string SelfExecutable() {
  std::error_code ec;
  auto path = std::filesystem::canonical("/proc/self/exe", ec);
  return ec ? "" : path.string();
}

Expected<CapturedRun> RunCaptured(SpawnOptions options, std::chrono::milliseconds timeout,
                                  std::size_t max_bytes) {
  auto out_pipe = MakePipe();
  if (!out_pipe.ok()) return out_pipe.status();
  auto err_pipe = MakePipe();
  if (!err_pipe.ok()) {
    ::close(out_pipe->first);
    ::close(out_pipe->second);
    return err_pipe.status();
  }
  options.fds.push_back({1, out_pipe->second});
  options.fds.push_back({2, err_pipe->second});
  auto child = Subprocess::Spawn(options);
  ::close(out_pipe->second);
  ::close(err_pipe->second);
  if (!child.ok()) {
    ::close(out_pipe->first);
    ::close(err_pipe->first);
    return child.status();
  }

  CapturedRun run;
  struct Stream {
    int fd;
    std::string* text;
    bool* truncated;
  };
  std::vector<Stream> open = {{out_pipe->first, &run.out, &run.out_truncated},
                              {err_pipe->first, &run.err, &run.err_truncated}};
  for (const Stream& s : open) ::fcntl(s.fd, F_SETFL, ::fcntl(s.fd, F_GETFL) | O_NONBLOCK);
  // Reads what `s` has now; false once it is at EOF (or broken).
  auto drain = [max_bytes](const Stream& s) {
    for (;;) {
      char buf[8192];
      const ssize_t got = ::read(s.fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return errno == EAGAIN;
      if (got == 0) return false;
      const std::size_t room = max_bytes - std::min(max_bytes, s.text->size());
      const std::size_t keep = std::min<std::size_t>(static_cast<std::size_t>(got), room);
      s.text->append(buf, keep);
      if (keep < static_cast<std::size_t>(got)) *s.truncated = true;
    }
  };
  auto close_finished = [&](std::vector<Stream>& streams, bool child_ended) {
    for (std::size_t i = streams.size(); i-- > 0;) {
      if (drain(streams[i]) && !child_ended) continue;
      ::close(streams[i].fd);
      streams.erase(streams.begin() + static_cast<std::ptrdiff_t>(i));
    }
  };
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  constexpr auto kSlice = std::chrono::milliseconds(50);
  // Until the child ends and its streams are read (a grandchild holding a pipe open does not
  // keep us waiting once the child is gone), or the deadline.
  for (;;) {
    const bool ended = child->Poll().has_value();
    close_finished(open, ended);
    if (open.empty() && (ended || child->Poll())) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      run.timed_out = true;
      break;
    }
    const int wait_ms = static_cast<int>(std::min<std::chrono::milliseconds>(left, kSlice).count());
    if (open.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(wait_ms, 5)));
      continue;
    }
    std::vector<pollfd> pfds;
    for (const Stream& s : open) pfds.push_back({s.fd, POLLIN, 0});
    ::poll(pfds.data(), pfds.size(), wait_ms);
  }
  for (const Stream& s : open) ::close(s.fd);
  if (run.timed_out) child->Signal(SIGKILL);
  run.status = child->Wait();
  return run;
}

}  // namespace af
