// Several threads and processes on one database: nothing lost, nothing reordered, no
// "database is locked" reaching a caller.
#include <doctest/doctest.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "eventlog/event_log.h"
#include "eventlog/sqlite_db.h"
#include "eventlog/test_util.h"

namespace af {

namespace {

// Whether the events' messages are "0", "1", ... in order: none lost, none reordered.
bool NumberedInOrder(const std::vector<EventRecord>& events) {
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].message != std::to_string(i)) return false;
  }
  return true;
}

std::string ThreadRun(int t) {
  std::string run = "thread-";
  run += std::to_string(t);
  return run;
}

}  // namespace

TEST_CASE("Threads appending at once keep each thread's order; nothing is lost") {
  TempHome home;
  auto log = OpenTestLog(home.path());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const std::string run = ThreadRun(t);
      for (int i = 0; i < 1000; ++i) {
        if (!log->AppendEvent({0, run, "", "LOG", 0, std::to_string(i), "{}"}).ok()) ++failures;
        if (i % 97 == 0 && !log->Flush().ok()) ++failures;
        if (i % 250 == 0 && log->RunEvents(run).size() < size_t(i) + 1) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
  for (int t = 0; t < 8; ++t) {
    auto events = log->RunEvents(ThreadRun(t));
    REQUIRE(events.size() == 1000);
    CHECK(NumberedInOrder(events));
  }
}

TEST_CASE("A write lock held longer than SQLite's busy timeout delays writes, never fails them") {
  TempHome home;
  OpenTestLog(home.path());  // create the database before the child locks it
  int locked[2];
  REQUIRE(pipe(locked) == 0);
  const int hold_ms = SqliteDb::kBusyTimeoutMs + 700;
  const pid_t holder = ForkChild([&] {
    close(locked[0]);
    sqlite3* db = nullptr;
    if (sqlite3_open((home.path() + "/assetflow.db").c_str(), &db) != SQLITE_OK) return 2;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return 3;
    if (write(locked[1], "l", 1) != 1) return 4;
    usleep(hold_ms * 1000);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return 0;
  });
  close(locked[1]);
  char c;
  REQUIRE(read(locked[0], &c, 1) == 1);
  close(locked[0]);

  auto log = OpenTestLog(home.path());  // opening and reading need no write lock
  CHECK_FALSE(log->FindRun("r"));
  const auto start = std::chrono::steady_clock::now();
  Status s = log->StartRun({"r", RunStatus::kStarted, "*", 1, 0});
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK_MESSAGE(s.ok(), s.message());
  CHECK(waited >= std::chrono::milliseconds(SqliteDb::kBusyTimeoutMs));
  CHECK(log->FindRun("r"));
  CHECK(WaitChild(holder) == 0);
}

TEST_CASE("A writer killed mid-stream leaves a sound database that others keep using") {
  TempHome home;
  OpenTestLog(home.path());
  int started[2];
  REQUIRE(pipe(started) == 0);
  const pid_t writer = ForkChild([&] {
    close(started[0]);
    auto log = EventLog::Open(home.path());
    if (!log.ok()) return 2;
    for (int i = 0;; ++i) {
      (*log)->AppendEvent({0, "doomed", "a", "LOG", i + 1, std::to_string(i), "{}"});
      // RunEvents commits the queue: by the signal, 1,001 events are durable, so the kill
      // below finds something committed however slow the machine is.
      if (i == 1000 && ((*log)->RunEvents("doomed").size() != 1001 || write(started[1], "s", 1) != 1))
        return 3;
    }
  });
  close(started[1]);
  char c;
  REQUIRE(read(started[0], &c, 1) == 1);
  close(started[0]);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill(writer, SIGKILL);
  CHECK(WaitChild(writer) == 128 + SIGKILL);

  auto log = OpenTestLog(home.path());
  auto events = log->RunEvents("doomed");
  CHECK(events.size() >= 1001);  // what was committed before the kill, in order, no gaps
  CHECK(NumberedInOrder(events));
  REQUIRE(log->StartRun({"after", RunStatus::kStarted, "*", 1, 0}).ok());
  CHECK(QueryInt(home.path(), "SELECT COUNT(*) FROM pragma_integrity_check "
                              "WHERE integrity_check = 'ok'") == 1);
}

TEST_CASE("Two processes writing 2,000 events each into a new home: all 4,000 arrive") {
  TempHome temp;
  const std::string home = temp.path() + "/shared";
  int start_gate[2];
  REQUIRE(pipe(start_gate) == 0);
  std::vector<pid_t> children;
  for (int writer = 0; writer < 2; ++writer) {
    children.push_back(ForkChild([&, writer] {
      close(start_gate[1]);
      char c;
      if (read(start_gate[0], &c, 1) != 0) return 2;  // wait until the parent opens the gate
      auto log = EventLog::Open(home);  // both create and migrate the same new database
      if (!log.ok()) return 3;
      const std::string run = "writer-" + std::to_string(writer);
      if (!(*log)->StartRun({run, RunStatus::kStarted, "*", writer, 0}).ok()) return 4;
      for (int i = 0; i < 2000; ++i) {
        const EventRecord event{0, run, "a", "LOG", i + 1, std::to_string(i), "{}"};
        if (!(*log)->AppendEvent(event).ok()) return 5;
        // Many small commits, so the two processes really contend for the write lock.
        if (i % 20 == 19 && !(*log)->Flush().ok()) return 6;
      }
      return (*log)->EndRun(run, RunStatus::kSuccess, 9999).ok() ? 0 : 7;
    }));
  }
  close(start_gate[0]);
  close(start_gate[1]);
  for (pid_t child : children) CHECK(WaitChild(child) == 0);

  auto log = OpenTestLog(home);
  for (int writer = 0; writer < 2; ++writer) {
    const std::string run = "writer-" + std::to_string(writer);
    auto events = log->RunEvents(run);
    REQUIRE(events.size() == 2000);
    CHECK(NumberedInOrder(events));
    auto recorded = log->FindRun(run);
    REQUIRE(recorded);
    CHECK(recorded->status == RunStatus::kSuccess);
  }
  CHECK(QueryInt(home, "SELECT COUNT(*) FROM events") == 4000);
}

}  // namespace af
