// Subprocess through real children: /bin/sh exits and kills itself, a sleep is signalled, a pipe
// is mapped onto a child fd, a live child's memory is read from /proc.
#include "common/subprocess.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

namespace af {
namespace {

Subprocess Sh(const std::string& script, std::vector<std::pair<int, int>> fds = {},
              std::vector<std::string> env = {}) {
  auto child = Subprocess::Spawn({{"/bin/sh", "-c", script}, std::move(fds), std::move(env)});
  REQUIRE(child.ok());
  return std::move(child.value());
}

std::string ReadAll(int fd) {
  std::string s;
  char buf[256];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) s.append(buf, n);
  return s;
}

}  // namespace

TEST_CASE("ExitStatus and SignalName describe how a child ended") {
  CHECK(ExitStatus{true, 3, 0}.Describe() == "exited with status 3");
  CHECK(ExitStatus{false, 0, 11}.Describe() == "was killed by signal 11 (SIGSEGV)");
  CHECK(SignalName(SIGABRT) == "SIGABRT");
  CHECK(SignalName(64) == "signal 64");
}

TEST_CASE("a child's exit status and its fatal signal") {
  Subprocess three = Sh("exit 3");
  ExitStatus s = three.Wait();
  CHECK(s.exited);
  CHECK(s.code == 3);
  CHECK(three.Wait().code == 3);  // reaped once, the same status after
  CHECK(three.Poll()->code == 3);

  ExitStatus segv = Sh("kill -SEGV $$").Wait();
  CHECK_FALSE(segv.exited);
  CHECK(segv.signal == SIGSEGV);
  CHECK(segv.Describe() == "was killed by signal 11 (SIGSEGV)");
}

TEST_CASE("Poll does not block; Signal ends a sleep; Signal after reaping is a no-op") {
  Subprocess sleeper = Sh("exec sleep 30");
  CHECK_FALSE(sleeper.Poll().has_value());
  CHECK(sleeper.ResidentKb() > 0);
  sleeper.Signal(SIGTERM);
  ExitStatus s = sleeper.Wait();
  CHECK(s.signal == SIGTERM);
  sleeper.Signal(SIGKILL);
  CHECK(sleeper.ResidentKb() == -1);
}

TEST_CASE("fds map parent descriptors onto child descriptors; env_add overrides") {
  auto pipe = MakePipe();
  REQUIRE(pipe.ok());
  auto [r, w] = pipe.value();
  // Fds 3 and 1 of the child are the pipe; fd `w` of the child is the parent's stderr, which
  // must not clobber the first two mappings (they read parent fd `w`).
  Subprocess child = Sh("echo \"to3 $AF_SUBPROCESS_TEST\" >&3; echo to1",
                        {{3, w}, {1, w}, {w, 2}}, {"AF_SUBPROCESS_TEST=overridden"});
  ::close(w);
  CHECK(child.Wait().code == 0);
  CHECK(ReadAll(r) == "to3 overridden\nto1\n");
  ::close(r);
}

TEST_CASE("the destructor kills and reaps a running child") {
  pid_t pid;
  {
    Subprocess sleeper = Sh("exec sleep 30");
    pid = sleeper.pid();
    Subprocess moved = std::move(sleeper);
    CHECK(moved.pid() == pid);
  }
  CHECK(::kill(pid, 0) == -1);  // gone, not a zombie
}

TEST_CASE("Spawn of a missing executable is an error value") {
  auto child = Subprocess::Spawn({{"/nonexistent/af-no-such-binary"}, {}, {}});
  REQUIRE_FALSE(child.ok());
  CHECK(child.status().message() ==
        "cannot start /nonexistent/af-no-such-binary: No such file or directory");
}

TEST_CASE("RunCaptured: output, bounded size, timeout") {
  auto run = RunCaptured({{"/bin/sh", "-c", "echo out; echo err >&2; exit 4"}, {}, {}},
                         std::chrono::seconds(10), 1024);
  REQUIRE(run.ok());
  CHECK(run->out == "out\n");
  CHECK(run->err == "err\n");
  CHECK(run->status.code == 4);
  CHECK_FALSE(run->timed_out);

  auto big = RunCaptured({{"/bin/sh", "-c", "yes | head -c 100000"}, {}, {}},
                         std::chrono::seconds(10), 10);
  REQUIRE(big.ok());
  CHECK(big->out == "y\ny\ny\ny\ny\n");
  CHECK(big->out_truncated);
  CHECK(big->status.code == 0);

  // A grandchild holding stdout open does not keep RunCaptured waiting for it.
  auto start = std::chrono::steady_clock::now();
  auto bg = RunCaptured({{"/bin/sh", "-c", "sleep 3 & echo done"}, {}, {}},
                        std::chrono::seconds(10), 1024);
  REQUIRE(bg.ok());
  CHECK(bg->out == "done\n");
  CHECK_FALSE(bg->timed_out);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));

  start = std::chrono::steady_clock::now();
  auto hung = RunCaptured({{"/bin/sh", "-c", "exec sleep 30"}, {}, {}},
                          std::chrono::milliseconds(300), 1024);
  REQUIRE(hung.ok());
  CHECK(hung->timed_out);
  CHECK(hung->status.signal == SIGKILL);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("SelfExecutable is the absolute path of this test binary") {
  const std::string self = SelfExecutable();
  CHECK(self.front() == '/');
  CHECK(self.substr(self.rfind('/') + 1) == "common_test");
}

}  // namespace af
