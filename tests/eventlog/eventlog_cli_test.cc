// The event log refuses to lie, through the real `assetflow` binary: a damaged database makes
// every command exit 2 with what to do (never "never materialized"), a home deleted under a
// run fails the run, and `wipe` waits for no one: it refuses an asset a live run holds.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/cli_process.h"

namespace {

namespace fs = std::filesystem;
using af_test::Child;
using af_test::ReadFile;
using af_test::Result;

struct TempDir : af_test::TempDir {
  TempDir() : af_test::TempDir("af_eventlog_cli") {}
};

Child Start(const std::string& dir, const std::vector<std::string>& args, const std::string& tag) {
  std::vector<std::string> argv = {AF_ASSETFLOW, "--home", dir + "/home", "--manifest",
                                   dir + "/m.yaml", "--plugin-dir", AF_PLUGIN_DIR};
  argv.insert(argv.end(), args.begin(), args.end());
  return af_test::Spawn(argv, dir + "/" + tag + ".out", dir + "/" + tag + ".err");
}

Result Run(const std::string& dir, const std::vector<std::string>& args) {
  return af_test::WaitAtMost(Start(dir, args, "cmd"), 120);
}

const char* kManifest = R"(
assets:
  a: { type: examples/constant, config: { value: "A" } }
  slow: { type: examples/sleep, config: { ms: 1500 } }
  after_slow: { type: examples/concat, inputs: { x: slow } }
)";

void Sql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, message);
}

int64_t SqlInt(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  const int64_t v = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return v;
}

// Polls until `path` holds `text` (a run's progress line); false after 30 s.
bool WaitForText(const std::string& path, const std::string& text) {
  for (int i = 0; i < 3000; ++i) {
    if (ReadFile(path).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::string Advice(const std::string& db, const std::string& detail) {
  return "the event log " + db + " is damaged (" + detail +
         "), so its history cannot be trusted: restore it from a backup, or move it aside (the "
         "stored assets stay) to start a new history";
}

}  // namespace

TEST_CASE("a damaged database: every command exits 2 and says what to do") {
  TempDir t;
  std::ofstream(t.path + "/m.yaml") << kManifest;
  REQUIRE(Run(t.path, {"materialize", "--select", "a"}).exit_code == 0);
  const std::string db = t.path + "/home/assetflow.db";

  SUBCASE("a dropped table") {
    Sql(db, "DROP TABLE materializations");
    const std::string error =
        "error: cannot open the event log in " + t.path + "/home: " +
        Advice(db, "table 'materializations' is missing") + "\n";
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"status"}, {"status", "a"}, {"runs"},
          {"materialize", "--select", "a"}, {"wipe", "a"}}) {
      CAPTURE(args[0]);
      const Result r = Run(t.path, args);
      CHECK(r.exit_code == 2);
      CHECK(r.out == "");
      CHECK(r.err == error);
    }
    CHECK(fs::exists(t.path + "/home/storage/a"));  // the wipe touched nothing
  }
  SUBCASE("a file that is no database any more") {
    std::ofstream(db, std::ios::binary | std::ios::trunc) << std::string(8192, 'x');
    fs::remove(db + "-wal");
    const Result r = Run(t.path, {"status"});
    CHECK(r.exit_code == 2);
    CHECK(r.out == "");
    CHECK(r.err == "error: cannot open the event log in " + t.path + "/home: " +
                       Advice(db, "file is not a database") + "\n");
  }
}

TEST_CASE("the home deleted under a run: the run fails, it does not succeed into the void") {
  TempDir t;
  std::ofstream(t.path + "/m.yaml") << kManifest;
  Child run = Start(t.path, {"materialize", "--select", "slow+", "-j", "1"}, "run");
  REQUIRE(WaitForText(t.path + "/run.out", "run started"));
  // The run keeps writing into the home while it is removed, so one pass can meet a file created
  // after it listed a folder ("Directory not empty"); remove until nothing is left, as `rm -rf`
  // repeated by a user would.
  std::error_code ec;
  for (int pass = 0; pass < 100 && (fs::remove_all(t.path + "/home", ec), ec); ++pass) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE_FALSE(ec);
  const Result r = af_test::WaitAtMost(run, 120);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("SUCCESS") == std::string::npos);
  CHECK(r.out.find(" FAILED: ") != std::string::npos);
  const std::string vanished = "the event log " + t.path +
                               "/home/assetflow.db was deleted while this process used it";
  CHECK(r.out.find("  FAILED   slow: cannot record the materialization of 'slow': " + vanished) !=
        std::string::npos);
  CHECK(r.err.find("error: " + vanished) != std::string::npos);
}

TEST_CASE("wipe refuses an asset a running run holds, and wipes it once the run is done") {
  TempDir t;
  std::ofstream(t.path + "/m.yaml") << kManifest;
  REQUIRE(Run(t.path, {"materialize", "--select", "slow"}).exit_code == 0);
  Child run = Start(t.path, {"materialize", "--select", "slow"}, "run");
  REQUIRE(WaitForText(t.path + "/run.out", "run started"));
  const Result refused = Run(t.path, {"wipe", "slow"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.out == "");
  CHECK(refused.err.rfind("error: asset 'slow' is being materialized by run ", 0) == 0);
  CHECK(refused.err.find("; try again when it finishes\n") != std::string::npos);
  CHECK(fs::exists(t.path + "/home/storage/slow"));
  REQUIRE(af_test::WaitAtMost(run, 120).exit_code == 0);
  // The run's record stands: status is FRESH, not a wiped asset's MISSING.
  CHECK(Run(t.path, {"status", "slow"}).out.find("status:  FRESH") != std::string::npos);
  const Result wiped = Run(t.path, {"wipe", "slow"});
  CHECK(wiped.exit_code == 0);
  CHECK(wiped.out == "wiped slow\n");
  CHECK_FALSE(fs::exists(t.path + "/home/storage/slow"));
  CHECK(SqlInt(t.path + "/home/assetflow.db", "SELECT COUNT(*) FROM asset_claims") == 0);
}

TEST_CASE("history recorded before masking is shown with URL credentials masked") {
  TempDir t;
  std::ofstream(t.path + "/m.yaml") << kManifest;
  REQUIRE(Run(t.path, {"materialize", "--select", "a"}).exit_code == 0);
  const std::string db = t.path + "/home/assetflow.db";
  // As an assetflow without masking recorded a failure.
  Sql(db, "INSERT INTO events (run_id, asset_key, type, time_ms, message, data_json) SELECT run_id, "
          "'a', 'STEP_FAILED', 5, 'GET http://me:pw-123456@h/v0?token=tok-987654: 500', "
          "'{\"error\":\"http://me:pw-123456@h/\"}' FROM runs");
  Sql(db, "UPDATE last_attempts SET failed = 1, message = 'GET http://me:pw-123456@h/v0: 500'");
  std::string run_id;
  {
    sqlite3* handle = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &handle) == SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(handle, "SELECT run_id FROM runs", -1, &stmt, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
    run_id = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(handle);
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"logs", run_id}, {"--log-format", "json", "logs", run_id},
        {"status", "a"}, {"status"}, {"--log-format", "json", "status", "a"}}) {
    CAPTURE(args.back());
    const Result r = Run(t.path, args);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("http://***@h/") != std::string::npos);
    CHECK(r.out.find("pw-123456") == std::string::npos);
    CHECK(r.out.find("tok-987654") == std::string::npos);
  }
}
