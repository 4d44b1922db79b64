// Running a real binary from a test: temp directories, spawning with stdout/stderr to files,
// waiting (with or without a deadline). Shared by the CLI and isolation tests.
#ifndef AF_TESTS_SUPPORT_CLI_PROCESS_H
#define AF_TESTS_SUPPORT_CLI_PROCESS_H

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace af_test {

namespace fs = std::filesystem;

struct TempDir {
  std::string path;
  explicit TempDir(const std::string& prefix = "af_test") {
    std::string tmpl = "/tmp/" + prefix + ".XXXXXX";
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

inline std::string ReadFile(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

struct Child {
  pid_t pid = -1;
  std::string out_path, err_path;
};

struct Result {
  int exit_code = -1;  // the exit status, or 128 + the signal that ended the process
  bool timed_out = false;
  double seconds = 0;  // from the start of the wait
  std::string out, err;
};

// Starts argv[0] with argv, stdout and stderr to the given files.
inline Child Spawn(const std::vector<std::string>& argv, const std::string& out_path,
                   const std::string& err_path) {
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  Child c;
  c.out_path = out_path;
  c.err_path = err_path;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(posix_spawn(&c.pid, cargv[0], &fa, nullptr, cargv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&fa);
  return c;
}

inline Result Collect(const Child& c, int status, double seconds, bool timed_out) {
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.timed_out = timed_out;
  r.seconds = seconds;
  r.out = ReadFile(c.out_path);
  r.err = ReadFile(c.err_path);
  return r;
}

// Waits for the child; after `limit_s` seconds it is killed (SIGKILL) and timed_out is set, so
// a behaviour that never ends fails the test instead of hanging it.
inline Result WaitAtMost(const Child& c, double limit_s) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  int status = 0;
  bool timed_out = false;
  while (::waitpid(c.pid, &status, WNOHANG) == 0) {
    if (elapsed() > limit_s) {
      ::kill(c.pid, SIGKILL);
      ::waitpid(c.pid, &status, 0);
      timed_out = true;
      break;
    }
    ::usleep(2000);
  }
  return Collect(c, status, elapsed(), timed_out);
}

inline Result Wait(const Child& c) {
  int status = 0;
  ::waitpid(c.pid, &status, 0);
  return Collect(c, status, 0, false);
}

}  // namespace af_test

#endif  // AF_TESTS_SUPPORT_CLI_PROCESS_H
