#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "eventlog/event_log.h"
#include "eventlog/test_util.h"

namespace af {

namespace {

std::unique_ptr<EventLog> OpenLog(const std::string& home) {
  auto log = EventLog::Open(home);
  REQUIRE_MESSAGE(log.ok(), log.status().message());
  return std::move(*log);
}

std::string BusyMessage(const std::string& key, const std::string& run, pid_t pid) {
  return "asset '" + key + "' is being materialized by run " + run + " (pid " +
         std::to_string(pid) + "); try again when it finishes";
}

int64_t ElapsedMs(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since).count();
}

}  // namespace

TEST_CASE("Claims are all or nothing, re-entrant for their run, and released") {
  TempHome home;
  auto log = OpenLog(home.path());
  REQUIRE(log->ClaimAssets("r1", {"x", "y"}, 0).ok());
  REQUIRE(log->ClaimAssets("r1", {"x"}, 0).ok());

  const auto start = std::chrono::steady_clock::now();
  Status busy = log->ClaimAssets("r2", {"z", "x"}, 200);
  CHECK(ElapsedMs(start) >= 200);
  CHECK(busy.code() == Status::Code::kBusy);
  CHECK(busy.message() == BusyMessage("x", "r1", getpid()));
  CHECK(log->ClaimAssets("r3", {"z"}, 0).ok());  // r2 did not keep z

  REQUIRE(log->ReleaseAssets("r1").ok());
  CHECK(log->ClaimAssets("r2", {"x", "y"}, 0).ok());
  REQUIRE(log->StartRun({"r2", RunStatus::kStarted, "*", 1, 0}).ok());
  REQUIRE(log->EndRun("r2", RunStatus::kSuccess, 2).ok());  // ending a run releases its claims
  CHECK(log->ClaimAssets("r4", {"x", "y"}, 0).ok());
}

TEST_CASE("A claim held by a live process waits, then is Busy; released, it is taken") {
  TempHome home;
  int ready[2], release[2];
  REQUIRE(pipe(ready) == 0);
  REQUIRE(pipe(release) == 0);
  const pid_t holder = ForkChild([&] {
    close(ready[0]);
    close(release[1]);
    auto log = EventLog::Open(home.path());
    if (!log.ok() || !(*log)->ClaimAssets("holder-run", {"x"}, 0).ok()) return 2;
    if (write(ready[1], "c", 1) != 1) return 3;
    char c;
    if (read(release[0], &c, 1) != 1) return 4;
    return (*log)->ReleaseAssets("holder-run").ok() ? 0 : 5;
  });
  close(ready[1]);
  close(release[0]);
  char c;
  REQUIRE(read(ready[0], &c, 1) == 1);

  auto log = OpenLog(home.path());
  auto start = std::chrono::steady_clock::now();
  Status busy = log->ClaimAssets("my-run", {"x"}, 300);
  CHECK(ElapsedMs(start) >= 300);
  CHECK(busy.code() == Status::Code::kBusy);
  CHECK(busy.message() == BusyMessage("x", "holder-run", holder));

  REQUIRE(write(release[1], "r", 1) == 1);
  start = std::chrono::steady_clock::now();
  CHECK(log->ClaimAssets("my-run", {"x"}, 10000).ok());
  CHECK(ElapsedMs(start) < 5000);
  CHECK(WaitChild(holder) == 0);
  close(ready[0]);
  close(release[1]);
}

TEST_CASE("A claim whose process died is taken over at once") {
  TempHome home;
  const pid_t crashed = ForkChild([&] {
    auto log = EventLog::Open(home.path());
    if (!log.ok() || !(*log)->ClaimAssets("crashed-run", {"x", "y"}, 0).ok()) return 2;
    _exit(0);  // dies holding its claims: no ReleaseAssets, no destructor
  });
  REQUIRE(WaitChild(crashed) == 0);

  auto log = OpenLog(home.path());
  const auto start = std::chrono::steady_clock::now();
  CHECK(log->ClaimAssets("next-run", {"y"}, 5000).ok());
  CHECK(ElapsedMs(start) < 1000);
  // y now belongs to next-run, a live run of this process.
  CHECK(log->ClaimAssets("third-run", {"y"}, 0).message() ==
        BusyMessage("y", "next-run", getpid()));
}

}  // namespace af
