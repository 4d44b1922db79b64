// kill -9 at random moments, of the host during `materialize --all` and of a step's worker
// process: after each, the next command recovers, no run stays STARTED, every stored file is
// exactly the data version its latest record names (or there is neither), no temp file is
// left, and `materialize --missing --failed` completes everything. The host is killed while it
// runs the Hacker News pipeline (hackernews/top_stories from a local hn-replay, the wordcloud
// PNG, the markdown report through fs_io/file_writer) next to a chain of no-op assets. The seed
// is printed; AF_KILL9_SEED=N replays a sequence.
#include <random>

#include "hackernews/replay_server.h"
#include "isolation.h"

using namespace af_test;

namespace {

constexpr int kChain = 30;
constexpr int kHnAssets = 3;
const std::string kReport = "hackernews_wordcloud";  // stored by file_writer, not in storage/

std::string Key(int i) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "b%02d", i);
  return buf;
}

// A chain b00 -> b01 -> ... -> b29 whose bytes change every round: b00's size, each suffix.
std::string ChainManifest(int round, const std::string& extra) {
  std::string yaml = "assets:\n  b00: { type: examples/bytes, config: { size: " +
                     std::to_string(1000000 + 997 * round) + ", chunk: 4096 }" + extra + " }\n";
  for (int i = 1; i < kChain; ++i)
    yaml += "  " + Key(i) + ": { type: examples/concat, inputs: { x: " + Key(i - 1) +
            " }, config: { suffix: \"r" + std::to_string(round) + "-" + Key(i) + "\" }" + extra + " }\n";
  return yaml;
}

// The HN pipeline against `base_url`, its report written to `report`; the number of stories
// (so every asset's bytes) changes with the round.
std::string HnManifest(int round, const std::string& base_url, const std::string& report) {
  return "resources:\n  hn_io_manager: { type: fs_io/file_writer, config: { path: \"" + report +
         "\" } }\n" + ChainManifest(round, "") +
         "  hackernews_source_data: { type: hackernews/top_stories, config: { base_url: \"" +
         base_url + "\", count: " + std::to_string(40 + round % 11) + ", concurrency: 8 } }\n"
         "  hackernews_wordcloud_png: { type: wordcloud/wordcloud_png, inputs: { stories: "
         "hackernews_source_data }, config: { width: 240, height: 240 } }\n"
         "  " + kReport + ": { type: wordcloud/markdown_report, inputs: { image: "
         "hackernews_wordcloud_png }, io_manager: hn_io_manager }\n";
}

// Where each asset's bytes are, and how many assets there are.
struct Layout {
  size_t assets = kChain;
  std::string report;  // set: kReport's file (its directory is checked for temp files too)
  std::string PathOf(const Home& h, const std::string& key) const {
    return !report.empty() && key == kReport ? report : h.storage() + "/" + key;
  }
};

unsigned Seed() {
  const char* env = std::getenv("AF_KILL9_SEED");
  const unsigned seed = env ? static_cast<unsigned>(std::strtoul(env, nullptr, 10)) : std::random_device{}();
  MESSAGE("kill -9 seed: " << seed << " (replay with AF_KILL9_SEED=" << seed << ")");
  return seed;
}

// No run STARTED; each asset's file matches its latest record, or neither exists; no temp
// files. Returns whether all held (each failure is reported with `round`).
bool Consistent(Home& h, int round, const Layout& layout = {}) {
  CAPTURE(round);
  bool ok = true;
  Result runs = h.Run({"runs", "-n", "0"});
  ok &= runs.exit_code == 0;
  CHECK(runs.exit_code == 0);
  for (const std::string& line : Lines(runs.out)) {
    if (line.rfind("RUN ID", 0) == 0) continue;  // the header
    CAPTURE(line);
    std::stringstream columns(line);
    std::string run_id, status;
    columns >> run_id >> status;
    const bool started = status == "STARTED" || line.find("running") != std::string::npos;
    ok &= !started;
    CHECK_FALSE(started);
  }
  StatusSnapshot s = Status(h);
  ok &= s.exit_code == 0 && s.data_version.size() == layout.assets;
  CHECK(s.exit_code == 0);
  CHECK(s.data_version.size() == layout.assets);
  for (const auto& [key, version] : s.data_version) {
    CAPTURE(key);
    const std::string path = layout.PathOf(h, key);
    const bool matches = version.empty() ? !fs::exists(path)
                                         : fs::exists(path) && Sha256Hex(ReadFile(path)) == version;
    ok &= matches;
    CHECK(matches);
  }
  const auto tmp = TmpFilesUnder(h.storage());
  ok &= tmp.empty();
  CHECK(tmp.empty());
  if (!layout.report.empty()) {
    const auto report_tmp = TmpFilesUnder(fs::path(layout.report).parent_path().string());
    ok &= report_tmp.empty();
    CHECK(report_tmp.empty());
  }
  return ok;
}

// After recovery, --missing --failed finishes the job: exit 0, nothing MISSING or FAILED.
bool Completes(Home& h, int round) {
  CAPTURE(round);
  Result r = h.Run({"materialize", "--missing", "--failed", "-j", "2"}, 120);
  CHECK_MESSAGE(r.exit_code == 0, "stdout:\n" << r.out << "\nstderr:\n" << r.err);
  StatusSnapshot s = Status(h);
  bool ok = r.exit_code == 0;
  for (const auto& [key, state] : s.state) {
    CAPTURE(key);
    ok &= state != "MISSING" && state != "FAILED";
    CHECK(state != "MISSING");
    CHECK(state != "FAILED");
  }
  return ok;
}

}  // namespace

TEST_CASE("kill -9 of the host at random moments: recovery leaves storage and records agreeing") {
  std::mt19937 rng(Seed());
  hn_test::ReplayServer server("hn-2022-03-29");
  Home h;
  Layout layout{kChain + kHnAssets, h.dir.path + "/report/hn.md"};
  auto manifest = [&](int round) { h.Manifest(HnManifest(round, server.base_url(), layout.report)); };
  manifest(0);
  Result first = h.Run({"materialize", "--all", "-j", "2"});
  REQUIRE_MESSAGE(first.exit_code == 0, "stdout:\n" << first.out << "\nstderr:\n" << first.err);
  REQUIRE(Consistent(h, 0, layout));
  // The pipeline really ran: the stories came from the replay server, the report is there.
  CHECK(server.stat("requests") >= 41);
  CHECK(Status(h).state.size() == kChain + kHnAssets);
  CHECK(ReadFile(layout.report).find("data:image/png;base64,") != std::string::npos);
  // Kill moments spread over a whole run, start-up included.
  const auto start = std::chrono::steady_clock::now();
  const StatusSnapshot round0 = Status(h);
  manifest(1);
  REQUIRE(h.Run({"materialize", "--all", "-j", "2"}).exit_code == 0);
  const StatusSnapshot round1 = Status(h);
  // Every round changes the HN assets' bytes (the story count), so a stale file is detectable.
  for (const std::string key : {"hackernews_source_data", "hackernews_wordcloud_png", kReport.c_str()}) {
    CAPTURE(key);
    CHECK(round0.data_version.at(key).size() == 64);
    CHECK(round1.data_version.at(key).size() == 64);
    CHECK(round0.data_version.at(key) != round1.data_version.at(key));
  }
  std::string report_before = round1.data_version.at(kReport);
  const int run_us = static_cast<int>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
  MESSAGE("one run takes " << run_us / 1000 << " ms");
  std::uniform_int_distribution<int> moment_us(0, run_us + run_us / 5);
  int hn_interrupted = 0;
  for (int round = 2; round < 52; ++round) {
    manifest(round);
    Child c = h.Start({"materialize", "--all", "-j", "2"});
    ::usleep(static_cast<useconds_t>(moment_us(rng)));
    ::kill(c.pid, SIGKILL);
    WaitAtMost(c, 30);
    // The kill cut this round's HN pipeline short when no new report was recorded.
    hn_interrupted += Status(h).data_version[kReport] == report_before;
    if (!Consistent(h, round, layout) || !Completes(h, round) || !Consistent(h, round, layout)) break;
    report_before = Status(h).data_version[kReport];
  }
  MESSAGE(hn_interrupted << " of 50 kills landed before the round's HN report was recorded");
  // Kill moments span the whole run, so most land before the report (the last HN step).
  CHECK(hn_interrupted >= 10);
}

TEST_CASE("kill -9 of a worker: the run still ends, the step fails or retries, records agree") {
  std::mt19937 rng(Seed());
  Home h;
  std::uniform_int_distribution<int> delay_us(0, 20000);
  int kills = 0, reported = 0;
  const std::string retry = ", retry_policy: { max_retries: 1 }";
  for (int round = 0; round < 15; ++round) {
    CAPTURE(round);
    h.Manifest(ChainManifest(round, retry));
    Child c = h.Start({"--log-format", "json", "materialize", "--all", "-j", "2", "--executor", "multiprocess"});
    if (!AwaitWorkers(c.pid, 10).empty()) {
      ::usleep(static_cast<useconds_t>(delay_us(rng)));
      // Whichever workers are alive now; one that has just ended does not count as a kill.
      const std::vector<pid_t> workers = AwaitWorkers(c.pid, 1);
      if (!workers.empty()) {
        const pid_t victim = workers[rng() % workers.size()];
        kills += !Gone(victim) && ::kill(victim, SIGKILL) == 0;
      }
    }
    Result r = WaitAtMost(c, 120);
    CHECK_FALSE(r.timed_out);
    CHECK((r.exit_code == 0 || r.exit_code == 1));
    const auto events = Events(r.out);
    const bool ended = Find(events, "RUN_SUCCESS", "") || Find(events, "RUN_FAILED", "");
    CHECK_MESSAGE(ended, "stdout:\n" << r.out << "\nstderr:\n" << r.err);
    // The killed step's attempt is reported as what it was: the worker died by SIGKILL.
    bool named = false;
    for (const Event& e : events)
      named |= (e.type == "STEP_RETRY" || e.type == "STEP_FAILED") && e.message.find("SIGKILL") != std::string::npos;
    reported += named;
    if (!ended || !Consistent(h, round) || !Completes(h, round)) break;
  }
  CHECK(kills >= 10);
  CHECK(reported >= 1);  // at least one kill lands mid-step (most do; a race may miss some)
}

TEST_CASE("kill -9 of the host: its workers die with it, nothing runs on behind the recovery") {
  Home h;
  h.Manifest("assets:\n"
             "  nap0: { type: examples/sleep, config: { ms: 600000 }, isolation: process }\n"
             "  nap1: { type: examples/sleep, config: { ms: 600000 }, isolation: process }\n");
  Child c = h.Start({"materialize", "--all", "-j", "2"});
  std::vector<pid_t> workers = AwaitWorkers(c.pid, 30);
  for (int i = 0; i < 3000 && workers.size() < 2; ++i) workers = AwaitWorkers(c.pid, 0.01);
  REQUIRE(workers.size() == 2);
  ::kill(c.pid, SIGKILL);
  WaitAtMost(c, 30);
  // They were sleeping for ten minutes: only their host's death can end them this soon.
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((!Gone(workers[0]) || !Gone(workers[1])) && std::chrono::steady_clock::now() < end)
    ::usleep(10000);
  CHECK(Gone(workers[0]));
  CHECK(Gone(workers[1]));
  // The next start records the interrupted run as what it was.
  Result runs = h.Run({"runs", "-n", "1"});
  CHECK(runs.exit_code == 0);
  CHECK(runs.out.find("FAILED") != std::string::npos);
}
