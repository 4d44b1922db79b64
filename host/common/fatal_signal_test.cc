// FatalSignalScope in real processes: this test binary re-runs itself with
// AF_FATAL_SIGNAL_CHILD=<what> and only the "child" test case, which dies inside a scope.
#include "common/fatal_signal.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>

#include <cstring>
#include <future>
#include <optional>
#include <thread>

#include "common/subprocess.h"

namespace af {
namespace {

FatalReport Report(const std::string& what) {
  return FatalReport{"assetflow: test '" + what + "'", "while testing", "; a hint", 2};
}

// Recurses with a frame the optimizer cannot drop, until the stack overflows (never -1).
volatile int g_never = -1;
int Overflow(int depth) {
  if (depth == g_never) return 0;
  volatile char frame[4096];
  frame[depth % sizeof frame] = static_cast<char>(depth);
  return Overflow(depth + 1) + frame[0];
}

CapturedRun RunChild(const std::string& what) {
  auto run = RunCaptured({{SelfExecutable(), "--test-case=fatal signal child"},
                          {},
                          {"AF_FATAL_SIGNAL_CHILD=" + what}},
                         std::chrono::seconds(20), 1 << 16);
  REQUIRE(run.ok());
  return run.value();
}

}  // namespace

TEST_CASE("fatal signal child") {
  const char* env = std::getenv("AF_FATAL_SIGNAL_CHILD");
  if (env == nullptr) return;  // only when run by the cases below
  const std::string what = env;
  FatalSignalScope outer(Report("process " + what), FatalSignalScope::Reach::kProcess);
  if (what == "thread-abort") {
    // A thread with its own scope: its line wins over the process-wide one.
    std::thread([&] {
      FatalSignalScope mine(Report("thread " + what));
      ::abort();
    }).join();
  }
  if (what == "other-thread-segv") std::thread([] { ::raise(SIGSEGV); }).join();
  if (what == "fallback-order") {
    // kProcess scopes closing out of order, on two threads: the fallback is always an open one.
    std::promise<void> opened, may_close;
    std::thread first([&] {
      FatalSignalScope scope(Report("first"), FatalSignalScope::Reach::kProcess);
      opened.set_value();
      may_close.get_future().wait();
    });
    opened.get_future().wait();
    std::optional<FatalSignalScope> second;
    second.emplace(Report("second"), FatalSignalScope::Reach::kProcess);
    may_close.set_value();
    first.join();   // "first" closed while "second" is open
    second.reset();  // now only the outer scope is open
    std::thread([] { ::raise(SIGSEGV); }).join();
  }
  FatalSignalScope inner(Report(what));
  if (what == "abort") ::abort();
  if (what == "segv") {
    volatile int* p = nullptr;
    *p = 1;
  }
  if (what == "overflow") Overflow(0);
  if (what == "fpe") ::raise(SIGFPE);
  if (what == "exit") ::exit(7);
  if (what == "quick_exit") ::quick_exit(0);
}

TEST_CASE("a fatal signal in a scope writes its one line, then dies of the signal") {
  struct Case {
    const char* what;
    int signal;
  };
  for (Case c : {Case{"abort", SIGABRT}, Case{"segv", SIGSEGV}, Case{"overflow", SIGSEGV},
                 Case{"fpe", SIGFPE}}) {
    CAPTURE(c.what);
    CapturedRun run = RunChild(c.what);
    CHECK(run.status.signal == c.signal);
    CHECK(run.err == "assetflow: test '" + std::string(c.what) + "' crashed while testing (signal " +
                         std::to_string(c.signal) + ", " + KnownSignalName(c.signal) +
                         "); a hint\n");
  }
}

TEST_CASE("each thread has its own line; other threads fall back to the process-wide one") {
  CapturedRun own = RunChild("thread-abort");
  CHECK(own.status.signal == SIGABRT);
  CHECK(own.err ==
        "assetflow: test 'thread thread-abort' crashed while testing (signal 6, SIGABRT); a hint\n");
  CapturedRun order = RunChild("fallback-order");
  CHECK(order.status.signal == SIGSEGV);
  CHECK(order.err == "assetflow: test 'process fallback-order' crashed while testing "
                     "(signal 11, SIGSEGV); a hint\n");
  CapturedRun other = RunChild("other-thread-segv");
  CHECK(other.status.signal == SIGSEGV);
  CHECK(other.err == "assetflow: test 'process other-thread-segv' crashed while testing "
                     "(signal 11, SIGSEGV); a hint\n");
}

TEST_CASE("exit() and quick_exit() in a scope write their line and end with exit_status") {
  CapturedRun exited = RunChild("exit");
  CHECK(exited.status.exited);
  CHECK(exited.status.code == 2);
  CHECK(exited.err == "assetflow: test 'exit' called exit(7) while testing; a hint\n");
  CapturedRun quick = RunChild("quick_exit");
  CHECK(quick.status.code == 2);
  CHECK(quick.err == "assetflow: test 'quick_exit' called quick_exit() while testing; a hint\n");
}

TEST_CASE("handlers are installed only while a scope is open; SignalLine shows the text") {
  struct sigaction before = {}, during = {}, after = {};
  ::sigaction(SIGSEGV, nullptr, &before);
  {
    FatalSignalScope scope(Report("x"));
    ::sigaction(SIGSEGV, nullptr, &during);
    CHECK(scope.SignalLine(SIGBUS) ==
          "assetflow: test 'x' crashed while testing (signal 7, SIGBUS); a hint\n");
    CHECK(scope.SignalLine(SIGTERM) == "");
  }
  ::sigaction(SIGSEGV, nullptr, &after);
  CHECK((during.sa_flags & SA_ONSTACK) != 0);
  CHECK(reinterpret_cast<void*>(during.sa_sigaction) != reinterpret_cast<void*>(before.sa_sigaction));
  CHECK(reinterpret_cast<void*>(after.sa_handler) == reinterpret_cast<void*>(before.sa_handler));
  CHECK(KnownSignalName(SIGILL) == std::string("SIGILL"));
  CHECK(KnownSignalName(64) == nullptr);
}

}  // namespace af
