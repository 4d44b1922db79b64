// The executor end to end: real plugins (examples, fs_io), a real event log in a temp home.
#include "engine/executor.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include <algorithm>
#include <map>

#include "engine/engine_test_util.h"

namespace af {
namespace {

using testing::TempHome;
using testing::TestEnv;

const char* kDiamond = R"(
assets:
  a: { type: examples/constant, config: { value: "A" } }
  b: { type: examples/concat, inputs: { x: a }, config: { separator: "", suffix: "b" } }
  c: { type: examples/concat, inputs: { x: a }, config: { separator: "", suffix: "c" } }
  d: { type: examples/concat, inputs: { l: b, r: c }, config: { separator: "|" } }
)";

std::vector<std::string> StartedOrder(TestEnv& env, const std::string& run_id) {
  std::vector<std::string> out;
  for (auto& e : env.Events(run_id, "STEP_STARTED")) out.push_back(e.asset_key);
  return out;
}

// Observes the largest number of steps whose plugin runs at once: from STEP_STARTED to the
// first of its final PROGRESS (examples/sleep reports done == total as it returns), STEP_SUCCESS
// or STEP_FAILED. A finished step's commit (group commit) does not hold a worker, so -j bounds
// the plugin calls, not the steps waiting for their record.
struct ConcurrencyProbe {
  int running = 0, max_running = 0;
  std::set<std::string> ended;
  EventObserver observer() {
    return [this](const EventRecord& e) {
      if (e.type == "STEP_STARTED") max_running = std::max(max_running, ++running);
      const bool last_progress =
          e.type == "PROGRESS" && e.message.find(" / ") != std::string::npos &&
          e.message.substr(0, e.message.find(" / ")) == e.message.substr(e.message.find(" / ") + 3);
      if ((last_progress || e.type == "STEP_SUCCESS" || e.type == "STEP_FAILED") &&
          ended.insert(e.asset_key).second)
        --running;
    };
  }
};

// Each step's events come in order, and every parent's STEP_SUCCESS before its children start.
void CheckEventOrder(const std::vector<std::string>& lines,
                     const std::vector<std::pair<std::string, std::string>>& edges) {
  auto at = [&](const std::string& line) {
    auto it = std::find(lines.begin(), lines.end(), line);
    REQUIRE(it != lines.end());
    return it - lines.begin();
  };
  std::set<std::string> assets;
  for (const auto& [p, c] : edges) assets.insert({p, c});
  for (const std::string& a : assets) {
    CAPTURE(a);
    CHECK(at("STEP_STARTED " + a) < at("MATERIALIZATION " + a));
    CHECK(at("MATERIALIZATION " + a) < at("STEP_SUCCESS " + a));
  }
  for (const auto& [p, c] : edges) CHECK(at("STEP_SUCCESS " + p) < at("STEP_STARTED " + c));
  CHECK(lines.front() == "RUN_STARTED");
  CHECK(lines.back() == "RUN_SUCCESS");
  CHECK(lines.size() == 2 + 3 * assets.size());
}

// Runs everything with -j `j`: exactly `j` steps run at once at the peak, `first` starts
// first and `last` last.
void CheckParallelism(TestEnv& env, int j, const std::string& first, const std::string& last) {
  CAPTURE(j);
  ConcurrencyProbe probe;
  RunOptions options;
  options.parallelism = j;
  options.observer = probe.observer();
  RunResult r = env.Run("*", options);
  CHECK(r.status == RunStatus::kSuccess);
  CHECK(probe.max_running == j);
  auto order = StartedOrder(env, r.run_id);
  CHECK(order.front() == first);
  CHECK(order.back() == last);
}

}  // namespace

TEST_CASE("executor: a diamond runs parents first and produces the right bytes") {
  TempHome home;
  TestEnv env(kDiamond, home.path());
  RunOptions options;
  options.parallelism = 1;
  RunResult r = env.Run("*", options);
  CHECK(r.status == RunStatus::kSuccess);
  CHECK(StartedOrder(env, r.run_id) == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(env.Stored("a") == "A");
  CHECK(env.Stored("b") == "Ab");
  CHECK(env.Stored("d") == "Ab|Ac|");
  CheckEventOrder(env.EventLines(r.run_id), {{"a", "b"}, {"a", "c"}, {"b", "d"}, {"c", "d"}});
  auto run = env.log().FindRun(r.run_id);
  REQUIRE(run);
  CHECK(run->status == RunStatus::kSuccess);
  CHECK(run->selection == "*");

  // The materialization record: content hash, code version, config hash, upstream versions,
  // the IO manager's metadata.
  auto a = env.log().LatestMaterialization("a");
  auto d = env.log().LatestMaterialization("d");
  REQUIRE(a);
  REQUIRE(d);
  CHECK(a->data_version == "559aead08264d5795d3909718cdd05abd49572e84fe55590eef31a88a08fdffd");  // sha256("A")
  CHECK(d->code_version == "1");
  CHECK(d->run_id == r.run_id);
  CHECK(d->upstream_data_versions ==
        std::map<std::string, std::string>{{"b", env.log().LatestMaterialization("b")->data_version},
                                           {"c", env.log().LatestMaterialization("c")->data_version}});
  std::map<std::string, std::string> meta;
  for (auto& m : d->metadata) meta[m.key] = m.type + ":" + m.value;
  CHECK(meta["bytes"] == "int:6");
  CHECK(meta["path"] == "path:" + home.path() + "/storage/d");
  CHECK(testing::FilesUnder(home.path() + "/storage") == std::vector<std::string>{"a", "b", "c", "d"});
}

TEST_CASE("executor: -j bounds the steps running at once (wide fan-out and diamond)") {
  TempHome home;
  TestEnv env(R"(
assets:
  root: { type: examples/constant, config: { value: "r" } }
  s1: { type: examples/sleep, inputs: { r: root }, config: { ms: 300 } }
  s2: { type: examples/sleep, inputs: { r: root }, config: { ms: 300 } }
  s3: { type: examples/sleep, inputs: { r: root }, config: { ms: 300 } }
  s4: { type: examples/sleep, inputs: { r: root }, config: { ms: 300 } }
  s5: { type: examples/sleep, inputs: { r: root }, config: { ms: 300 } }
  s6: { type: examples/sleep, inputs: { r: root }, config: { ms: 300 } }
  sink: { type: examples/concat, inputs: { a: s1, b: s2, c: s3, d: s4, e: s5, f: s6 } }
)", home.path());
  for (int j : {1, 3, 6}) CheckParallelism(env, j, "root", "sink");
  CHECK(env.Stored("sink") == "slept\nslept\nslept\nslept\nslept\nslept\n");

  // Diamond with sleeps: the two middle steps overlap with -j 2, never with -j 1.
  TempHome home2;
  TestEnv diamond(R"(
assets:
  a: { type: examples/sleep, config: { ms: 10 } }
  b: { type: examples/sleep, inputs: { x: a }, config: { ms: 300 } }
  c: { type: examples/sleep, inputs: { x: a }, config: { ms: 300 } }
  d: { type: examples/concat, inputs: { l: b, r: c } }
)", home2.path());
  for (int j : {1, 2}) CheckParallelism(diamond, j, "a", "d");
}

TEST_CASE("executor: a downstream asset alone loads its input from storage") {
  TempHome home;
  TestEnv env(kDiamond, home.path());
  RunResult first = env.Run("a");
  REQUIRE(first.status == RunStatus::kSuccess);
  const std::string a_version = env.log().LatestMaterialization("a")->data_version;

  RunResult r = env.Run("b");
  CHECK(r.status == RunStatus::kSuccess);
  CHECK(StartedOrder(env, r.run_id) == std::vector<std::string>{"b"});  // a did not run
  CHECK(env.Stored("b") == "Ab");
  CHECK(env.log().LatestMaterialization("a")->run_id == first.run_id);
  CHECK(env.log().LatestMaterialization("b")->upstream_data_versions ==
        std::map<std::string, std::string>{{"a", a_version}});
}

TEST_CASE("executor: an input never materialized is an exact error suggesting --with-upstream") {
  TempHome home;
  TestEnv env(R"(
assets:
  a: { type: examples/constant, config: { value: "A" } }
  b: { type: examples/concat, inputs: { stories: a } }
  c: { type: examples/concat, inputs: { x: b } }
  other: { type: examples/noop }
)", home.path());
  RunResult r = env.Run("b+,other");
  CHECK(r.status == RunStatus::kFailed);
  REQUIRE(r.steps.size() == 3);
  std::map<std::string, StepResult> by_key;
  for (auto& s : r.steps) by_key[s.asset_key] = s;
  CHECK(by_key["b"].state == StepState::kFailed);
  CHECK(by_key["b"].message ==
        "input 'stories' of 'b': asset 'a' was never materialized; run with --with-upstream "
        "(or select '+b')");
  CHECK(by_key["c"].state == StepState::kSkipped);
  CHECK(by_key["c"].message == "skipped: upstream 'b' failed");
  CHECK(by_key["other"].state == StepState::kSucceeded);
  CHECK(env.log().LastAttempt("b")->failed);
  CHECK(env.log().LastAttempt("b")->message == by_key["b"].message);
  CHECK(env.Stored("b") == "<absent>");
}

TEST_CASE("executor: a failure skips every descendant and lets independent branches finish") {
  TempHome home;
  TestEnv env(R"(
assets:
  bad: { type: examples/fail, config: { mode: fatal, message: "no data today" } }
  child: { type: examples/concat, inputs: { x: bad } }
  grandchild: { type: examples/concat, inputs: { x: child, y: ok } }
  ok: { type: examples/constant, config: { value: "fine" } }
  ok_child: { type: examples/concat, inputs: { x: ok } }
)", home.path());
  RunResult r = env.Run("*");
  CHECK(r.status == RunStatus::kFailed);
  std::map<std::string, StepResult> by_key;
  for (auto& s : r.steps) by_key[s.asset_key] = s;
  CHECK(by_key["bad"].state == StepState::kFailed);
  CHECK(by_key["bad"].message == "no data today");
  CHECK(by_key["child"].message == "skipped: upstream 'bad' failed");
  CHECK(by_key["grandchild"].state == StepState::kSkipped);
  CHECK(by_key["grandchild"].message == "skipped: upstream 'bad' failed");
  CHECK(by_key["ok"].state == StepState::kSucceeded);
  CHECK(by_key["ok_child"].state == StepState::kSucceeded);
  CHECK(env.Stored("ok_child") == "fine\n");
  auto failed = env.Events(r.run_id, "STEP_FAILED");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].data_json == R"({"status":"AF_ERR_FATAL","attempts":1})");
  CHECK(env.Events(r.run_id, "STEP_SKIPPED").size() == 2);
  CHECK(env.Events(r.run_id, "RUN_FAILED")[0].message == "2 succeeded, 1 failed, 2 skipped");
  // No STEP_STARTED for a skipped step.
  CHECK(StartedOrder(env, r.run_id).size() == 3);
}

}  // namespace af
