// `assetflow materialize / status / runs / logs / wipe` as a user runs them: the real binary,
// the real plugins, a temp home, child processes.
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <string>
#include <thread>
#include <vector>

#include "support/cli_process.h"

namespace {

namespace fs = std::filesystem;
using af_test::Child;
using af_test::Lines;
using af_test::ReadFile;
using af_test::Result;
using af_test::Wait;

struct TempDir : af_test::TempDir {
  TempDir() : af_test::TempDir("af_engine_cli") {}
};

// Starts `assetflow --home H --manifest M --plugin-dir P args...`, stdout/stderr to files.
Child Start(const std::string& dir, const std::vector<std::string>& args, const std::string& tag) {
  std::vector<std::string> argv = {AF_ASSETFLOW, "--home", dir + "/home", "--manifest",
                                   dir + "/m.yaml", "--plugin-dir", AF_PLUGIN_DIR};
  argv.insert(argv.end(), args.begin(), args.end());
  return af_test::Spawn(argv, dir + "/" + tag + ".out", dir + "/" + tag + ".err");
}

Result Run(const std::string& dir, const std::vector<std::string>& args) {
  return Wait(Start(dir, args, "cmd"));
}

void WriteManifest(const std::string& dir, const std::string& yaml) {
  std::ofstream(dir + "/m.yaml") << yaml;
}

const char* kPipeline = R"(
assets:
  a: { type: examples/constant, config: { value: "A" } }
  b: { type: examples/concat, inputs: { x: a }, config: { suffix: "!" } }
  bad: { type: examples/fail, config: { message: "broken on purpose" } }
  after_bad: { type: examples/concat, inputs: { x: bad } }
)";

}  // namespace

TEST_CASE("materialize: exit codes 0 / 1 / 2 and the per-step lines") {
  TempDir t;
  WriteManifest(t.path, kPipeline);
  Result none = Run(t.path, {"materialize"});
  CHECK(none.exit_code == 2);
  CHECK(none.err == "error: nothing selected: use --all, --select EXPR, or --missing / --stale / --failed\n");
  Result typo = Run(t.path, {"materialize", "--select", "bb"});
  CHECK(typo.exit_code == 2);
  CHECK(typo.err.find("unknown asset 'bb'") != std::string::npos);

  Result ok = Run(t.path, {"materialize", "--select", "+b", "-j", "1"});
  CHECK(ok.exit_code == 0);
  auto lines = Lines(ok.out);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].find(": run started: 2 steps, -j 1") != std::string::npos);
  CHECK(lines[1].rfind("  ok       a  (succeeded in ", 0) == 0);
  CHECK(lines[2].rfind("  ok       b  (succeeded in ", 0) == 0);
  CHECK(lines[3].find(" SUCCESS: 2 succeeded, 0 failed, 0 skipped") != std::string::npos);
  CHECK(ReadFile(t.path + "/home/storage/b") == "A\n!");

  Result failed = Run(t.path, {"materialize", "--select", "bad+"});
  CHECK(failed.exit_code == 1);
  CHECK(failed.out.find("  FAILED   bad: broken on purpose\n") != std::string::npos);
  CHECK(failed.out.find("  skipped  after_bad: skipped: upstream 'bad' failed\n") != std::string::npos);
}

TEST_CASE("materialize --dry-run prints the plan and runs nothing; status filters select") {
  TempDir t;
  WriteManifest(t.path, kPipeline);
  Result plan = Run(t.path, {"materialize", "--select", "b", "--with-upstream", "--dry-run", "-j", "3"});
  CHECK(plan.exit_code == 0);
  CHECK(plan.out ==
        "plan: 2 steps, -j 3 (dry run: nothing is run)\n"
        "  1. a  (examples/constant)\n"
        "  2. b  (examples/concat)\n");
  Result alone = Run(t.path, {"materialize", "--select", "b", "--dry-run"});
  CHECK(alone.out.find("  1. b  (examples/concat)  needs 'a', never materialized\n") != std::string::npos);
  CHECK(Run(t.path, {"runs"}).out == "RUN ID  STATUS  STARTED  DURATION  SELECTION\n");

  REQUIRE(Run(t.path, {"materialize", "--select", "a"}).exit_code == 0);
  Result missing = Run(t.path, {"materialize", "--missing", "--dry-run"});
  CHECK(missing.out ==
        "plan: 3 steps, -j " + std::to_string(std::max(1u, std::thread::hardware_concurrency())) +
            " (dry run: nothing is run)\n"
            "  1. b  (examples/concat)  loads 'a' from storage\n"
            "  2. bad  (examples/fail)\n"
            "  3. after_bad  (examples/concat)\n");
  REQUIRE(Run(t.path, {"materialize", "--select", "bad"}).exit_code == 1);
  Result failed = Run(t.path, {"materialize", "--failed", "--dry-run"});
  CHECK(Lines(failed.out).size() == 2);
  CHECK(Lines(failed.out)[1] == "  1. bad  (examples/fail)");
  Result missing_b = Run(t.path, {"materialize", "--missing", "--select", "b,a", "--dry-run"});
  CHECK(Lines(missing_b.out).size() == 2);
  CHECK(Lines(missing_b.out)[1] == "  1. b  (examples/concat)  loads 'a' from storage");
}

TEST_CASE("materialize --log-format json: one JSON event per line; logs and status agree") {
  TempDir t;
  WriteManifest(t.path, kPipeline);
  Result r = Run(t.path, {"--log-format", "json", "materialize", "--select", "+b", "-j", "1"});
  CHECK(r.exit_code == 0);
  std::vector<std::string> types;
  std::string run_id;
  for (const std::string& line : Lines(r.out)) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    REQUIRE_FALSE(d.HasParseError());
    types.push_back(std::string(d["type"].GetString()) + " " + d["asset"].GetString());
    run_id = d["run_id"].GetString();
    CHECK(d["data"].IsObject());
  }
  CHECK(types == std::vector<std::string>{"RUN_STARTED ", "STEP_STARTED a", "MATERIALIZATION a",
                                          "STEP_SUCCESS a", "STEP_STARTED b", "MATERIALIZATION b",
                                          "STEP_SUCCESS b", "RUN_SUCCESS "});
  Result logs = Run(t.path, {"--log-format", "json", "logs", run_id.substr(0, 8)});
  CHECK(logs.exit_code == 0);
  CHECK(logs.out == r.out);  // the stored events are the ones printed live

  Result status = Run(t.path, {"status", "b"});
  CHECK(status.exit_code == 0);
  CHECK(status.out.rfind("asset:   b\nstatus:  FRESH\nlast materialization:\n  run:          " + run_id, 0) == 0);
  CHECK(status.out.find("    bytes (int): 3\n") != std::string::npos);

  // Changing a's config makes a STALE, and re-materializing a makes b STALE with the cause.
  WriteManifest(t.path, std::string(kPipeline).replace(std::string(kPipeline).find("\"A\""), 3, "\"Z\""));
  CHECK(Run(t.path, {"status", "a"}).out.find("status:  STALE\n  - config changed: key 'value' \"A\" -> \"Z\"\n") != std::string::npos);
  // --stale runs what is stale and what depends on it, in one run.
  Result stale_plan = Run(t.path, {"materialize", "--stale", "--dry-run"});
  CHECK(stale_plan.exit_code == 0);
  CHECK(stale_plan.out.find("  1. a  (examples/constant)\n  2. b  (examples/concat)\n") != std::string::npos);
  REQUIRE(Run(t.path, {"materialize", "--select", "a"}).exit_code == 0);
  Result stale_b = Run(t.path, {"status", "b"});
  CHECK(stale_b.out.find("status:  STALE\n  - upstream 'a' has a new data version") != std::string::npos);

  Result json = Run(t.path, {"--log-format", "json", "status", "b"});
  rapidjson::Document d;
  d.Parse(json.out.c_str());
  REQUIRE_FALSE(d.HasParseError());
  CHECK(std::string(d["status"].GetString()) == "STALE");
  CHECK(std::string(d["causes"][0].GetString()).rfind("upstream 'a' has a new data version", 0) == 0);
  CHECK(d["last_materialization"]["metadata"].IsArray());
  CHECK(d["last_attempt"].IsObject());

  Result wipe = Run(t.path, {"wipe", "b"});
  CHECK(wipe.exit_code == 0);
  CHECK(wipe.out == "wiped b\n");
  CHECK_FALSE(fs::exists(t.path + "/home/storage/b"));
  CHECK(Run(t.path, {"status", "b"}).out.rfind("asset:   b\nstatus:  MISSING\n", 0) == 0);
}

TEST_CASE("status --why: root causes as text and JSON; a removed input makes the asset STALE") {
  TempDir t;
  WriteManifest(t.path, kPipeline);
  REQUIRE(Run(t.path, {"materialize", "--select", "+b"}).exit_code == 0);
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string out;
    std::string err;
  };
  const std::string edited = std::string(kPipeline).replace(std::string(kPipeline).find("\"A\""), 3, "\"Z\"");
  WriteManifest(t.path, edited);
  const Case cases[] = {
      {{"status", "--why", "b"}, 0,
       "b: FRESH\n  b <- a: config changed: key 'value' \"A\" -> \"Z\"\n", ""},
      {{"status", "--why", "a"}, 0, "a: STALE\n  a: config changed: key 'value' \"A\" -> \"Z\"\n", ""},
      {{"--log-format", "json", "status", "--why", "b"}, 0,
       R"({"asset":"b","status":"FRESH","root_causes":[{"path":["b","a"],"asset":"a",)"
       R"("kind":"config","cause":"config changed: key 'value' \"A\" -> \"Z\""}]})" "\n",
       ""},
      {{"status", "--why", "after_bad"}, 0, "after_bad: MISSING\nnothing stale here or upstream\n", ""},
      {{"status", "--why"}, 2, "", "error: status --why needs an asset: assetflow status --why ASSET\n"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.args.back());
    Result r = Run(t.path, c.args);
    CHECK(r.exit_code == c.exit_code);
    CHECK(r.out == c.out);
    CHECK(r.err == c.err);
  }
  Result unknown = Run(t.path, {"status", "--why", "nope"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.rfind("error: unknown asset 'nope'", 0) == 0);

  // b no longer reads a: Dagster's "removed dependency".
  WriteManifest(t.path, std::string(kPipeline).replace(std::string(kPipeline).find("inputs: { x: a }, "), 18, ""));
  CHECK(Run(t.path, {"status", "b"}).out.rfind("asset:   b\nstatus:  STALE\n  - removed dependency on 'a'\n", 0) == 0);
}

TEST_CASE("Ctrl-C: the run ends CANCELED, exit 130, the stored version is intact") {
  TempDir t;
  WriteManifest(t.path, "assets:\n  slow: { type: examples/sleep, config: { ms: 0 } }\n");
  REQUIRE(Run(t.path, {"materialize", "--all"}).exit_code == 0);
  const std::string before = ReadFile(t.path + "/home/storage/slow");
  WriteManifest(t.path, "assets:\n  slow: { type: examples/sleep, config: { ms: 600000 } }\n");
  Child c = Start(t.path, {"--log-format", "json", "materialize", "--all"}, "sigint");
  // Wait (without a time limit on the assertion) until the step has started, then interrupt.
  while (ReadFile(c.out_path).find("STEP_STARTED") == std::string::npos) usleep(10000);
  kill(c.pid, SIGINT);
  Result r = Wait(c);
  CHECK(r.exit_code == 130);
  CHECK(r.out.find("\"type\":\"RUN_CANCELED\"") != std::string::npos);
  CHECK(r.err.find("canceling") != std::string::npos);
  CHECK(ReadFile(t.path + "/home/storage/slow") == before);
  CHECK(Run(t.path, {"runs", "-n", "1"}).out.find("CANCELED") != std::string::npos);
}

TEST_CASE("two processes on one home: both succeed or the second says Busy; never 'locked'") {
  TempDir t;
  std::string yaml = "assets:\n";
  for (int i = 0; i < 6; ++i)
    yaml += "  s" + std::to_string(i) + ": { type: examples/sleep, config: { ms: 200 } }\n";
  WriteManifest(t.path, yaml);
  for (const char* wait : {"0", "60"}) {
    Child first = Start(t.path, {"materialize", "--all", "-j", "2", "--wait", wait}, "p1");
    Child second = Start(t.path, {"materialize", "--all", "-j", "2", "--wait", wait}, "p2");
    Result r1 = Wait(first), r2 = Wait(second);
    for (const Result* r : {&r1, &r2}) {
      CHECK(r->err.find("locked") == std::string::npos);
      if (r->exit_code != 0) {
        CHECK(r->exit_code == 1);
        CHECK(r->err.find("is being materialized by run") != std::string::npos);
      }
    }
    CHECK((r1.exit_code == 0 || r2.exit_code == 0));
    if (std::string(wait) == "60") {  // waiting for the claim: both run, one after the other
      CHECK(r1.exit_code == 0);
      CHECK(r2.exit_code == 0);
    }
  }
  Result status = Run(t.path, {"status"});
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("MISSING") == std::string::npos);
  CHECK(status.out.find("FAILED") == std::string::npos);
  for (const std::string& line : Lines(Run(t.path, {"runs"}).out))
    CHECK((line.find("SUCCESS") != std::string::npos || line.rfind("RUN ID", 0) == 0));
}
