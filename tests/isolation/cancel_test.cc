// SIGTERM during a run whose step ignores cancellation (hostile/hang): the run ends CANCELED
// with exit code 130 once the grace period is over — or at once on a second SIGTERM — whether
// the step runs in the host (abandoned) or in a child process (killed).
#include "isolation.h"

using namespace af_test;

namespace {

std::string Manifest(bool isolated) {
  return std::string("assets:\n  stuck: { type: hostile/hang") +
         (isolated ? ", isolation: process" : "") + " }\n"
         "  nap0: { type: examples/sleep, config: { ms: 600000 } }\n"
         "  nap1: { type: examples/sleep, config: { ms: 600000 } }\n";
}

// Starts the run with `grace_s` and returns once every step has started.
Child StartRun(Home& h, const char* grace_s) {
  Child c = h.Start({"--log-format", "json", "materialize", "--all", "-j", "3", "--grace", grace_s});
  for (const std::string asset : {"stuck", "nap0", "nap1"}) {
    CAPTURE(asset);
    CHECK(WaitForEvent(c, "STEP_STARTED", asset, 30));
  }
  return c;
}

void CheckCanceled(Home& h, const Result& r, double limit_s) {
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 130);
  CHECK(r.seconds < limit_s);
  CHECK(Find(Events(r.out), "RUN_CANCELED", "").has_value());
  CHECK(Latest(h).status == "CANCELED");
  CHECK_FALSE(fs::exists(h.storage() + "/stuck"));
}

}  // namespace

TEST_CASE("SIGTERM, in-process: a step that ignores cancel is abandoned after --grace 2") {
  Home h;
  h.Manifest(Manifest(false));
  Child c = StartRun(h, "2");
  ::kill(c.pid, SIGTERM);
  CheckCanceled(h, WaitAtMost(c, 30), 2 + 4);
}

TEST_CASE("SIGTERM, isolation: process: the step's process is killed after --grace 2") {
  Home h;
  h.Manifest(Manifest(true));
  Child c = StartRun(h, "2");
  const std::vector<pid_t> workers = AwaitWorkers(c.pid, 5);
  CHECK(workers.size() == 1);  // only `stuck` is isolated
  ::kill(c.pid, SIGTERM);
  CheckCanceled(h, WaitAtMost(c, 30), 2 + 4);
  for (pid_t w : workers) {
    CAPTURE(w);
    for (int i = 0; i < 100 && !Gone(w); ++i) ::usleep(10000);
    CHECK(Gone(w));
  }
}

TEST_CASE("a second SIGTERM ends the run at once, CANCELED, without waiting out the grace") {
  for (bool isolated : {false, true}) {
    CAPTURE(isolated);
    Home h;
    h.Manifest(Manifest(isolated));
    Child c = StartRun(h, "60");
    const std::vector<pid_t> workers = isolated ? AwaitWorkers(c.pid, 5) : std::vector<pid_t>{};
    CHECK(workers.size() == (isolated ? 1u : 0u));
    ::kill(c.pid, SIGTERM);
    ::usleep(300 * 1000);
    ::kill(c.pid, SIGTERM);
    CheckCanceled(h, WaitAtMost(c, 60), 3);
    // The host left `stuck` running when it ended at once; its worker ends with the host, it
    // does not hang on as an orphan.
    for (pid_t w : workers) {
      CAPTURE(w);
      for (int i = 0; i < 500 && !Gone(w); ++i) ::usleep(10000);
      CHECK(Gone(w));
    }
  }
}
