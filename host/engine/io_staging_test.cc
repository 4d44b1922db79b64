// The commit path against real IO managers: fs_io stages and publishes (no temp file survives a
// run, the stored bytes are the recorded version), an IO manager with only the ABI 1.0 fields
// (tests/plugins/io_v10) commits through commit_writer, and fs_io's sweep removes exactly one
// run's temp files.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "engine/engine_test_util.h"
#include "engine/io_managers.h"
#include "eventlog/hash.h"

namespace af {
namespace {

using testing::FilesUnder;
using testing::ReadFile;
using testing::TempHome;
using testing::TestEnv;
namespace fs = std::filesystem;

void Touch(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

std::string MetadataValue(const MaterializationRecord& m, const std::string& key) {
  for (const MetadataEntry& e : m.metadata)
    if (e.key == key) return e.value;
  return "<none>";
}

// For failure messages: the files, one per line.
std::string Joined(const std::vector<std::string>& files) {
  std::string out;
  for (const std::string& f : files) out += "\n  " + f;
  return out;
}

TEST_CASE("fs_io: after a run only the assets' files remain, each the recorded version") {
  TempHome home;
  TestEnv env(R"(
assets:
  big: { type: examples/bytes, config: { size: 300000, chunk: 7000 } }
  grp/mid: { type: examples/concat, inputs: { x: big }, config: { separator: "", suffix: "m" } }
  grp/sub/top: { type: examples/concat, inputs: { x: grp/mid }, config: { separator: "", suffix: "t" } }
)",
              home.path());
  for (int round = 0; round < 2; ++round) {  // the second run replaces every file
    CAPTURE(round);
    RunResult r = env.Run("*");
    REQUIRE(r.status == RunStatus::kSuccess);
    CHECK(FilesUnder(home.path() + "/storage") ==
          std::vector<std::string>{"big", "grp/mid", "grp/sub/top"});
    for (const std::string key : {"big", "grp/mid", "grp/sub/top"}) {
      CAPTURE(key);
      auto m = env.log().LatestMaterialization(key);
      REQUIRE(m.has_value());
      CHECK(m->run_id == r.run_id);
      const std::string stored = env.Stored(key);
      CHECK(m->data_version == Sha256Hex(stored));
      CHECK(MetadataValue(*m, "bytes") == std::to_string(stored.size()));
      CHECK(MetadataValue(*m, "path") == home.path() + "/storage/" + key);
    }
  }
  CHECK(env.Stored("big").size() == 300000);
  CHECK(env.Stored("grp/mid") == env.Stored("big") + "m");
  CHECK(env.Stored("grp/sub/top") == env.Stored("big") + "mt");
}

TEST_CASE("an IO manager with only the ABI 1.0 fields commits through commit_writer") {
  TempHome home;
  const std::string base = home.path() + "/v10";
  fs::create_directories(base);
  TestEnv env("resources:\n  v10: { type: v10_store/store, config: { base_dir: \"" + base +
                  "\" } }\nassets:\n"
                  "  a: { type: examples/constant, config: { value: \"hello v10\" }, io_manager: v10 }\n"
                  "  b: { type: examples/concat, inputs: { x: a }, config: { separator: \"\", suffix: \"!\" } }\n"
                  "  c: { type: examples/concat, inputs: { x: b }, config: { separator: \"\", suffix: \"?\" }, io_manager: v10 }\n",
              home.path(), {AF_IO_V10_PLUGIN});
  auto set = IoManagerSet::Resolve(env.defs(), env.registry());
  REQUIRE(set.ok());
  const IoManagerRef& v10 = (*set)->ForKey("a");
  REQUIRE(v10.desc != nullptr);
  CHECK(v10.desc->struct_size == offsetof(af_io_manager_descriptor, stage_writer));
  const IoManagerCalls calls = CallsOf(v10.desc);
  CHECK_FALSE(calls.stages());
  CHECK(!calls.stage_writer);
  CHECK(!calls.publish);
  CHECK(!calls.discard);
  CHECK(!calls.sync);
  CHECK(!calls.sweep);
  CHECK(SweepRun(v10, "any-run", home.path()).ok());  // no sweep: nothing to do

  RunResult r = env.Run("*");
  REQUIRE(r.status == RunStatus::kSuccess);
  REQUIRE(r.steps.size() == 3);
  for (const StepResult& s : r.steps) {
    CAPTURE(s.asset_key);
    CHECK(s.state == StepState::kSucceeded);
    CHECK(s.attempts == 1);
  }
  // a and c through the 1.0 manager (b read a back through its open_reader), b in fs_io.
  CHECK(FilesUnder(base) == std::vector<std::string>{"a", "c"});
  CHECK(ReadFile(base + "/a") == "hello v10");
  CHECK(ReadFile(base + "/c") == "hello v10!?");
  CHECK(env.Stored("b") == "hello v10!");
  CHECK(FilesUnder(home.path() + "/storage") == std::vector<std::string>{"b"});
  for (const std::string key : {"a", "c"}) {
    CAPTURE(key);
    auto m = env.log().LatestMaterialization(key);
    REQUIRE(m.has_value());
    CHECK(m->data_version == Sha256Hex(ReadFile(base + "/" + key)));
    CHECK(MetadataValue(*m, "v10_path") == base + "/" + key);  // commit_writer's own metadata
  }
}

TEST_CASE("fs_io sweep removes the temp files of one run only") {
  TempHome home;
  TestEnv env("assets:\n  a: { type: examples/constant, config: { value: \"A\" } }\n", home.path());
  auto set = IoManagerSet::Resolve(env.defs(), env.registry());
  REQUIRE(set.ok());
  const IoManagerRef& io = (*set)->ForKey("a");
  REQUIRE(!!CallsOf(io.desc).sweep);
  const fs::path storage = home.path() + "/storage";
  const std::string run = "0e5c7a52-1111-4111-8111-000000000001";
  const std::string other = "0e5c7a52-2222-4222-8222-000000000002";
  Touch(storage / "a", "A");
  Touch(storage / ("." "a.af-" + run + "-1.tmp"), "staged 1");
  Touch(storage / ("." "a.af-" + run + "-2.tmp"), "staged 2");
  Touch(storage / "x/y" / (".z.af-" + run + "-1.tmp"), "nested");
  Touch(storage / "x/y/z", "real");
  Touch(storage / (".a.af-" + other + "-1.tmp"), "another run's");
  Touch(storage / ("a.af-" + run + "-1.tmp"), "no leading dot: not a temp name");
  Touch(storage / (".a.af-" + run + "-1.tmp.keep"), "not ending in .tmp");
  Touch(home.path() + "/elsewhere/.a.af-" + run + "-1.tmp", "outside the root");

  REQUIRE(SweepRun(io, run, home.path()).ok());
  CAPTURE(Joined(FilesUnder(storage)));
  CHECK(FilesUnder(storage) == std::vector<std::string>{
                                   ".a.af-" + run + "-1.tmp.keep",
                                   ".a.af-" + other + "-1.tmp",
                                   "a",
                                   "a.af-" + run + "-1.tmp",
                                   "x/y/z",
                               });
  CHECK(ReadFile(storage / "a") == "A");
  CHECK(ReadFile(storage / "x/y/z") == "real");
  CHECK(fs::exists(home.path() + "/elsewhere/.a.af-" + run + "-1.tmp"));
  // Again, and for a run that left nothing: OK, nothing more removed.
  REQUIRE(SweepRun(io, run, home.path()).ok());
  REQUIRE(SweepRun(io, "0e5c7a52-3333-4333-8333-000000000003", home.path()).ok());
  CHECK(FilesUnder(storage).size() == 5);
  // The other run's turn.
  REQUIRE(SweepRun(io, other, home.path()).ok());
  CHECK(FilesUnder(storage) == std::vector<std::string>{".a.af-" + run + "-1.tmp.keep", "a",
                                                        "a.af-" + run + "-1.tmp", "x/y/z"});
}

}  // namespace
}  // namespace af
