// Test-only: the staleness tests' fixture (an event log in a temporary home, definitions
// and their graph) and two data versions. Not part of the library.
#ifndef ASSETFLOW_HOST_STALENESS_STALENESS_FIXTURE_H_
#define ASSETFLOW_HOST_STALENESS_STALENESS_FIXTURE_H_

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "eventlog/test_util.h"
#include "graph/test_definitions.h"
#include "staleness/staleness.h"
#include "staleness/test_util.h"

namespace af::testing {

const std::string kV1 = "3f2a9c1b" + std::string(56, '0');
const std::string kV2 = "77aa01c2" + std::string(56, '1');

// a -> b (b reads a) unless given other assets. Tests change code versions and config in
// `defs` in place, as a manifest edit would, and the graph sees them; Redefine replaces the
// assets (an input removed, say) and keeps the event log.
struct Fixture {
  TempHome home;
  Definitions defs;
  AssetGraph graph;
  std::unique_ptr<EventLog> log = OpenTestLog(home.path());
  int64_t clock_ms = 1000;

  explicit Fixture(std::vector<TestAsset> assets = {{.key = "b", .inputs = {"a"}}, {.key = "a"}})
      : defs(MakeDefinitions(std::move(assets))), graph(Build(defs)) {}

  void Redefine(std::vector<TestAsset> assets) {
    defs = MakeDefinitions(std::move(assets));
    graph = Build(defs);
  }
  static AssetGraph Build(const Definitions& defs) {
    auto graph = AssetGraph::Build(defs);
    REQUIRE_MESSAGE(graph.ok(), graph.status().message());
    return std::move(*graph);
  }

  AssetDef& def(const std::string& key) { return defs.assets[index(key)]; }
  size_t index(const std::string& key) { return defs.IndexOf(key).value(); }

  // What the engine records after a step, as if in run "run-<clock before>".
  void Materialize(const std::string& key, const std::string& data_version) {
    const std::string run_id = "run-" + std::to_string(clock_ms);
    RecordSuccess(*log, def(key), run_id, ++clock_ms, data_version);
  }
  void Fail(const std::string& key, const std::string& message) {
    const std::string run_id = "run-" + std::to_string(clock_ms);
    RecordFailure(*log, key, run_id, ++clock_ms, message);
  }

  // ComputeStatus, checked against the whole-graph ComputeAllStatuses.
  AssetStatus Status(const std::string& key) {
    AssetStatus one = ComputeStatus(graph, index(key), *log);
    const AssetStatus all = ComputeAllStatuses(graph, *log).at(index(key));
    CHECK(all.state == one.state);
    CHECK(all.causes.size() == one.causes.size());
    for (size_t i = 0; i < std::min(all.causes.size(), one.causes.size()); ++i) {
      CHECK(all.causes[i].detail == one.causes[i].detail);
    }
    CHECK(all.last.has_value() == one.last.has_value());
    CHECK(all.last_attempt.has_value() == one.last_attempt.has_value());
    return one;
  }
  std::string State(const std::string& key) { return AssetStateName(Status(key).state); }
  // The causes, one per line, so a failure shows them all.
  std::string Causes(const std::string& key) {
    std::string lines;
    for (const StaleCause& c : Status(key).causes) lines += c.detail + "\n";
    return lines;
  }
};

}  // namespace af::testing

#endif
