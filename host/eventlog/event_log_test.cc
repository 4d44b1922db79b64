#include "eventlog/event_log.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/test_time_scale.h"
#include "eventlog/schema.h"
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

}  // namespace

TEST_CASE("Open creates a missing home, in WAL mode, at the latest schema version") {
  TempHome temp;
  const std::string home = temp.path() + "/nested/home";
  OpenTestLog(home);
  CHECK(std::filesystem::exists(home + "/assetflow.db"));
  CHECK(QueryInt(home, "SELECT MAX(version) FROM schema_version") == LatestSchemaVersion());
  CHECK(QueryInt(home, "SELECT COUNT(*) FROM pragma_journal_mode "
                      "WHERE journal_mode = 'wal'") == 1);
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
        "the event log " + home.path() + "/assetflow.db is damaged (file is not a database), so "
        "its history cannot be trusted: restore it from a backup, or move it aside (the stored "
        "assets stay) to start a new history");
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

TEST_CASE("50,000 events are committed in well under a few seconds") {
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
  // About 0.5 s on a busy 2-core machine: the bound leaves room for more load and still catches
  // a transaction per event (~10 s) or a quadratic queue.
  CHECK(elapsed < std::chrono::seconds(4) * testing::kTimeScale);
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

TEST_CASE("RunIdsWithPrefix: an id range, in id order, bounded") {
  TempHome home;
  auto log = OpenTestLog(home.path());
  for (const char* id : {"ab12", "ab13", "ab2", "abz", "ac00", "b", "ab\xff\xff", "ab\xff"})
    REQUIRE(log->StartRun({id, RunStatus::kStarted, "*", 1000, 0}).ok());
  using Ids = std::vector<std::string>;
  CHECK(log->RunIdsWithPrefix("ab1", 0) == Ids{"ab12", "ab13"});
  CHECK(log->RunIdsWithPrefix("ab1", 1) == Ids{"ab12"});
  CHECK(log->RunIdsWithPrefix("ab12", 2) == Ids{"ab12"});
  CHECK(log->RunIdsWithPrefix("ab", 0) == Ids{"ab12", "ab13", "ab2", "abz", "ab\xff", "ab\xff\xff"});
  CHECK(log->RunIdsWithPrefix("ab\xff", 0) == Ids{"ab\xff", "ab\xff\xff"});
  CHECK(log->RunIdsWithPrefix("abc", 0).empty());
  CHECK(log->RunIdsWithPrefix("", 3) == Ids{"ab12", "ab13", "ab2"});
  CHECK(log->RunIdsWithPrefix("", 0).size() == 8);
}

}  // namespace af
