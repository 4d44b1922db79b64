#include "freshness/freshness.h"

#include <doctest/doctest.h>

#include "clock/clock.h"
#include "eventlog/test_util.h"
#include "graph/test_definitions.h"
#include "staleness/test_util.h"

namespace af {
namespace {

using testing::TestAsset;

int64_t At(const std::string& rfc3339) { return ParseRfc3339(rfc3339).value(); }

FreshnessPolicy Policy(double lag, std::string cron = "", std::string zone = "UTC",
                       std::optional<double> warn = std::nullopt) {
  FreshnessPolicy p;
  p.maximum_lag_minutes = lag;
  p.cron_schedule = std::move(cron);
  p.cron_schedule_timezone = std::move(zone);
  p.warn_after_minutes = warn;
  return p;
}

// Dagster's own table, dagster_tests/definitions_tests/test_freshness_policy.py
// (test_policies_available_equals_evaluation_time): one root, used data time, evaluation time,
// expected overdue and lag minutes.
TEST_CASE("freshness: Dagster's minutes_overdue table") {
  struct Case {
    FreshnessPolicy policy;
    const char* used;  // null: never materialized
    const char* now;
    std::optional<double> overdue, lag;
  };
  const Case cases[] = {
      {Policy(30), "2022-01-01T00:00:00Z", "2022-01-01T00:25:00Z", 0, 25},
      {Policy(120), "2022-01-01T00:00:00Z", "2022-01-01T01:00:00Z", 0, 60},
      {Policy(30), "2022-01-01T00:00:00Z", "2022-01-01T01:00:00Z", 30, 60},
      {Policy(500), nullptr, "2022-01-01T00:25:00Z", std::nullopt, std::nullopt},
      {Policy(15, "@daily"), "2022-01-01T23:55:00Z", "2022-01-02T00:10:00Z", 0, 5},
      {Policy(15, "@daily"), "2022-01-01T00:30:00Z", "2022-01-01T01:00:00Z", 0, 0},
      {Policy(60, "@daily"), "2022-01-01T22:00:00Z", "2022-01-02T02:00:00Z", 60, 120},
      {Policy(300, "@hourly"), "2022-01-01T01:00:00Z", "2022-01-01T04:00:00Z", 0, 180},
      {Policy(300, "@hourly"), "2022-01-01T01:15:00Z", "2022-01-01T07:45:00Z", 45, 345},
      {Policy(60, "0 3 * * *", "America/Los_Angeles"), "2022-01-01T01:00:00-08:00",
       "2022-01-01T03:15:00-08:00", 60, 120},
      {Policy(60, "0 3 * * *", "America/Los_Angeles"), "2022-01-01T00:00:00-08:00",
       "2022-01-01T02:15:00-08:00", 0, 0},
  };
  for (const Case& c : cases) {
    CAPTURE(c.now);
    CAPTURE(c.policy.cron_schedule);
    UsedDataTimes used;
    if (c.used) used["root"] = At(c.used);
    auto e = EvaluatePolicy(c.policy, used, At(c.now));
    REQUIRE(e.ok());
    CHECK(e->overdue_minutes == c.overdue);
    CHECK(e->lag_minutes == c.lag);
    CHECK(e->state == (!c.overdue ? FreshnessState::kUnknown
                       : *c.overdue > 0 ? FreshnessState::kFail
                                        : FreshnessState::kPass));
  }
}

TEST_CASE("freshness: WARN before FAIL, minutes to spare with and without a cron") {
  UsedDataTimes used{{"root", At("2026-12-01T10:00:00Z")}};
  auto warn = EvaluatePolicy(Policy(30, "", "UTC", 20), used, At("2026-12-01T10:25:00Z"));
  REQUIRE(warn.ok());
  CHECK(warn->state == FreshnessState::kWarn);
  CHECK(warn->spare_minutes == 5);
  CHECK(FreshnessSummary(*warn) == "WARN (5 min to spare)");
  auto pass = EvaluatePolicy(Policy(30, "", "UTC", 20), used, At("2026-12-01T10:15:00Z"));
  CHECK(pass->state == FreshnessState::kPass);
  CHECK(FreshnessSummary(*pass) == "PASS (15 min to spare)");
  // Hourly: data of 10:00 with 30 minutes of lag fails at the first tick after 10:30: 11:00.
  auto cron = EvaluatePolicy(Policy(30, "@hourly"), used, At("2026-12-01T10:45:00Z"));
  CHECK(cron->state == FreshnessState::kPass);
  CHECK(cron->spare_minutes == 15);
  auto late = EvaluatePolicy(Policy(30, "@hourly"), used, At("2026-12-01T11:07:00Z"));
  CHECK(late->state == FreshnessState::kFail);
  CHECK(FreshnessSummary(*late) == "FAIL (30 min overdue)");
  auto never = EvaluatePolicy(Policy(30), {}, At("2026-12-01T11:07:00Z"));
  CHECK(FreshnessSummary(*never) == "UNKNOWN (never materialized)");
}

// A diamond over two roots of different ages:  A -> L -> D,  A -> R -> D,  B -> R.
struct Diamond {
  TempHome home;
  Definitions defs = testing::MakeDefinitions({{.key = "A"},
                                               {.key = "B"},
                                               {.key = "L", .inputs = {"A"}},
                                               {.key = "R", .inputs = {"A", "B"}},
                                               {.key = "D", .inputs = {"L", "R"}}});
  std::unique_ptr<EventLog> log = OpenTestLog(home.path());
  std::optional<AssetGraph> graph;
  const int64_t t0 = At("2026-12-01T10:00:00Z");  // on the hour, for @hourly

  Diamond() {
    defs.assets[defs.IndexOf("D").value()].mutable_details().freshness_policy = Policy(30);
    auto g = AssetGraph::Build(defs);
    REQUIRE(g.ok());
    graph.emplace(std::move(*g));
  }
  void Materialize(const std::string& key, double minute, const std::string& version) {
    testing::RecordSuccess(*log, *defs.FindAsset(key), "run-" + key,
                           t0 + static_cast<int64_t>(minute * 60000), version);
  }
  FreshnessEvaluation Evaluate(double minute, const FreshnessPolicy& policy) {
    defs.assets[defs.IndexOf("D").value()].mutable_details().freshness_policy = policy;
    auto all = EvaluateFreshness(*graph, *log, t0 + static_cast<int64_t>(minute * 60000));
    REQUIRE(all.size() == 1);
    CHECK(all[0].asset_key == "D");
    return all[0].evaluation;
  }
};

TEST_CASE("freshness: the overdue rule on a diamond with two roots of different ages") {
  Diamond d;
  struct Row {
    double now;
    FreshnessPolicy policy;
    const char* summary;
    std::optional<double> lag;
  };
  auto check = [&](const std::vector<Row>& rows) {
    for (const Row& r : rows) {
      CAPTURE(r.now);
      CAPTURE(r.summary);
      FreshnessEvaluation e = d.Evaluate(r.now, r.policy);
      CHECK(FreshnessSummary(e) == r.summary);
      CHECK(e.lag_minutes == r.lag);
    }
  };
  check({{10, Policy(30), "UNKNOWN (never materialized)", std::nullopt}});

  // A at 0, B at 10; L, R and D built from them: D used A@0, B@10.
  d.Materialize("A", 0, "a1");
  d.Materialize("B", 10, "b1");
  d.Materialize("L", 12, "l1");
  d.Materialize("R", 15, "r1");
  d.Materialize("D", 20, "d1");
  check({
      {25, Policy(30), "PASS (5 min to spare)", 25},             // required -5
      {25, Policy(30, "", "UTC", 20), "WARN (5 min to spare)", 25},  // warn required 5 > A@0
      {30, Policy(30), "PASS (0 min to spare)", 30},
      {45, Policy(30), "FAIL (15 min overdue)", 45},  // required 15: A 15 late, B 5 late
      {45, Policy(30, "@hourly"), "PASS (15 min to spare)", 0},  // tick 10:00; fails at 11:00
      {75, Policy(30, "@hourly"), "FAIL (30 min overdue)", 60},  // tick 11:00, required 10:30
      {45, Policy(50), "PASS (5 min to spare)", 45},
  });

  // A gets new data at 40 and L and D are rebuilt, but R is not: D still used A@0 through R.
  d.Materialize("A", 40, "a2");
  d.Materialize("L", 42, "l2");
  d.Materialize("D", 45, "d2");
  check({{50, Policy(30), "FAIL (20 min overdue)", 50}});

  // R rebuilt from A@40 and B@10, then D: B is now the oldest.
  d.Materialize("R", 55, "r2");
  d.Materialize("D", 56, "d3");
  check({{60, Policy(30), "FAIL (20 min overdue)", 50},   // required 30: B@10 is 20 late
         {60, Policy(60), "PASS (10 min to spare)", 50}});

  // B re-materialized to identical bytes at 70: everything built from b1 is as fresh as that.
  d.Materialize("B", 70, "b1");
  check({{70, Policy(30), "PASS (0 min to spare)", 30},  // A@40 is the oldest now
         {71, Policy(30), "FAIL (1 min overdue)", 31}});

  // Data D was built from is no longer recorded: unknown.
  REQUIRE(d.log->WipeAsset("B").ok());
  check({{71, Policy(30), "UNKNOWN (the data 'R' used from 'B' is no longer recorded)",
          std::nullopt}});
}

TEST_CASE("freshness: state changes are recorded once, as events with the JSON") {
  Diamond d;
  d.Materialize("A", 0, "a1");
  d.Materialize("B", 0, "b1");
  d.Materialize("L", 0, "l1");
  d.Materialize("R", 0, "r1");
  d.Materialize("D", 0, "d1");
  auto record = [&](double minute) {
    const int64_t now = d.t0 + static_cast<int64_t>(minute * 60000);
    auto all = EvaluateFreshness(*d.graph, *d.log, now);
    auto changes = RecordFreshnessChanges(*d.log, all, now);
    REQUIRE(changes.ok());
    return changes->size();
  };
  CHECK(record(10) == 1);  // UNKNOWN -> PASS
  CHECK(record(20) == 0);
  CHECK(record(31) == 1);  // -> FAIL
  CHECK(record(40) == 0);
  auto events = d.log->EventsOfType(kFreshnessEvent);
  REQUIRE(events.size() == 2);
  CHECK(events[0].message == "PASS (20 min to spare)");
  CHECK(events[1].message == "FAIL (1 min overdue)");
  CHECK(events[1].data_json ==
        R"({"asset":"D","state":"FAIL","overdue_minutes":1.0,"spare_minutes":null,)"
        R"("lag_minutes":31.0,"evaluation_tick":"2026-12-01T10:31:00.000Z",)"
        R"("data_time":"2026-12-01T10:00:00.000Z","maximum_lag_minutes":30.0,)"
        R"("warn_after_minutes":null,"cron_schedule":"","reason":"","previous":"PASS"})");
}

}  // namespace
}  // namespace af
