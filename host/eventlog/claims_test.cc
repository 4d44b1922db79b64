#include <doctest/doctest.h>
#include <unistd.h>

#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include <sqlite3.h>

#include "eventlog/event_log.h"
#include "eventlog/process_identity.h"
#include "eventlog/test_util.h"

namespace af {

namespace {

std::string BusyMessage(const std::string& key, const std::string& run, pid_t pid) {
  return "asset '" + key + "' is being materialized by run " + run + " (pid " +
         std::to_string(pid) + "); try again when it finishes";
}

int64_t ElapsedMs(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since).count();
}

// Rewrites who holds `key`, as a claim left by some earlier process would look.
void SetHolder(const std::string& home, const std::string& key, pid_t pid,
               const std::string& process) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((home + "/assetflow.db").c_str(), &db) == SQLITE_OK);
  const std::string sql = "UPDATE asset_claims SET pid = " + std::to_string(pid) +
                          ", process = '" + process + "' WHERE asset_key = '" + key + "'";
  CHECK(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  CHECK(sqlite3_changes(db) == 1);
  sqlite3_close(db);
}

}  // namespace

TEST_CASE("ProcessIdentity names a live process stably, and nothing for a dead one") {
  const std::string self = ProcessIdentity(getpid());
  CHECK(self.size() > 37);  // "<36-char boot id>:<ticks>"
  CHECK(ProcessIdentity(getpid()) == self);
  CHECK_FALSE(ProcessGone(getpid(), self));
  CHECK_FALSE(ProcessGone(getpid(), ""));
  CHECK(ProcessGone(getpid(), self + "0"));  // same pid, another process: reused
  const pid_t child = ForkChild([] { return 0; });
  REQUIRE(WaitChild(child) == 0);
  CHECK(ProcessIdentity(child) == "");
  CHECK(ProcessGone(child, ""));
}

TEST_CASE("Claims are all or nothing, re-entrant for their run, and released") {
  TempHome home;
  auto log = OpenTestLog(home.path());
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

  auto log = OpenTestLog(home.path());
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

TEST_CASE("A holder killed while we wait: its claim is taken over without waiting it out") {
  TempHome home;
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  const pid_t holder = ForkChild([&] {
    close(ready[0]);
    auto log = EventLog::Open(home.path());
    if (!log.ok() || !(*log)->ClaimAssets("holder-run", {"x"}, 0).ok()) return 2;
    if (write(ready[1], "c", 1) != 1) return 3;
    for (;;) pause();
  });
  close(ready[1]);
  char c;
  REQUIRE(read(ready[0], &c, 1) == 1);
  close(ready[0]);

  auto log = OpenTestLog(home.path());
  // Killed, and not reaped while we wait (a zombie), as when a sibling run crashes.
  std::thread killer([holder] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    kill(holder, SIGKILL);
  });
  const auto start = std::chrono::steady_clock::now();
  CHECK(log->ClaimAssets("my-run", {"x"}, 10000).ok());
  CHECK(ElapsedMs(start) >= 150);
  CHECK(ElapsedMs(start) < 5000);
  killer.join();
  CHECK(WaitChild(holder) == 128 + SIGKILL);
}

TEST_CASE("A claim whose process died is taken over at once") {
  TempHome home;
  const pid_t crashed = ForkChild([&] {
    auto log = EventLog::Open(home.path());
    if (!log.ok() || !(*log)->ClaimAssets("crashed-run", {"x", "y"}, 0).ok()) return 2;
    _exit(0);  // dies holding its claims: no ReleaseAssets, no destructor
  });
  REQUIRE(WaitChild(crashed) == 0);

  auto log = OpenTestLog(home.path());
  const auto start = std::chrono::steady_clock::now();
  CHECK(log->ClaimAssets("next-run", {"y"}, 5000).ok());
  CHECK(ElapsedMs(start) < 1000);
  // y now belongs to next-run, a live run of this process.
  CHECK(log->ClaimAssets("third-run", {"y"}, 0).message() ==
        BusyMessage("y", "next-run", getpid()));
}

}  // namespace af

namespace af {

TEST_CASE("A claim whose pid now belongs to another process, or to a zombie, is taken over") {
  TempHome home;
  auto log = OpenTestLog(home.path());
  REQUIRE(log->ClaimAssets("before-reboot", {"x"}, 0).ok());
  SUBCASE("pid reused") {
    // Our own, live pid, but recorded with another start time: a different process.
    SetHolder(home.path(), "x", getpid(), ProcessIdentity(getpid()) + "0");
  }
  SUBCASE("exited but not reaped") {
    const pid_t zombie = ForkChild([] { return 0; });
    for (int i = 0; i < 500 && !ProcessGone(zombie, ""); ++i) usleep(2000);
    SetHolder(home.path(), "x", zombie, ProcessIdentity(zombie));
    CHECK(log->ClaimAssets("after", {"x"}, 0).ok());
    CHECK(WaitChild(zombie) == 0);
    return;
  }
  CHECK(log->ClaimAssets("after", {"x"}, 0).ok());
}

}  // namespace af
