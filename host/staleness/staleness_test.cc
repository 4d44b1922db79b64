#include "staleness/staleness.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "common/test_time_scale.h"
#include "eventlog/hash.h"
#include "eventlog/test_util.h"
#include "graph/test_definitions.h"
#include "staleness/staleness_fixture.h"

namespace af {

using testing::Fixture;
using testing::kV1;
using testing::kV2;

TEST_CASE("AssetStateName") {
  CHECK(std::string(AssetStateName(AssetState::kMissing)) == "MISSING");
  CHECK(std::string(AssetStateName(AssetState::kFresh)) == "FRESH");
  CHECK(std::string(AssetStateName(AssetState::kStale)) == "STALE");
  CHECK(std::string(AssetStateName(AssetState::kFailed)) == "FAILED");
}

TEST_CASE("An asset goes missing -> fresh -> stale (code, config, upstream) -> failed -> fresh") {
  Fixture f;
  f.def("b").code_version = "1";
  f.def("b").config_json = R"({"count": 500, "width": 800})";

  CHECK(f.State("b") == "MISSING");
  CHECK(f.Causes("b") == "");
  CHECK_FALSE(f.Status("b").last);

  f.Materialize("a", kV1);
  f.Materialize("b", "b1");
  CHECK(f.State("a") == "FRESH");
  CHECK(f.State("b") == "FRESH");
  CHECK(f.Status("b").last->data_version == "b1");

  SUBCASE("code version") {
    f.def("b").code_version = "2";
    CHECK(f.State("b") == "STALE");
    CHECK(f.Causes("b") == "code version changed: 1 -> 2\n");
    REQUIRE(f.Status("b").causes.size() == 1);
    CHECK(f.Status("b").causes[0].kind == StaleCause::Kind::kCodeVersion);
  }
  SUBCASE("config, naming the key") {
    f.def("b").config_json = R"({"width": 800, "count": 100})";
    CHECK(f.State("b") == "STALE");
    CHECK(f.Causes("b") == "config changed: key 'count' 500 -> 100\n");
    CHECK(f.Status("b").causes[0].kind == StaleCause::Kind::kConfig);
  }
  SUBCASE("config key order and spacing are not a change") {
    f.def("b").config_json = R"({"width":800,"count":500})";
    CHECK(f.State("b") == "FRESH");
  }
  SUBCASE("upstream data version, naming the upstream") {
    f.Materialize("a", kV2);
    CHECK(f.State("a") == "FRESH");
    CHECK(f.State("b") == "STALE");
    CHECK(f.Causes("b") == "upstream 'a' has a new data version (3f2a9c1b -> 77aa01c2)\n");
    CHECK(f.Status("b").causes[0].kind == StaleCause::Kind::kUpstreamData);
  }
  SUBCASE("an upstream rematerialized with the same data is not a change") {
    f.Materialize("a", kV1);
    CHECK(f.State("b") == "FRESH");
  }
  SUBCASE("upstream wiped") {
    REQUIRE(f.log->WipeAsset("a").ok());
    CHECK(f.State("a") == "MISSING");
    CHECK(f.State("b") == "STALE");
    CHECK(f.Causes("b") == "upstream 'a' was wiped\n");
    CHECK(f.Status("b").causes[0].kind == StaleCause::Kind::kUpstreamMissing);
  }

  // Then: a failed attempt, and a successful one again.
  f.Fail("b", "HTTP 503");
  CHECK(f.State("b") == "FAILED");
  CHECK(f.Causes("b") == "");
  REQUIRE(f.Status("b").last_attempt);
  CHECK(f.Status("b").last_attempt->message == "HTTP 503");
  CHECK(f.Status("b").last->data_version == "b1");  // the last good value is still there

  if (!f.log->LatestMaterialization("a")) f.Materialize("a", kV1);
  f.Materialize("b", "b2");
  CHECK(f.State("b") == "FRESH");
  CHECK_FALSE(f.Status("b").last_attempt->failed);
}

TEST_CASE("Several causes are all reported, code first, then config keys, then upstreams") {
  Fixture f;
  f.def("b").code_version = "";
  f.def("b").config_json = R"({"count": 500, "old": 3, "url": "http://x"})";
  f.Materialize("a", kV1);
  f.Materialize("b", "b1");
  f.def("b").code_version = "7";
  f.def("b").config_json =
      R"({"count": 500, "url": "http://example.com/a/very/long/path/to/the/api", "extra": [1, 2]})";
  f.Materialize("a", kV2);
  CHECK(f.Causes("b") ==
        "code version changed: (none) -> 7\n"
        "config changed: key 'extra' added: [1,2]\n"
        "config changed: key 'old' removed (was 3)\n"
        "config changed: key 'url' \"http://x\" -> \"http://example.com/a/very/long/path/...\n"
        "upstream 'a' has a new data version (3f2a9c1b -> 77aa01c2)\n");
}

TEST_CASE("Config values are shown exactly, and cut only between characters") {
  Fixture f;
  f.def("a").config_json = R"({"ratio": 0.1, "title": "short"})";
  f.Materialize("a", kV1);
  // 36 ASCII bytes then "é" (2 bytes) straddling the 37-byte cut.
  f.def("a").config_json = R"({"ratio": 0.30000000000000004, "title": ")" +
                           std::string(36, 'x') + "\xc3\xa9 and more\"}";
  CHECK(f.Causes("a") ==
        "config changed: key 'ratio' 0.1 -> 0.30000000000000004\n"
        "config changed: key 'title' \"short\" -> \"" + std::string(36, 'x') + "...\n");
}

TEST_CASE("Upstreams never materialized, and inputs added since") {
  Fixture f;
  f.Materialize("b", "b1");  // e.g. materialized while a was an ordering-only dependency
  CHECK(f.State("b") == "STALE");
  CHECK(f.Causes("b") == "upstream 'a' was never materialized\n");
  CHECK(f.Status("b").causes[0].kind == StaleCause::Kind::kUpstreamMissing);
  f.Materialize("a", kV2);
  CHECK(f.Causes("b") == "upstream 'a' is a new input (data version 77aa01c2)\n");
  f.Materialize("b", "b2");
  CHECK(f.State("b") == "FRESH");
}

TEST_CASE("A materialization recorded without its config names the hashes instead") {
  Fixture f;
  MaterializationRecord old;
  old.asset_key = "a";
  old.run_id = "old";
  old.time_ms = 5;
  old.data_version = kV1;
  old.config_hash = ConfigHash(R"({"count":1})");  // config_json empty: a pre-v2 row
  REQUIRE(f.log->RecordMaterialization(old).ok());
  f.def("a").config_json = R"({"count":2})";
  CHECK(f.Causes("a") == "config changed (hash " + ConfigHash(R"({"count":1})").substr(0, 8) +
                             " -> " + ConfigHash(R"({"count":2})").substr(0, 8) + ")\n");
}

TEST_CASE("FAILED: a failure newer than the last materialization, or with none at all") {
  Fixture f;
  f.Fail("a", "boom");
  CHECK(f.State("a") == "FAILED");  // never materialized, but the failure is the news
  f.Materialize("a", kV1);
  CHECK(f.State("a") == "FRESH");
  // A failure recorded with an older time than the materialization (a slow, stale retry
  // finishing late) does not hide the newer value.
  REQUIRE(f.log->RecordAttempt("a", {"late", 1, true, "late failure"}).ok());
  CHECK(f.State("a") == "FRESH");
}

TEST_CASE("The status of 10,000 assets is computed in a fraction of a second") {
  TempHome home;
  const Definitions defs = testing::MakeChain(10000);
  const AssetGraph graph = Fixture::Build(defs);
  auto log = OpenTestLog(home.path());
  bool recorded = true;
  for (size_t i = 0; i < defs.assets.size(); ++i) {
    MaterializationRecord m;
    m.asset_key = defs.assets[i].key;
    m.run_id = "run";
    m.time_ms = 1;
    m.data_version = Sha256Hex(m.asset_key);
    m.config_hash = ConfigHash("{}");
    m.config_json = "{}";
    if (i > 0) m.upstream_data_versions[defs.assets[i - 1].key] = Sha256Hex(defs.assets[i - 1].key);
    recorded = log->RecordMaterialization(m).ok() && recorded;
  }
  REQUIRE(recorded);
  REQUIRE(log->Flush().ok());
  const auto start = std::chrono::steady_clock::now();
  const auto statuses = ComputeAllStatuses(graph, *log);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  size_t fresh = 0;
  for (const AssetStatus& s : statuses) fresh += s.state == AssetState::kFresh ? 1 : 0;
  CHECK(fresh == 10000);
  // About 0.3 s on a busy 2-core machine; the bound leaves room for more load and catches a
  // quadratic regression.
  CHECK(elapsed < std::chrono::seconds(2) * testing::kTimeScale);
}

}  // namespace af
