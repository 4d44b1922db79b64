// Cancellation, interrupted writes and staleness through real runs (retries:
// executor_retry_test.cc).
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "engine/engine_test_util.h"
#include "engine/executor.h"
#include "staleness/staleness.h"

namespace af {
namespace {

using testing::TempHome;
using testing::TestEnv;

AssetState StateOf(TestEnv& env, const std::string& key) {
  return ComputeStatus(env.graph(), env.Index(key), env.log()).state;
}

std::vector<std::string> CausesOf(TestEnv& env, const std::string& key) {
  std::vector<std::string> out;
  for (auto& c : ComputeStatus(env.graph(), env.Index(key), env.log()).causes) out.push_back(c.detail);
  return out;
}

// Materializes `key` as `size` bytes in `home` (the version a later run must not damage);
// returns what was stored.
std::string StoreBytes(const TempHome& home, const std::string& key, int size) {
  TestEnv env("assets:\n  " + key + ": { type: examples/bytes, config: { size: " +
                  std::to_string(size) + ", chunk: 999 } }\n",
              home.path());
  REQUIRE(env.Run(key).status == RunStatus::kSuccess);
  const std::string stored = env.Stored(key);
  REQUIRE(stored.size() == static_cast<size_t>(size));
  return stored;
}

}  // namespace

TEST_CASE("interrupted write: a failing step leaves the previous version byte-for-byte") {
  TempHome home;
  const std::string before = StoreBytes(home, "x", 100000);
  TestEnv v2(R"(
assets:
  x: { type: examples/fail, config: { mode: fatal } }
)", home.path());
  RunResult r = v2.Run("x");
  CHECK(r.status == RunStatus::kFailed);
  CHECK(v2.Stored("x") == before);
  CHECK(testing::FilesUnder(home.path() + "/storage") == std::vector<std::string>{"x"});
}

TEST_CASE("cancel: mid-stream, the run is CANCELED and the previous version stays intact") {
  TempHome home;
  const std::string before = StoreBytes(home, "big", 5000);
  TestEnv env(R"(
assets:
  big: { type: examples/bytes, config: { size: 1000000000, chunk: 65536 } }
  after: { type: examples/concat, inputs: { x: big } }
  independent: { type: examples/sleep, config: { ms: 0 } }
)", home.path());
  std::atomic<bool> cancel{false};
  RunOptions options;
  options.parallelism = 1;
  options.cancel = &cancel;
  // Cancel when the first chunk of `big` has been written (as Ctrl-C would, mid-stream).
  options.observer = [&](const EventRecord& e) {
    if (e.type == "PROGRESS" && e.asset_key == "big") cancel = true;
  };
  RunResult r = env.Run("*", options);
  CHECK(r.status == RunStatus::kCanceled);
  std::map<std::string, StepResult> by_key;
  for (auto& s : r.steps) by_key[s.asset_key] = s;
  CHECK(by_key["big"].state == StepState::kCanceled);
  CHECK(by_key["after"].state == StepState::kSkipped);
  CHECK(by_key["after"].message == "skipped: run canceled");
  CHECK(by_key["independent"].state == StepState::kSkipped);  // -j 1: not started yet
  CHECK(env.Stored("big") == before);
  CHECK(testing::FilesUnder(home.path() + "/storage") == std::vector<std::string>{"big"});
  CHECK(env.log().FindRun(r.run_id)->status == RunStatus::kCanceled);
  CHECK(env.Events(r.run_id, "RUN_CANCELED").size() == 1);
  CHECK_FALSE(env.log().LastAttempt("big")->failed);  // a cancel is not a failure of the asset
}

TEST_CASE("staleness: every transition through real runs") {
  TempHome home;
  auto manifest = [](const std::string& value, const std::string& code_version) {
    return "assets:\n  up: { type: examples/constant, config: { value: \"" + value + "\" } }\n" +
           "  down: { type: examples/concat, inputs: { x: up }" +
           (code_version.empty() ? "" : ", code_version: \"" + code_version + "\"") + " }\n";
  };
  {
    TestEnv env(manifest("v1", ""), home.path());
    CHECK(StateOf(env, "up") == AssetState::kMissing);
    CHECK(StateOf(env, "down") == AssetState::kMissing);
    REQUIRE(env.Run("*").status == RunStatus::kSuccess);
    CHECK(StateOf(env, "up") == AssetState::kFresh);
    CHECK(StateOf(env, "down") == AssetState::kFresh);
  }
  {
    // Config of `up` changes: up is STALE (config), down stays FRESH until up has new data.
    TestEnv env(manifest("v2", ""), home.path());
    CHECK(StateOf(env, "up") == AssetState::kStale);
    REQUIRE(CausesOf(env, "up").size() == 1);
    CHECK(CausesOf(env, "up")[0] == "config changed: key 'value' \"v1\" -> \"v2\"");
    CHECK(StateOf(env, "down") == AssetState::kFresh);
    REQUIRE(env.Run("up").status == RunStatus::kSuccess);
    CHECK(StateOf(env, "up") == AssetState::kFresh);
    CHECK(StateOf(env, "down") == AssetState::kStale);
    REQUIRE(CausesOf(env, "down").size() == 1);
    CHECK(CausesOf(env, "down")[0].rfind("upstream 'up' has a new data version", 0) == 0);
    REQUIRE(env.Run("down").status == RunStatus::kSuccess);
    CHECK(StateOf(env, "down") == AssetState::kFresh);
    CHECK(env.Stored("down") == "v2\n");
  }
  {
    // Code version of `down` changes.
    TestEnv env(manifest("v2", "7"), home.path());
    CHECK(StateOf(env, "down") == AssetState::kStale);
    CHECK(CausesOf(env, "down") == std::vector<std::string>{"code version changed: 1 -> 7"});
    REQUIRE(env.Run("down").status == RunStatus::kSuccess);
    CHECK(StateOf(env, "down") == AssetState::kFresh);
  }
  {
    // A failed attempt makes it FAILED; a success clears it.
    TestEnv env("assets:\n  up: { type: examples/fail }\n"
                "  down: { type: examples/concat, inputs: { x: up }, code_version: \"7\" }\n",
                home.path());
    REQUIRE(env.Run("up").status == RunStatus::kFailed);
    CHECK(StateOf(env, "up") == AssetState::kFailed);
    CHECK(ComputeStatus(env.graph(), env.Index("up"), env.log()).last_attempt->message ==
          "failed on purpose");
  }
  {
    TestEnv env(manifest("v2", "7"), home.path());
    REQUIRE(env.Run("up").status == RunStatus::kSuccess);
    CHECK(StateOf(env, "up") == AssetState::kFresh);
    CHECK(StateOf(env, "down") == AssetState::kFresh);  // same bytes: same data version
    // Wiping makes it MISSING.
    REQUIRE(env.log().WipeAsset("up").ok());
    CHECK(StateOf(env, "up") == AssetState::kMissing);
    CHECK(StateOf(env, "down") == AssetState::kStale);
    CHECK(CausesOf(env, "down") == std::vector<std::string>{"upstream 'up' was wiped"});
  }
}

TEST_CASE("write-only IO manager: loading from it later is a clear error") {
  TempHome home;
  const std::string out = home.path() + "/report.md";
  TestEnv env("resources:\n  report_io: { type: fs_io/file_writer, config: { path: \"" + out +
                  "\" } }\nassets:\n  report: { type: examples/constant, config: { value: \"# r\" }, "
                  "io_manager: report_io }\n  mail: { type: examples/concat, inputs: { body: report } }\n",
              home.path());
  REQUIRE(env.Run("report").status == RunStatus::kSuccess);
  CHECK(testing::ReadFile(out) == "# r");
  RunResult r = env.Run("mail");
  CHECK(r.status == RunStatus::kFailed);
  CHECK(r.steps[0].message ==
        "cannot open input 'body': file_writer is a write-only IO manager: report cannot be "
        "loaded from it; materialize it in the same run as its downstream assets, or give it an "
        "io_manager that can load");
}

}  // namespace af

namespace af {

TEST_CASE("write-only IO manager: downstream steps of the same run read the host's copy") {
  TempHome home;
  const std::string out = home.path() + "/report.md";
  TestEnv env("resources:\n  report_io: { type: fs_io/file_writer, config: { path: \"" + out +
                  "\" } }\nassets:\n  report: { type: examples/bytes, config: { size: 300000, chunk: 7000 }, "
                  "io_manager: report_io }\n  mail: { type: examples/concat, inputs: { body: report }, "
                  "config: { separator: \"\" } }\n",
              home.path());
  RunResult r = env.Run("*");
  CHECK(r.status == RunStatus::kSuccess);
  const std::string report = testing::ReadFile(out);
  CHECK(report.size() == 300000);
  CHECK(env.Stored("mail") == report);
  CHECK_FALSE(testing::fs::exists(home.path() + "/tmp/" + r.run_id));  // the copy is gone
}

}  // namespace af

namespace af {
namespace {

const char* kResumeDiamond = R"(
assets:
  a: { type: examples/constant, config: { value: "A" } }
  b: { type: examples/concat, inputs: { x: a }, config: { separator: "", suffix: "b" } }
  c: { type: examples/concat, inputs: { x: a }, config: { separator: "", suffix: "c" } }
  d: { type: examples/concat, inputs: { l: b, r: c }, config: { separator: "|" } }
)";

// A STARTED run "r-resume" in which `a` succeeded (version `*version`, stored) and `b` started.
void DeadRunWithASucceeded(TestEnv& env, std::string* version) {
  RunResult first = env.Run("a");
  REQUIRE(first.status == RunStatus::kSuccess);
  *version = first.steps.at(0).data_version;
  RunRecord run;
  run.run_id = "r-resume";
  run.started_ms = 1;
  REQUIRE(env.log().StartRun(run).ok());
}

TEST_CASE("executor resume mode: done steps are not rerun, a started one gets no second STEP_STARTED") {
  TempHome home;
  TestEnv env(kResumeDiamond, home.path());
  std::string version;
  DeadRunWithASucceeded(env, &version);
  ResumeState resume;
  resume.run_id = "r-resume";
  resume.succeeded["a"] = version;
  resume.first_attempt["b"] = 1;
  RunOptions options;
  options.resume = &resume;
  RunResult r = env.Run("*", options);
  CHECK(r.run_id == "r-resume");
  CHECK(r.status == RunStatus::kSuccess);
  CHECK(env.Stored("d") == "Ab|Ac|");
  const auto lines = env.EventLines("r-resume");
  CHECK(std::count(lines.begin(), lines.end(), "RUN_STARTED") == 0);
  CHECK(std::count(lines.begin(), lines.end(), "STEP_STARTED a") == 0);
  CHECK(std::count(lines.begin(), lines.end(), "MATERIALIZATION a") == 0);
  CHECK(std::count(lines.begin(), lines.end(), "STEP_STARTED b") == 0);
  CHECK(std::count(lines.begin(), lines.end(), "MATERIALIZATION b") == 1);
  CHECK(std::count(lines.begin(), lines.end(), "STEP_STARTED c") == 1);
  CHECK(std::count(lines.begin(), lines.end(), "MATERIALIZATION d") == 1);
  CHECK(lines.back() == "RUN_SUCCESS");
  CHECK(env.log().FindRun("r-resume")->status == RunStatus::kSuccess);
}

TEST_CASE("executor resume mode: a step recorded failed stays failed and its descendants are skipped") {
  TempHome home;
  TestEnv env(kResumeDiamond, home.path());
  std::string version;
  DeadRunWithASucceeded(env, &version);
  ResumeState resume;
  resume.run_id = "r-resume";
  resume.succeeded["a"] = version;
  StepResult failed;
  failed.asset_key = "c";
  failed.state = StepState::kFailed;
  failed.message = "boom";
  failed.attempts = 1;
  resume.ended["c"] = failed;
  RunOptions options;
  options.resume = &resume;
  RunResult r = env.Run("*", options);
  CHECK(r.status == RunStatus::kFailed);
  const auto lines = env.EventLines("r-resume");
  CHECK(std::count(lines.begin(), lines.end(), "STEP_STARTED c") == 0);
  CHECK(std::count(lines.begin(), lines.end(), "MATERIALIZATION b") == 1);
  CHECK(std::count(lines.begin(), lines.end(), "STEP_SKIPPED d") == 1);
  CHECK(std::count(lines.begin(), lines.end(), "STEP_STARTED d") == 0);
  CHECK(lines.back() == "RUN_FAILED");
}

}  // namespace
}  // namespace af
