// Staleness causes beyond the basics: removed dependencies, unversioned config keys, and the
// root-cause walk of `status --why`. Each table row names a scenario and its exact causes.
#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "eventlog/hash.h"
#include "staleness/staleness.h"
#include "staleness/staleness_fixture.h"

namespace af {

using testing::Fixture;
using testing::kV1;
using testing::kV2;
using testing::TestAsset;

TEST_CASE("An input the last materialization read and the definition no longer has") {
  struct Case {
    std::string name;
    std::vector<TestAsset> now;  // b's definition after the edit (a, c stay)
    std::string state;
    std::string causes;
  };
  const Case cases[] = {
      {"every input removed", {{.key = "b"}}, "STALE",
       "removed dependency on 'a'\nremoved dependency on 'c'\n"},
      {"one of two inputs removed", {{.key = "b", .inputs = {"c"}}}, "STALE",
       "removed dependency on 'a'\n"},
      {"an input replaced by another",
       {{.key = "b", .inputs = {"c", "x"}}},
       "STALE",
       "upstream 'x' is a new input (data version 77aa01c2)\n"
       "removed dependency on 'a'\n"},
      {"inputs unchanged", {{.key = "b", .inputs = {"a", "c"}}}, "FRESH", ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Fixture f({{.key = "b", .inputs = {"a", "c"}}, {.key = "a"}, {.key = "c"}, {.key = "x"}});
    f.Materialize("a", kV1);
    f.Materialize("c", kV1);
    f.Materialize("x", kV2);
    f.Materialize("b", "b1");
    std::vector<TestAsset> now = c.now;
    now.push_back({.key = "a"});
    now.push_back({.key = "c"});
    now.push_back({.key = "x"});
    f.Redefine(now);
    CHECK(f.State("b") == c.state);
    CHECK(f.Causes("b") == c.causes);
    if (c.state == "STALE") {
      CHECK(f.Status("b").causes.back().kind == StaleCause::Kind::kRemovedDependency);
      f.Materialize("b", "b2");  // recorded with the current inputs: fresh again
      CHECK(f.State("b") == "FRESH");
    }
  }
}

TEST_CASE("Unversioned config keys never make an asset stale, whenever they were marked") {
  const std::string before =
      R"({"base_url": "http://127.0.0.1:40001/v0", "concurrency": 32, "count": 500})";
  const std::vector<std::string> unversioned = {"base_url", "concurrency"};
  const auto marked =
      std::make_shared<const ConfigKeys>(ConfigKeys{.unversioned = unversioned, .secret = {}});
  struct Case {
    std::string name;
    bool marked_when_recorded;  // false: recorded with the full config, marked since
    bool pre_v2_row;            // recorded with a config hash only (full config)
    const char* config_now;
    std::string state;
    std::string causes;
  };
  const std::string full_hash = ConfigHash(before).substr(0, 8);
  const Case cases[] = {
      {"concurrency 32 -> 64", true, false,
       R"({"base_url": "http://127.0.0.1:40001/v0", "concurrency": 64, "count": 500})", "FRESH",
       ""},
      {"another replay port", true, false,
       R"({"base_url": "http://127.0.0.1:51234/v0", "concurrency": 32, "count": 500})", "FRESH",
       ""},
      {"an unversioned key left out", true, false, R"({"count": 500})", "FRESH", ""},
      {"count 500 -> 100", true, false,
       R"({"base_url": "http://127.0.0.1:40001/v0", "concurrency": 32, "count": 100})", "STALE",
       "config changed: key 'count' 500 -> 100\n"},
      {"count and concurrency: only count is named", true, false,
       R"({"base_url": "http://127.0.0.1:40001/v0", "concurrency": 8, "count": 100})", "STALE",
       "config changed: key 'count' 500 -> 100\n"},
      {"full config recorded, concurrency now unversioned and changed", false, false,
       R"({"base_url": "http://127.0.0.1:40001/v0", "concurrency": 64, "count": 500})", "FRESH",
       ""},
      {"full config recorded, count changed", false, false,
       R"({"base_url": "http://127.0.0.1:51234/v0", "concurrency": 64, "count": 100})", "STALE",
       "config changed: key 'count' 500 -> 100\n"},
      {"hash-only row of the same config", false, true, before.c_str(), "FRESH", ""},
      {"hash-only row: any change is one (the keys cannot be told apart)", false, true,
       R"({"base_url": "http://127.0.0.1:40001/v0", "concurrency": 64, "count": 500})", "STALE",
       "config changed (hash " + full_hash + " -> " +
           Sha256Hex(R"({"count":500})").substr(0, 8) + ")\n"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Fixture f;
    f.def("a").config_json = before;
    if (c.marked_when_recorded) f.def("a").config_keys = marked;
    if (c.pre_v2_row) {
      MaterializationRecord old;
      old.asset_key = "a";
      old.run_id = "old";
      old.time_ms = 5;
      old.data_version = kV1;
      old.config_hash = ConfigHash(before);
      REQUIRE(f.log->RecordMaterialization(old).ok());
    } else {
      f.Materialize("a", kV1);
    }
    f.def("a").config_keys = marked;
    f.def("a").config_json = c.config_now;
    CHECK(f.State("a") == c.state);
    CHECK(f.Causes("a") == c.causes);
  }
}

TEST_CASE("VersionedConfigJson drops exactly the unversioned top-level keys") {
  struct Case {
    std::string config;
    std::vector<std::string> keys;
    std::string versioned;
  };
  const Case cases[] = {
      {R"({"b": 1, "a": {"concurrency": 2}, "concurrency": 3})", {"concurrency"},
       R"({"a":{"concurrency":2},"b":1})"},
      {R"({"b": 1})", {}, R"({"b":1})"},
      {R"({"b": 1})", {"missing"}, R"({"b":1})"},
      {R"({"b": 1, "c": 2})", {"b", "c"}, "{}"},
      {"[1, 2]", {"b"}, "[1,2]"},
      {"not json", {"b"}, "not json"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.config);
    CHECK(VersionedConfigJson(c.config, c.keys) == c.versioned);
  }
  CHECK(CanonicalJson(R"({"b": 1, "a": 2})") == VersionedConfigJson(R"({"b": 1, "a": 2})", {}));
}

// f reads d and e; d reads b and c, which both read a (a diamond); g is unrelated.
std::vector<TestAsset> WhyGraph() {
  return {{.key = "a"},
          {.key = "b", .inputs = {"a"}},
          {.key = "c", .inputs = {"a"}},
          {.key = "d", .inputs = {"b", "c"}},
          {.key = "e"},
          {.key = "f", .inputs = {"d", "e"}},
          {.key = "g"}};
}

TEST_CASE("status --why: one path per root cause, through every upstream") {
  struct Case {
    std::string name;
    std::function<void(Fixture&)> change;
    const char* asset;
    std::string lines;
  };
  auto config = [](Fixture& f, const char* key, const char* json) { f.def(key).config_json = json; };
  const Case cases[] = {
      {"nothing changed", [](Fixture&) {}, "f", ""},
      {"the asset's own change", [](Fixture& f) { f.def("f").code_version = "2"; }, "f",
       "f: code version changed: (none) -> 2\n"},
      {"a root above a diamond is reached once, by the first shortest path",
       [&](Fixture& f) { config(f, "a", R"({"count": 100})"); }, "f",
       "f <- d <- b <- a: config changed: key 'count' 500 -> 100\n"},
      {"several roots, nearest first, and the asset's own first of all",
       [&](Fixture& f) {
         config(f, "a", R"({"count": 100})");
         f.def("e").code_version = "7";
         f.def("f").code_version = "2";
       },
       "f",
       "f: code version changed: (none) -> 2\n"
       "f <- e: code version changed: (none) -> 7\n"
       "f <- d <- b <- a: config changed: key 'count' 500 -> 100\n"},
      {"a rematerialized upstream: both sides of the diamond are stale, each its own root",
       [](Fixture& f) { f.Materialize("a", kV2); }, "d",
       "d <- b: upstream 'a' has a new data version (3f2a9c1b -> 77aa01c2)\n"
       "d <- c: upstream 'a' has a new data version (3f2a9c1b -> 77aa01c2)\n"},
      {"a stale asset and a stale upstream of it: both are roots",
       [&](Fixture& f) {
         f.Materialize("a", kV2);
         config(f, "a", R"({"count": 100})");
       },
       "b",
       "b: upstream 'a' has a new data version (3f2a9c1b -> 77aa01c2)\n"
       "b <- a: config changed: key 'count' 500 -> 100\n"},
      {"downstream and unrelated changes are not causes",
       [](Fixture& f) {
         f.def("f").code_version = "2";
         f.def("g").code_version = "2";
       },
       "d", ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Fixture f(WhyGraph());
    f.def("a").config_json = R"({"count": 500})";
    for (const char* key : {"a", "b", "c", "d", "e", "f", "g"}) f.Materialize(key, kV1);
    c.change(f);
    const std::vector<AssetStatus> statuses = ComputeAllStatuses(f.graph, *f.log);
    std::string lines;
    for (const StaleRootCause& root : StaleRootCauses(f.graph, f.index(c.asset), statuses)) {
      CHECK(root.path.front() == f.index(c.asset));
      CHECK(statuses[root.path.back()].state == AssetState::kStale);
      lines += RootCauseLine(f.graph, root) + "\n";
    }
    CHECK(lines == c.lines);
  }
}

TEST_CASE("StaleCauseKindName") {
  CHECK(std::string(StaleCauseKindName(StaleCause::Kind::kCodeVersion)) == "code_version");
  CHECK(std::string(StaleCauseKindName(StaleCause::Kind::kConfig)) == "config");
  CHECK(std::string(StaleCauseKindName(StaleCause::Kind::kUpstreamData)) == "upstream_data");
  CHECK(std::string(StaleCauseKindName(StaleCause::Kind::kUpstreamMissing)) == "upstream_missing");
  CHECK(std::string(StaleCauseKindName(StaleCause::Kind::kRemovedDependency)) ==
        "removed_dependency");
}

}  // namespace af
