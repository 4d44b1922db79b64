// `assetflow daemon` through the real binary on temp homes.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "support/cli_process.h"

namespace {

using af_test::Child;
using af_test::ReadFile;
using af_test::Result;

struct Dir : af_test::TempDir {
  Dir() : af_test::TempDir("af_daemon_cli") {}
  void Manifest(const std::string& yaml) { std::ofstream(path + "/m.yaml") << yaml; }
  Child Start(const std::vector<std::string>& args, const std::string& tag) {
    std::vector<std::string> argv = {AF_ASSETFLOW, "--home", path + "/home", "--manifest",
                                     path + "/m.yaml", "--plugin-dir", AF_PLUGIN_DIR};
    argv.insert(argv.end(), args.begin(), args.end());
    return af_test::Spawn(argv, path + "/" + tag + ".out", path + "/" + tag + ".err");
  }
  Result Run(const std::vector<std::string>& args) { return af_test::WaitAtMost(Start(args, "cmd"), 60); }
};

// The environment of the children started from here (set before spawning).
struct Env {
  Env(const char* name, const char* value) : name(name) { ::setenv(name, value, 1); }
  ~Env() { ::unsetenv(name); }
  const char* name;
};

// Waits until `path` contains `text` (up to `seconds`).
bool WaitForText(const std::string& path, const std::string& text, double seconds) {
  for (int i = 0; i < seconds * 100; ++i) {
    if (ReadFile(path).find(text) != std::string::npos) return true;
    ::usleep(10000);
  }
  return false;
}

const char* kPolicies = R"(assets:
  source: { type: examples/constant, config: { value: "stories" } }
  wordcloud:
    type: examples/concat
    inputs: { stories: source }
    freshness_policy: { maximum_lag_minutes: 30, warn_after_minutes: 20 }
)";

TEST_CASE("daemon --once at a fixed instant: one tick, its runs, exit 0; status shows freshness") {
  Dir d;
  d.Manifest(kPolicies);
  Env now("ASSETFLOW_NOW", "2026-12-01T10:00:00Z");
  Result r = d.Run({"daemon", "--once"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("2026-12-01T10:00:00.000Z launch freshness wordcloud: never materialized; "
                   "refreshing source\n") != std::string::npos);
  Result status = d.Run({"status", "--freshness"});
  CHECK(status.exit_code == 0);
  CHECK(status.out == "wordcloud: PASS (30 min to spare)\n");  // to FAIL; WARN comes at 20
  {
    Env later("ASSETFLOW_NOW", "2026-12-01T10:25:00Z");
    Result json = d.Run({"--log-format", "json", "status", "--freshness"});
    CHECK(json.out ==
          R"({"asset":"wordcloud","state":"WARN","overdue_minutes":0.0,"spare_minutes":5.0,)"
          R"("lag_minutes":25.0,"evaluation_tick":"2026-12-01T10:25:00.000Z",)"
          R"("data_time":"2026-12-01T10:00:00.000Z","maximum_lag_minutes":30.0,)"
          R"("warn_after_minutes":20.0,"cron_schedule":"","reason":""})"
          "\n");
    Result table = d.Run({"status"});
    CHECK(table.out.find("FRESHNESS") != std::string::npos);
    CHECK(table.out.find("WARN (5 min to spare)") != std::string::npos);
  }
  // Nothing due at 10:05: the tick launches nothing.
  Env next("ASSETFLOW_NOW", "2026-12-01T10:05:00Z");
  Result idle = d.Run({"daemon", "--once"});
  CHECK(idle.exit_code == 0);
  CHECK(idle.err.find("launch") == std::string::npos);
}

// "2026-12-01T10:31:02.500Z launch freshness wordcloud: ..." -> minutes since 10:00.
std::vector<double> LaunchMinutes(const std::string& log) {
  std::vector<double> minutes;
  const std::string needle = " launch freshness wordcloud";
  for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) {
    const size_t start = log.rfind('\n', at) == std::string::npos ? 0 : log.rfind('\n', at) + 1;
    const std::string t = log.substr(start, at - start);  // 2026-12-01THH:MM:SS.mmmZ
    minutes.push_back((std::stoi(t.substr(11, 2)) - 10) * 60 + std::stoi(t.substr(14, 2)) +
                      std::stod(t.substr(17, 6)) / 60);
  }
  return minutes;
}

TEST_CASE("daemon under ASSETFLOW_TIME_SCALE: an hour in seconds, refreshed every ~30 minutes") {
  Dir d;
  d.Manifest(R"(assets:
  source: { type: examples/constant, config: { value: "stories" } }
  wordcloud:
    type: examples/concat
    inputs: { stories: source }
    freshness_policy: { maximum_lag_minutes: 30 }
)");
  Env now("ASSETFLOW_NOW", "2026-12-01T10:00:00Z");
  Env scale("ASSETFLOW_TIME_SCALE", "600");  // ten minutes per real second
  Child c = d.Start({"daemon", "--tick", "30"}, "daemon");
  bool three = false;
  for (int i = 0; i < 4000 && !three; ++i) {  // 40 real seconds at most (~6 expected)
    three = LaunchMinutes(ReadFile(c.err_path)).size() >= 3;
    ::usleep(10000);
  }
  ::kill(c.pid, SIGTERM);
  Result r = af_test::WaitAtMost(c, 30);
  CHECK(r.exit_code == 0);
  REQUIRE(three);
  const std::vector<double> at = LaunchMinutes(r.err);
  CHECK(at[0] < 30);  // the first tick, once plugins are loaded (< 3 real seconds)
  // Refreshed when the next tick plus the last refresh's duration would be too late, not at
  // every (half-minute) tick: 30 minutes apart less those (a real millisecond is 0.6
  // simulated seconds: a refresh slowed to 1 real second by a loaded machine is 10 minutes).
  for (size_t i = 1; i < at.size(); ++i) {
    CAPTURE(at[i]);
    CHECK(at[i] - at[i - 1] >= 20);  // (no upper bound: a stalled machine delays ticks)
  }
}

TEST_CASE("daemon: a bad ASSETFLOW_NOW or manifest stops it with exit 2") {
  Dir d;
  d.Manifest(kPolicies);
  {
    Env bad("ASSETFLOW_NOW", "yesterday");
    Result r = d.Run({"daemon", "--once"});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "error: ASSETFLOW_NOW: expected an RFC 3339 instant like "
                   "'2026-12-01T10:00:00Z', got 'yesterday'\n");
  }
  d.Manifest("schedules:\n  s: { cron: \"@daily\", select: \"key:nosuch or sourc\" }\n" +
             std::string(kPolicies));
  Result select = d.Run({"check"});
  CHECK(select.exit_code == 2);
  CHECK(select.err == d.path + "/m.yaml:2:32: error: invalid 'select' of schedule 's': unexpected "
                              "'sourc' at column 15 (did you mean 'key:sourc'?)\n");
  d.Manifest("schedules:\n  s: { cron: \"99 99 99 99 99\" }\n");
  Result r = d.Run({"daemon", "--once"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == d.path + "/m.yaml:2:15: error: invalid minute field '99': '99' is out of range "
                          "(allowed: 0-59, '*', ranges a-b, lists a,b, steps */n) in 'cron' of "
                          "schedule 's'\n");
}

const char* kNap = R"(assets:
  nap:
    type: examples/sleep
    config: { ms: MS }
    freshness_policy: { maximum_lag_minutes: 30 }
)";

std::string Nap(int ms) {
  std::string m = kNap;
  m.replace(m.find("MS"), 2, std::to_string(ms));
  return m;
}

TEST_CASE("daemon: SIGTERM during a run lets it finish within the grace, then exits 0") {
  Dir d;
  d.Manifest(Nap(1500));
  Child c = d.Start({"daemon", "--tick", "1", "--grace", "30"}, "daemon");
  REQUIRE(WaitForText(c.err_path, "launch freshness nap", 30));
  ::usleep(200 * 1000);
  ::kill(c.pid, SIGTERM);
  Result r = af_test::WaitAtMost(c, 60);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("stopping: no new runs; waiting up to 30 s for 1 run to finish") !=
        std::string::npos);
  CHECK(r.err.find("daemon stopped") != std::string::npos);
  Result runs = d.Run({"runs"});
  CHECK(runs.out.find("SUCCESS") != std::string::npos);
  CHECK(runs.out.find("CANCELED") == std::string::npos);
}

TEST_CASE("daemon: SIGTERM during a run longer than the grace cancels it, exit 0") {
  Dir d;
  d.Manifest(Nap(600000));
  Child c = d.Start({"daemon", "--tick", "1", "--grace", "0.5"}, "daemon");
  REQUIRE(WaitForText(c.err_path, "launch freshness nap", 30));
  ::usleep(200 * 1000);
  ::kill(c.pid, SIGTERM);
  Result r = af_test::WaitAtMost(c, 30);
  CHECK(r.exit_code == 0);
  CHECK(r.seconds < 10);
  CHECK(r.err.find("stopping: canceling the runs still going") != std::string::npos);
  Result runs = d.Run({"runs"});
  CHECK(runs.out.find("CANCELED") != std::string::npos);
}

TEST_CASE("daemon: a second daemon on the same home exits 2 naming the first") {
  Dir d;
  d.Manifest(Nap(10));
  Child first = d.Start({"daemon", "--tick", "1"}, "first");
  REQUIRE(WaitForText(first.err_path, "daemon started", 30));
  Result second = d.Run({"daemon", "--once"});
  CHECK(second.exit_code == 2);
  CHECK(second.err == "error: another assetflow daemon (pid " + std::to_string(first.pid) +
                          ") is running on home " + d.path + "/home (one daemon per home; " +
                          d.path + "/home/daemon.lock is locked)\n");
  ::kill(first.pid, SIGINT);
  Result r = af_test::WaitAtMost(first, 30);
  CHECK(r.exit_code == 0);
  // Once it is gone, a daemon starts again.
  Result again = d.Run({"daemon", "--once"});
  CHECK(again.exit_code == 0);
}

}  // namespace
