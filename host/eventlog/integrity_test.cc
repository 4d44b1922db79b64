// The event log refuses to lie: a damaged database is an error at open (or as soon as a read
// meets the damage), a database deleted or replaced under an open log stops its writes.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "eventlog/event_log.h"
#include "eventlog/test_util.h"

namespace af {

namespace {

constexpr const char* kAdvice =
    "), so its history cannot be trusted: restore it from a backup, or move it aside (the stored "
    "assets stay) to start a new history";

// A log with one run, one materialization and one attempt, all committed and checkpointed
// into the main file (no -wal left), as a later process finds it.
void WriteHistory(const std::string& home) {
  auto log = OpenTestLog(home);
  RunRecord run;
  run.run_id = "run-1";
  REQUIRE(log->StartRun(run).ok());
  MaterializationRecord m;
  m.asset_key = "a";
  m.run_id = "run-1";
  m.data_version = "dv";
  REQUIRE(log->RecordMaterialization(m).ok());
  REQUIRE(log->RecordAttempt("a", AttemptRecord{"run-1", 1, false, ""}).ok());
  REQUIRE(log->EndRun("run-1", RunStatus::kSuccess, 2).ok());
}

void Sql(const std::string& home, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((home + "/assetflow.db").c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, message);
}

// Overwrites the B-tree page header of `object`'s root page with 0xFF bytes.
void CorruptRootPage(const std::string& home, const std::string& object) {
  const int64_t page = QueryInt(home, "SELECT rootpage FROM sqlite_master WHERE name = '" + object + "'");
  const int64_t page_size = QueryInt(home, "PRAGMA page_size");
  REQUIRE_FALSE(std::filesystem::exists(home + "/assetflow.db-wal"));
  std::fstream f(home + "/assetflow.db", std::ios::in | std::ios::out | std::ios::binary);
  f.seekp((page - 1) * page_size);
  const std::string garbage(16, '\xff');
  f.write(garbage.data(), garbage.size());
  REQUIRE(f.good());
}

std::string OpenError(const std::string& home) {
  auto log = EventLog::Open(home);
  REQUIRE_FALSE(log.ok());
  CHECK(log.status().code() == Status::Code::kFailed);
  return log.status().message();
}

}  // namespace

TEST_CASE("a dropped table is an error at open that says what to do") {
  TempHome temp;
  WriteHistory(temp.path());
  Sql(temp.path(), "DROP TABLE materializations");
  CHECK(OpenError(temp.path()) == "the event log " + temp.path() +
                                      "/assetflow.db is damaged (table 'materializations' "
                                      "is missing" + kAdvice);
  Sql(temp.path(), "DROP TABLE last_attempts");
  CHECK(OpenError(temp.path()).find("is damaged (") != std::string::npos);
}

TEST_CASE("a log without its schema_version table is damaged, not migrated again") {
  TempHome temp;
  WriteHistory(temp.path());
  Sql(temp.path(), "DROP TABLE schema_version");
  CHECK(OpenError(temp.path()) ==
        "the event log " + temp.path() + "/assetflow.db is damaged (table 'runs' is there "
        "but the schema_version table is not" + kAdvice);
}

TEST_CASE("a corrupt page on the path to the newest rows is an error at open") {
  TempHome temp;
  WriteHistory(temp.path());
  CorruptRootPage(temp.path(), "materializations");
  CHECK(OpenError(temp.path()) ==
        "the event log " + temp.path() + "/assetflow.db is damaged (database disk image is "
        "malformed" + kAdvice);
}

TEST_CASE("a corrupt page met by a read marks the log damaged: no empty history") {
  TempHome temp;
  WriteHistory(temp.path());
  CorruptRootPage(temp.path(), "latest_materialization");  // an index: the open probe reads tables
  auto log = OpenTestLog(temp.path());
  CHECK(log->Damage().ok());
  CHECK_FALSE(log->LatestMaterialization("a"));  // what the read could not tell...
  const Status damage = log->Damage();           // ...is not "never materialized"
  CHECK(damage.message() == "the event log " + temp.path() +
                                "/assetflow.db is damaged (database disk image is malformed" +
                                kAdvice);
}

TEST_CASE("a file that is not a database is an error at open") {
  TempHome temp;
  {
    std::ofstream f(temp.path() + "/assetflow.db", std::ios::binary);
    for (int i = 0; i < 100; ++i) f << "this is not a database, it is a text file\n";
  }
  CHECK(OpenError(temp.path()) == "the event log " + temp.path() +
                                      "/assetflow.db is damaged (file is not a database" + kAdvice);
}

TEST_CASE("a database deleted or replaced under an open log stops its writes") {
  TempHome temp;
  const std::string db = temp.path() + "/assetflow.db";
  SUBCASE("deleted (the home removed mid-run)") {
    auto log = OpenTestLog(temp.path());
    RunRecord run;
    run.run_id = "run-1";
    REQUIRE(log->StartRun(run).ok());
    std::filesystem::remove_all(temp.path());
    const std::string expected = "the event log " + db +
                                 " was deleted while this process used it: what it recorded since "
                                 "is lost. Check what removed it (a `rm -r` of the home, a cleanup "
                                 "job), then run the command again";
    CHECK(log->Damage().message() == expected);
    CHECK(log->AppendEvent(EventRecord{0, "run-1", "", "LOG", 0, "m", "{}"}).ok());  // queued
    CHECK(log->Flush().message() == expected);
    CHECK(log->EndRun("run-1", RunStatus::kSuccess, 5).message() == expected);
  }
  SUBCASE("replaced by another file") {
    auto log = OpenTestLog(temp.path());
    TempHome other;  // another process's new history, moved into place
    { OpenTestLog(other.path()); }
    std::filesystem::rename(other.path() + "/assetflow.db", db);
    CHECK(log->Damage().message().find(" was replaced by another file while this process used "
                                       "it") != std::string::npos);
    CHECK_FALSE(log->Flush().ok());
  }
  SUBCASE("an intact log is never damaged") {
    WriteHistory(temp.path());
    auto log = OpenTestLog(temp.path());
    CHECK(log->LatestMaterialization("a"));
    CHECK(log->Damage().ok());
    CHECK(log->Flush().ok());
  }
}

}  // namespace af
