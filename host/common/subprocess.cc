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
  pid_t pid = -1;
  const int err = ::posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), cenv.data());
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
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining_ms = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return std::max<int64_t>(0, left.count());
  };
  while (!open.empty() && !run.timed_out) {
    std::vector<pollfd> pfds;
    for (const Stream& s : open) pfds.push_back({s.fd, POLLIN, 0});
    const int n = ::poll(pfds.data(), pfds.size(), static_cast<int>(remaining_ms()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      run.timed_out = n == 0;
      break;
    }
    for (std::size_t i = pfds.size(); i-- > 0;) {
      if (pfds[i].revents == 0) continue;
      char buf[8192];
      const ssize_t got = ::read(open[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        ::close(open[i].fd);
        open.erase(open.begin() + static_cast<std::ptrdiff_t>(i));
        continue;
      }
      std::string& text = *open[i].text;
      const std::size_t keep = std::min<std::size_t>(got, max_bytes - std::min(max_bytes, text.size()));
      text.append(buf, keep);
      if (keep < static_cast<std::size_t>(got)) *open[i].truncated = true;
    }
  }
  for (const Stream& s : open) ::close(s.fd);
  // Streams closed: the child is ending (or closed them early); wait out the rest of the time.
  while (!run.timed_out && !child->Poll()) {
    if (remaining_ms() == 0) {
      run.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (run.timed_out) child->Signal(SIGKILL);
  run.status = child->Wait();
  return run;
}

}  // namespace af
