// Data versions a plugin supplies (Dagster's DataVersion) and observable source assets, through
// the real examples plugin (plugins/examples/data_versions.cc) and the executor.
#include <doctest/doctest.h>

#include <fstream>

#include "engine/engine_test_util.h"
#include "staleness/staleness.h"

namespace af {
namespace {

using testing::TempHome;
using testing::TestEnv;

std::string Why(TestEnv& env, const std::string& key) {
  const AssetStatus s = ComputeStatus(env.graph(), env.Index(key), env.log());
  std::string out = AssetStateName(s.state);
  for (const StaleCause& c : s.causes) out += "; " + c.detail;
  return out;
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

}  // namespace

TEST_CASE("data version: a plugin's own version replaces the bytes' hash; same version, same downstream") {
  TempHome home;
  const std::string yaml = R"(
assets:
  a: { type: examples/versioned_constant, config: { value: "%V", version: "%D" } }
  b: { type: examples/concat, inputs: { x: a } }
)";
  auto manifest = [&](const std::string& value, const std::string& version) {
    std::string m = yaml;
    m.replace(m.find("%V"), 2, value);
    m.replace(m.find("%D"), 2, version);
    return m;
  };
  {
    TestEnv env(manifest("one", "v1"), home.path());
    REQUIRE(env.Run("*").status == RunStatus::kSuccess);
    CHECK(env.log().LatestMaterialization("a")->data_version == "v1");
    CHECK(env.Stored("a") == "one");
    CHECK(env.log().LatestMaterialization("b")->upstream_data_versions.at("a") == "v1");
  }
  {
    // New bytes, same declared version: the plugin says nothing changed, so b stays FRESH.
    TestEnv env(manifest("two", "v1"), home.path());
    REQUIRE(env.Run("a").status == RunStatus::kSuccess);
    CHECK(env.Stored("a") == "two");
    CHECK(Why(env, "a") == "FRESH");
    CHECK(Why(env, "b") == "FRESH");
  }
  {
    TestEnv env(manifest("two", "v2"), home.path());
    REQUIRE(env.Run("a").status == RunStatus::kSuccess);
    CHECK(Why(env, "b") == "STALE; upstream 'a' has a new data version (v1 -> v2)");
  }
}

TEST_CASE("observable source asset: observes, stores nothing, makes downstream stale only on change") {
  TempHome home;
  const std::string watched = home.path() + "/watched.txt";
  WriteText(watched, "first");
  TestEnv env(R"(
assets:
  src: { type: examples/observe_file, config: { path: ")" + watched + R"(" } }
  report: { type: examples/constant, inputs: { s: src }, config: { value: "made" } }
  reader: { type: examples/concat, inputs: { s: src } }
)", home.path());
  CHECK(env.defs().FindAsset("src")->observable);

  RunResult r = env.Run("src,report");
  REQUIRE(r.status == RunStatus::kSuccess);
  CHECK(env.EventLines(r.run_id).size() == 8);
  CHECK(env.Events(r.run_id, "OBSERVATION").size() == 1);
  CHECK(env.Events(r.run_id, "MATERIALIZATION").size() == 1);  // report only
  const std::string v1 = env.log().LatestMaterialization("src")->data_version;
  CHECK(v1.rfind("size 5, mtime ", 0) == 0);
  CHECK(env.Stored("src") == "<absent>");  // nothing stored for an observation
  CHECK(env.Stored("report") == "made");
  CHECK(Why(env, "report") == "FRESH");

  // Observed again, unchanged: the same data version, downstream still FRESH.
  REQUIRE(env.Run("src").status == RunStatus::kSuccess);
  CHECK(env.log().LatestMaterialization("src")->data_version == v1);
  CHECK(Why(env, "report") == "FRESH");

  // The file changes: the next observation has a new version and the downstream is STALE.
  WriteText(watched, "second!");
  REQUIRE(env.Run("src").status == RunStatus::kSuccess);
  const std::string v2 = env.log().LatestMaterialization("src")->data_version;
  CHECK(v2.rfind("size 7, mtime ", 0) == 0);
  CHECK(Why(env, "report") ==
        "STALE; upstream 'src' has a new data version (" + v1.substr(0, 8) + " -> " +
            v2.substr(0, 8) + ")");

  // A downstream that tries to read it is told why it cannot.
  RunResult read = env.Run("reader");
  CHECK(read.status == RunStatus::kFailed);
  REQUIRE(read.steps.size() == 1);
  CHECK(read.steps[0].message.find("'src' is an observable source asset: it has a data version, "
                                   "no stored data") != std::string::npos);
}

TEST_CASE("observable source asset: a missing file fails the observation, nothing recorded") {
  TempHome home;
  TestEnv env(R"(
assets:
  src: { type: examples/observe_file, config: { path: "/nonexistent/af/file" } }
)", home.path());
  RunResult r = env.Run("src");
  CHECK(r.status == RunStatus::kFailed);
  CHECK(r.steps[0].message == "cannot observe '/nonexistent/af/file': No such file or directory");
  CHECK_FALSE(env.log().LatestMaterialization("src").has_value());
}

}  // namespace af
