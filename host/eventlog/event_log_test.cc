#include "eventlog/event_log.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "eventlog/schema.h"
#include "eventlog/sqlite_db.h"
#include "eventlog/test_util.h"

namespace af {

namespace {

MaterializationRecord SampleMaterialization(const std::string& key, const std::string& run,
                                            const std::string& data_version) {
  MaterializationRecord m;
  m.asset_key = key;
  m.run_id = run;
  m.time_ms = 1700000000123;
  m.data_version = data_version;
  m.code_version = "2";
  m.config_hash = "c0ffee";
  m.config_json = R"({"count":500})";
  m.upstream_data_versions = {{"a", "3f2a9c1b"}, {"b/c", "77aa01c2"}};
  m.metadata = {{"rows", "int", "500"}, {"preview", "markdown", "# Top \"500\"\n\xc3\xa9"},
                {"empty", "text", ""}};
  return m;
}

void CheckSame(const MaterializationRecord& a, const MaterializationRecord& b) {
  CHECK(a.asset_key == b.asset_key);
  CHECK(a.run_id == b.run_id);
  CHECK(a.time_ms == b.time_ms);
  CHECK(a.data_version == b.data_version);
  CHECK(a.code_version == b.code_version);
  CHECK(a.config_hash == b.config_hash);
  CHECK(a.config_json == b.config_json);
  CHECK(a.upstream_data_versions == b.upstream_data_versions);
  REQUIRE(a.metadata.size() == b.metadata.size());
  for (size_t i = 0; i < a.metadata.size(); ++i) {
    CHECK(a.metadata[i].key == b.metadata[i].key);
    CHECK(a.metadata[i].type == b.metadata[i].type);
    CHECK(a.metadata[i].value == b.metadata[i].value);
  }
}

// Straight SQL on the file, as a second, independent reader of what the EventLog wrote.
int64_t QueryInt(const std::string& home, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((home + "/assetflow.db").c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE_MESSAGE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK,
                  sqlite3_errmsg(db));
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  const int64_t value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

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

TEST_CASE("Open creates a missing home, in WAL mode, at the latest schema version") {
  TempHome temp;
  const std::string home = temp.path() + "/nested/home";
  OpenTestLog(home);
  CHECK(std::filesystem::exists(home + "/assetflow.db"));
  CHECK(QueryInt(home, "SELECT MAX(version) FROM schema_version") == LatestSchemaVersion());
  CHECK(QueryInt(home, "SELECT COUNT(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'") == 1);
  for (const char* index : {"latest_materialization", "events_of_run"}) {
    CHECK(QueryInt(home, std::string("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
                                     "AND name = '") + index + "'") == 1);
  }
}

TEST_CASE("Open fails clearly when the home cannot be created") {
  TempHome temp;
  const std::string file = temp.path() + "/file";
  { std::FILE* f = std::fopen(file.c_str(), "w"); std::fclose(f); }
  auto log = EventLog::Open(file + "/home");
  REQUIRE_FALSE(log.ok());
  CHECK(log.status().message().rfind("cannot create assetflow home '" + file + "/home': ", 0) == 0);
}

TEST_CASE("Open refuses a file that is not a database, naming it") {
  TempHome home;
  {
    std::FILE* f = std::fopen((home.path() + "/assetflow.db").c_str(), "w");
    std::fputs("this is not an SQLite database, but it is long enough to have a header", f);
    std::fclose(f);
  }
  auto log = EventLog::Open(home.path());
  REQUIRE_FALSE(log.ok());
  CHECK(log.status().message() ==
        home.path() + "/assetflow.db: PRAGMA journal_mode=WAL: file is not a database");
}

TEST_CASE("Runs round-trip and list newest first") {
  TempHome home;
  auto log = OpenTestLog(home.path());
  CHECK(log->StartRun({"run-1", RunStatus::kStarted, "*", 1000, 0}).ok());
  CHECK(log->StartRun({"run-2", RunStatus::kStarted, "hackernews_wordcloud+", 2000, 0}).ok());
  Status dup = log->StartRun({"run-1", RunStatus::kStarted, "*", 3000, 0});
  CHECK(dup.IsInvalidArgument());
  CHECK(dup.message() == "run 'run-1' already exists");
  CHECK(log->EndRun("run-1", RunStatus::kSuccess, 1500).ok());
  CHECK(log->EndRun("nope", RunStatus::kFailed, 1).IsNotFound());

  auto run = log->FindRun("run-1");
  REQUIRE(run);
  CHECK(run->run_id == "run-1");
  CHECK(run->status == RunStatus::kSuccess);
  CHECK(run->selection == "*");
  CHECK(run->started_ms == 1000);
  CHECK(run->ended_ms == 1500);
  CHECK_FALSE(log->FindRun("nope"));

  auto runs = log->RecentRuns(10);
  REQUIRE(runs.size() == 2);
  CHECK(runs[0].run_id == "run-2");
  CHECK(runs[0].status == RunStatus::kStarted);
  CHECK(runs[0].selection == "hackernews_wordcloud+");
  CHECK(runs[0].ended_ms == 0);
  CHECK(runs[1].run_id == "run-1");
  CHECK(log->RecentRuns(1).size() == 1);
  CHECK(log->RecentRuns(0).size() == 2);
  CHECK(std::string(RunStatusName(RunStatus::kCanceled)) == "CANCELED");
}

TEST_CASE("Events round-trip exactly, in order, and are visible to another connection") {
  TempHome home;
  auto log = OpenTestLog(home.path());
  REQUIRE(log->StartRun({"r", RunStatus::kStarted, "*", 1, 0}).ok());
  const std::vector<EventRecord> events = {
      {0, "r", "", "RUN_STARTED", 10, "run started", R"({"assets":2})"},
      {0, "r", "a/b", "STEP_STARTED", 11, "", "{}"},
      {0, "r", "a/b", "LOG", 12, "quote \" newline \n unicode \xc3\xa9 nul-free", "{}"},
      {0, "r", "a/b", "MATERIALIZATION", 13, "stored", R"({"bytes":1024})"},
  };
  for (const EventRecord& e : events) REQUIRE(log->AppendEvent(e).ok());
  REQUIRE(log->AppendEvents({{0, "other", "x", "LOG", 14, "not this run", "{}"}}).ok());
  REQUIRE(log->Flush().ok());

  auto other = OpenTestLog(home.path());
  auto stored = other->RunEvents("r");
  REQUIRE(stored.size() == events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    CHECK(stored[i].run_id == events[i].run_id);
    CHECK(stored[i].asset_key == events[i].asset_key);
    CHECK(stored[i].type == events[i].type);
    CHECK(stored[i].time_ms == events[i].time_ms);
    CHECK(stored[i].message == events[i].message);
    CHECK(stored[i].data_json == events[i].data_json);
    if (i > 0) CHECK(stored[i].id > stored[i - 1].id);
  }
  CHECK(other->RunEvents("nope").empty());
}

TEST_CASE("AppendEvent fills time and data; RunEvents sees what was just appended") {
  TempHome home;
  auto log = OpenTestLog(home.path());
  const int64_t before = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  REQUIRE(log->AppendEvent({0, "r", "", "LOG", 0, "hi", ""}).ok());
  auto stored = log->RunEvents("r");  // no Flush(): read-your-writes
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].time_ms >= before);
  CHECK(stored[0].data_json == "{}");
}

TEST_CASE("Queued events are committed by the background flusher and by the destructor") {
  TempHome home;
  auto reader = OpenTestLog(home.path());
  // Polls through another connection, which sees only committed events.
  auto committed_within_1s = [&](size_t count) {
    for (int i = 0; i < 200 && reader->RunEvents("r").size() < count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return reader->RunEvents("r").size() == count;
  };
  {
    auto log = OpenTestLog(home.path());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the flusher is idle
    for (size_t n = 1; n <= 3; ++n) {
      REQUIRE(log->AppendEvent({0, "r", "", "LOG", 1, "soon", "{}"}).ok());
      CHECK(committed_within_1s(n));
    }
    REQUIRE(log->AppendEvent({0, "r", "", "LOG", 2, "at close", "{}"}).ok());
  }
  CHECK(reader->RunEvents("r").size() == 4);
}

TEST_CASE("50,000 events are written in well under a few seconds") {
  TempHome home;
  auto log = OpenTestLog(home.path());
  const auto start = std::chrono::steady_clock::now();
  bool all_ok = true;
  for (int i = 0; i < 50000; ++i) {
    all_ok = log->AppendEvent({0, "big", "asset_" + std::to_string(i / 5), "STEP_SUCCESS", 0,
                               "", "{}"}).ok() && all_ok;
  }
  CHECK(all_ok);
  REQUIRE(log->Flush().ok());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(QueryInt(home.path(), "SELECT COUNT(*) FROM events WHERE run_id = 'big'") == 50000);
  CHECK(elapsed < std::chrono::seconds(2));
}

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

TEST_CASE("Materializations round-trip; the latest wins; wipe forgets them") {
  TempHome home;
  auto log = OpenTestLog(home.path());
  CHECK_FALSE(log->LatestMaterialization("a/b"));
  const auto first = SampleMaterialization("a/b", "run-1", "1111");
  auto second = SampleMaterialization("a/b", "run-2", "2222");
  second.time_ms = first.time_ms - 5;  // a clock step back does not reorder
  second.metadata.clear();
  second.upstream_data_versions.clear();
  const auto other = SampleMaterialization("z", "run-1", "3333");
  REQUIRE(log->RecordMaterialization(first).ok());
  auto latest = log->LatestMaterialization("a/b");
  REQUIRE(latest);
  CheckSame(*latest, first);
  REQUIRE(log->RecordMaterialization(second).ok());
  REQUIRE(log->RecordMaterialization(other).ok());
  latest = log->LatestMaterialization("a/b");
  REQUIRE(latest);
  CheckSame(*latest, second);

  REQUIRE(log->RecordAttempt("a/b", {"run-3", 99, true, "boom"}).ok());
  REQUIRE(log->AppendEvent({0, "run-3", "a/b", "STEP_FAILED", 99, "boom", "{}"}).ok());
  REQUIRE(log->WipeAsset("a/b").ok());
  CHECK_FALSE(log->LatestMaterialization("a/b"));
  CHECK_FALSE(log->LastAttempt("a/b"));
  REQUIRE(log->LatestMaterialization("z"));
  CheckSame(*log->LatestMaterialization("z"), other);
  CHECK(log->RunEvents("run-3").size() == 1);  // history stays
}

TEST_CASE("Queued materializations and attempts are seen at once here, elsewhere after Flush") {
  TempHome home;
  auto log = OpenTestLog(home.path());
  auto other = OpenTestLog(home.path());
  const auto first = SampleMaterialization("a", "run-1", "1111");
  const auto second = SampleMaterialization("a", "run-2", "2222");
  REQUIRE(log->RecordMaterialization(first).ok());
  REQUIRE(log->RecordMaterialization(second).ok());
  REQUIRE(log->RecordAttempt("a", {"run-2", 7, false, ""}).ok());
  REQUIRE(log->LatestMaterialization("a"));
  CheckSame(*log->LatestMaterialization("a"), second);
  REQUIRE(log->LastAttempt("a"));
  CHECK(log->LastAttempt("a")->run_id == "run-2");
  REQUIRE(log->Flush().ok());
  REQUIRE(other->LatestMaterialization("a"));
  CheckSame(*other->LatestMaterialization("a"), second);
  REQUIRE(other->LastAttempt("a"));
  CHECK(other->LastAttempt("a")->time_ms == 7);
  CHECK(log->RecordMaterialization(MaterializationRecord{}).IsInvalidArgument());
}

TEST_CASE("Bulk lookups return the latest of each asset that has one, queued or committed") {
  TempHome home;
  auto log = OpenTestLog(home.path());
  REQUIRE(log->RecordMaterialization(SampleMaterialization("a", "r1", "a1")).ok());
  REQUIRE(log->RecordMaterialization(SampleMaterialization("b", "r1", "b1")).ok());
  REQUIRE(log->RecordAttempt("b", {"r1", 1, true, "no"}).ok());
  REQUIRE(log->Flush().ok());
  REQUIRE(log->RecordMaterialization(SampleMaterialization("b", "r2", "b2")).ok());  // queued
  auto latest = log->LatestMaterializations({"a", "b", "never"});
  REQUIRE(latest.size() == 2);
  CHECK(latest.at("a").data_version == "a1");
  CHECK(latest.at("b").data_version == "b2");
  CHECK(latest.at("b").asset_key == "b");
  auto attempts = log->LastAttempts({"a", "b"});
  REQUIRE(attempts.size() == 1);
  CHECK(attempts.at("b").message == "no");
  CHECK(log->LatestMaterializations({}).empty());
}

TEST_CASE("The last attempt is replaced by the next one") {
  TempHome home;
  auto log = OpenTestLog(home.path());
  CHECK_FALSE(log->LastAttempt("a"));
  REQUIRE(log->RecordAttempt("a", {"run-1", 10, true, "HTTP 503 from api"}).ok());
  auto attempt = log->LastAttempt("a");
  REQUIRE(attempt);
  CHECK(attempt->run_id == "run-1");
  CHECK(attempt->time_ms == 10);
  CHECK(attempt->failed);
  CHECK(attempt->message == "HTTP 503 from api");
  REQUIRE(log->RecordAttempt("a", {"run-2", 20, false, ""}).ok());
  attempt = log->LastAttempt("a");
  REQUIRE(attempt);
  CHECK(attempt->run_id == "run-2");
  CHECK_FALSE(attempt->failed);
}

TEST_CASE("Migrations bring v0 and v1 databases up to date, once") {
  TempHome temp;
  SUBCASE("v0: a database file without a schema_version table") {
    const std::string home = temp.path();
    {
      auto db = SqliteDb::Open(home + "/assetflow.db");
      REQUIRE(db.ok());
      REQUIRE((*db)->Exec("CREATE TABLE unrelated (x INTEGER)").ok());
    }
    OpenTestLog(home);
    CHECK(QueryInt(home, "SELECT MAX(version) FROM schema_version") == LatestSchemaVersion());
    CHECK(QueryInt(home, "SELECT COUNT(*) FROM unrelated") == 0);
  }
  SUBCASE("v1: materializations without config_json keep their rows") {
    const std::string home = temp.path();
    {
      auto db = SqliteDb::Open(home + "/assetflow.db");
      REQUIRE(db.ok());
      REQUIRE(MigrateSchema(**db, 1).ok());
      REQUIRE((*db)->Exec(
          "INSERT INTO materializations (asset_key, run_id, time_ms, data_version, code_version,"
          " config_hash, upstream_json, metadata_json) VALUES ('a', 'old-run', 5, 'dv', '1',"
          " 'ch', '{\"u\":\"uv\"}', '[{\"key\":\"k\",\"type\":\"int\",\"value\":\"7\"}]')").ok());
    }
    CHECK(QueryInt(home, "SELECT MAX(version) FROM schema_version") == 1);
    for (int reopen = 0; reopen < 2; ++reopen) {
      auto log = OpenTestLog(home);
      auto m = log->LatestMaterialization("a");
      REQUIRE(m);
      CHECK(m->run_id == "old-run");
      CHECK(m->data_version == "dv");
      CHECK(m->upstream_data_versions == std::map<std::string, std::string>{{"u", "uv"}});
      REQUIRE(m->metadata.size() == 1);
      CHECK(m->metadata[0].value == "7");
      CHECK(m->config_json == "");
    }
    CHECK(QueryInt(home, "SELECT MAX(version) FROM schema_version") == LatestSchemaVersion());
    CHECK(QueryInt(home, "SELECT COUNT(*) FROM schema_version") == LatestSchemaVersion());
  }
  SUBCASE("a database from a newer assetflow is refused") {
    const std::string home = temp.path();
    OpenTestLog(home);
    {
      auto db = SqliteDb::Open(home + "/assetflow.db");
      REQUIRE(db.ok());
      REQUIRE((*db)->Exec("INSERT INTO schema_version VALUES (99, 0)").ok());
    }
    auto log = EventLog::Open(home);
    REQUIRE_FALSE(log.ok());
    CHECK(log.status().message() ==
          home + "/assetflow.db has schema version 99, newer than this assetflow knows (" +
              std::to_string(LatestSchemaVersion()) + "); use a newer assetflow");
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
      if (i == 1000 && write(started[1], "s", 1) != 1) return 3;
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
  CHECK(events.size() > 0);  // what was committed before the kill, in order, no gaps
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
