// The daemon driven tick by tick on a ManualClock: hours of simulated time in well under a
// second each, with the real engine, the example plugins, a real alert command and a real
// HTTP server receiving the webhook.
#include "daemon/daemon.h"

#include <doctest/doctest.h>
#include <httplib.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "daemon/alerts.h"
#include "eventlog/test_util.h"
#include "freshness/freshness.h"

namespace af {
namespace {

namespace fs = std::filesystem;

int64_t At(const char* rfc3339) { return ParseRfc3339(rfc3339).value(); }
constexpr int64_t kMinute = 60000;

// Receives webhook POSTs on 127.0.0.1 at a port the OS picks.
class WebhookServer {
 public:
  WebhookServer() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      if (fail_next_ > 0) {
        --fail_next_;
        res.status = 503;
        return;
      }
      bodies_.push_back(req.body);
      content_types_.push_back(req.get_header_value("Content-Type"));
      res.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~WebhookServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }
  std::vector<std::string> content_types() {
    std::lock_guard<std::mutex> lock(mu_);
    return content_types_;
  }
  void FailNext(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_ = n;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> bodies_, content_types_;
  int fail_next_ = 0;
};

struct Fixture {
  TempHome dir;
  std::string manifest = dir.path() + "/m.yaml";
  std::string plugins = AF_PLUGIN_DIR;
  std::string home = dir.path() + "/home";
  std::string alerts_file = dir.path() + "/alerts.jsonl";
  ManualClock clock{At("2026-12-01T10:00:00Z")};
  const int64_t t0 = clock.NowMs();
  std::mutex mu;
  std::vector<std::string> lines;
  std::unique_ptr<Daemon> daemon;

  void Write(const std::string& text) {
    std::ofstream(manifest, std::ios::trunc) << text;
  }
  DaemonOptions Options() {
    DaemonOptions o;
    o.workspace.manifests = {manifest};
    o.workspace.plugin_dirs = {plugins};
    o.workspace.home = home;
    o.tick_s = 30;
    o.grace_s = 5;
    o.parallelism = 2;
    o.clock = &clock;
    o.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu);
      lines.push_back(line);
    };
    return o;
  }
  void Start() {
    Diagnostics diagnostics;
    auto d = Daemon::Start(Options(), &diagnostics);
    REQUIRE_MESSAGE(d.ok(), d.status().message());
    daemon = std::move(*d);
  }
  // One tick at the clock's time, its runs finished and its alerts delivered.
  void Tick() {
    daemon->Tick();
    daemon->WaitIdle();
  }
  double Minutes() { return static_cast<double>(clock.NowMs() - t0) / kMinute; }
  std::vector<double> MaterializedAt(const std::string& asset) {
    // Event times are the clock's (the executor's).
    std::vector<double> minutes;
    auto all = daemon->event_log().EventsOfType("MATERIALIZATION");
    for (const EventRecord& e : all)
      if (e.asset_key == asset) minutes.push_back(static_cast<double>(e.time_ms - t0) / kMinute);
    return minutes;
  }
  std::string Log() {
    std::lock_guard<std::mutex> lock(mu);
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    return all;
  }
};

std::string SeedManifest(const std::string& source_type, const std::string& alerts) {
  return "assets:\n"
         "  source: { type: " + source_type + " }\n"
         "  wordcloud:\n"
         "    type: examples/concat\n"
         "    inputs: { stories: source }\n"
         "    freshness_policy: { maximum_lag_minutes: 30 }\n" + alerts;
}
const char* kWorking = "examples/constant, config: { value: \"top stories\" }";
const char* kFailing = "examples/fail";

// (kind, state) of each alert, from JSON lines.
std::vector<std::string> Kinds(const std::vector<std::string>& jsons) {
  std::vector<std::string> out;
  for (const std::string& j : jsons) {
    rapidjson::Document d;
    d.Parse(j.c_str(), j.size());
    REQUIRE_FALSE(d.HasParseError());
    out.push_back(std::string(d["kind"].GetString()) + " " + d["state"].GetString() + " " +
                  d["asset"].GetString());
  }
  return out;
}

std::vector<std::string> FileLines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST_CASE("daemon: the seed's policy over three hours, source working: never overdue, refreshed "
          "only when needed") {
  Fixture f;
  WebhookServer hook;
  f.Write(SeedManifest(kWorking, "alerts: { command: \"cat >> " + f.alerts_file +
                                     "\", webhook: \"" + hook.url() + "\" }\n"));
  f.Start();
  std::vector<std::string> states;
  for (int tick = 0; tick <= 360; ++tick) {  // every 30 s, 10:00 to 13:00 included
    f.Tick();
    auto all = EvaluateFreshness(f.daemon->workspace().graph(), f.daemon->event_log(),
                                 f.clock.NowMs());
    REQUIRE(all.size() == 1);
    states.push_back(FreshnessStateName(all[0].evaluation.state));
    CHECK(all[0].evaluation.state == FreshnessState::kPass);
    f.clock.Advance(30);
  }
  // The source is re-fetched when the wordcloud would otherwise be overdue by the next tick:
  // every 30 minutes. Its bytes do not change, so the wordcloud is rendered once.
  CHECK(f.MaterializedAt("source") == std::vector<double>{0, 30, 60, 90, 120, 150, 180});
  CHECK(f.MaterializedAt("wordcloud") == std::vector<double>{0});
  auto changes = f.daemon->event_log().EventsOfType(kFreshnessEvent);
  REQUIRE(changes.size() == 1);  // UNKNOWN -> PASS at the second tick; never anything else
  CHECK(changes[0].message == "PASS (29.5 min to spare)");
  CHECK(hook.bodies().empty());
  CHECK_FALSE(fs::exists(f.alerts_file));
}

TEST_CASE("daemon: the source failing: one FAIL alert per episode through both sinks, a "
          "recovery alert, retries with backoff") {
  Fixture f;
  WebhookServer hook;
  const std::string alerts = "alerts:\n  command: \"cat >> " + f.alerts_file +
                             "\"\n  webhook: { url: \"" + hook.url() + "\", retries: 2 }\n";
  f.Write(SeedManifest(kWorking, alerts));
  f.Start();
  hook.FailNext(1);  // the first delivery is retried
  for (int tick = 0; tick <= 360; ++tick) {
    const double minute = f.Minutes();
    if (minute == 10 || minute == 125) f.Write(SeedManifest(kFailing, alerts));
    if (minute == 90 || minute == 160) f.Write(SeedManifest(kWorking, alerts));
    f.Tick();
    f.clock.Advance(30);
  }
  const std::vector<std::string> expected = {
      "run_failed  wordcloud",  // 10:30: the refresh fails
      "freshness FAIL wordcloud",  // 10:30:30: 0.5 min overdue
      "recovered PASS wordcloud",  // 11:31, after the refresh at 11:30:30 (backoff)
      "run_failed  wordcloud",  // 12:30:30
      "freshness FAIL wordcloud",
      "recovered PASS wordcloud",
  };
  CHECK(Kinds(FileLines(f.alerts_file)) == expected);
  CHECK(Kinds(hook.bodies()) == expected);
  for (const std::string& type : hook.content_types()) CHECK(type == "application/json");
  // Refreshes attempted with backoff (30 s doubling to 15 min), not every tick: 8 failed
  // attempts in the first episode (10:30:00 .. 11:15:30), 5 in the second.
  const std::string log = f.Log();
  CHECK(log.find("freshness wordcloud: failed (source: failed on purpose); next attempt in 30 s") !=
        std::string::npos);
  CHECK(log.find("next attempt in 900 s") != std::string::npos);
  CHECK(f.daemon->stats().failed_jobs == 13);
  CHECK(f.MaterializedAt("source") == std::vector<double>{0, 90.5, 120.5, 166});
  auto changes = f.daemon->event_log().EventsOfType(kFreshnessEvent);
  std::vector<std::string> messages;
  for (const auto& c : changes) messages.push_back(c.message);
  CHECK(messages == std::vector<std::string>{"PASS (29.5 min to spare)", "FAIL (0.5 min overdue)",
                                             "PASS (29.5 min to spare)", "FAIL (0.5 min overdue)",
                                             "PASS (29.5 min to spare)"});
}

TEST_CASE("daemon: with warn_after_minutes it refreshes before WARN; failing, it alerts WARN, "
          "then FAIL, once each") {
  Fixture f;
  auto manifest = [&](const char* source) {
    return "assets:\n  source: { type: " + std::string(source) + " }\n"
           "  wordcloud:\n    type: examples/concat\n    inputs: { stories: source }\n"
           "    freshness_policy: { maximum_lag_minutes: 30, warn_after_minutes: 20 }\n"
           "alerts: { command: \"cat >> " + f.alerts_file + "\" }\n";
  };
  f.Write(manifest(kWorking));
  f.Start();
  for (int tick = 0; tick <= 180; ++tick) {  // an hour and a half
    if (f.Minutes() == 45) f.Write(manifest(kFailing));
    f.Tick();
    f.clock.Advance(30);
  }
  // Refreshed every 20 minutes while it works; failing from 10:45, the refresh due at 11:00
  // fails, WARN at 11:00:30, FAIL at 11:10:30.
  CHECK(f.MaterializedAt("source") == std::vector<double>{0, 20, 40});
  CHECK(f.Log().find("10:20:00.000Z launch freshness wordcloud: would be WARN at the next tick; "
                     "refreshing source") != std::string::npos);
  CHECK(Kinds(FileLines(f.alerts_file)) ==
        std::vector<std::string>{"run_failed  wordcloud", "freshness WARN wordcloud",
                                 "freshness FAIL wordcloud"});
}

TEST_CASE("daemon: a schedule waits while a refresh runs its assets: never two runs of an "
          "asset at once") {
  Fixture f;
  f.Write("schedules:\n  every5: { cron: \"*/5 * * * *\", select: \"nap\" }\n"
          "assets:\n  nap:\n    type: examples/sleep\n    config: { ms: 300 }\n"
          "    freshness_policy: { maximum_lag_minutes: 30 }\n");
  f.Start();
  f.daemon->Tick();  // the refresh starts (never materialized) and takes 300 ms of real time
  f.clock.Advance(5 * 60);
  f.daemon->Tick();  // 10:05: the schedule's asset is running
  CHECK(f.Log().find("schedule every5: its assets are still running; it runs when they are "
                     "done") != std::string::npos);
  f.daemon->WaitIdle();
  f.Tick();  // now it runs, once
  CHECK(f.MaterializedAt("nap") == std::vector<double>{5, 5});
  // Each run's step ended before the next one's started.
  auto starts = f.daemon->event_log().EventsOfType("STEP_STARTED");
  auto ends = f.daemon->event_log().EventsOfType("STEP_SUCCESS");
  REQUIRE(starts.size() == 2);
  REQUIRE(ends.size() == 2);
  CHECK(ends[0].id < starts[1].id);
  CHECK(ends[0].run_id == starts[0].run_id);
}

TEST_CASE("daemon: hot reload of a manifest (invalid: the last good keeps running) and of a "
          "plugin dropped into the directory") {
  Fixture f;
  TempHome plugin_dir;
  f.plugins = plugin_dir.path();
  for (const char* so : {"examples.so", "fs_io.so"})
    fs::copy_file(std::string(AF_PLUGIN_DIR) + "/" + so, plugin_dir.path() + "/" + so);
  f.Write("assets:\n  a: { type: examples/constant, freshness_policy: { maximum_lag_minutes: 30 } }\n");
  f.Start();
  f.Tick();
  CHECK(f.MaterializedAt("a") == std::vector<double>{0});

  f.Write("assets:\n  a: { tpye: examples/constant, freshness_policy: { maximum_lag_minutes: 30 } }\n");
  f.clock.Advance(30 * 60);
  f.Tick();
  CHECK(f.daemon->stats().reload_errors == 1);
  CHECK(f.Log().find("reload failed; keeping the last good definitions (1 asset)\n") !=
        std::string::npos);
  CHECK(f.Log().find(f.manifest + ":2:8: error: unknown key 'tpye' in asset 'a' (did you mean "
                                  "'type'?)") != std::string::npos);
  CHECK(f.MaterializedAt("a") == std::vector<double>{0, 30});  // still refreshed
  f.Tick();  // the same broken text is reported once
  CHECK(f.daemon->stats().reload_errors == 1);

  // A new asset of a plugin that is not there yet: reported; then the plugin is dropped in.
  f.Write("assets:\n  a: { type: examples/constant, freshness_policy: { maximum_lag_minutes: 30 } }\n"
          "  c: { type: c_example/hello, freshness_policy: { maximum_lag_minutes: 60 } }\n");
  f.clock.Advance(30);
  f.Tick();
  CHECK(f.daemon->stats().reload_errors == 2);
  CHECK(f.daemon->workspace().definitions().assets.size() == 1);
  fs::copy_file(std::string(AF_PLUGIN_DIR) + "/c_example.so", plugin_dir.path() + "/c_example.so");
  f.clock.Advance(30);
  f.Tick();
  CHECK(f.daemon->stats().reloads == 1);
  CHECK(f.daemon->workspace().definitions().assets.size() == 2);
  CHECK(f.MaterializedAt("c") == std::vector<double>{31});
  CHECK(f.Log().find("reloaded: 2 assets, 0 schedules, 3 plugins") != std::string::npos);
}

TEST_CASE("daemon: schedules run at their ticks, and once after downtime however many were "
          "missed") {
  Fixture f;
  f.Write("schedules:\n"
          "  every10: { cron: \"*/10 * * * *\", select: \"s\" }\n"
          "assets:\n  s: { type: examples/constant }\n  other: { type: examples/constant }\n");
  f.Start();
  for (int tick = 0; tick <= 120; ++tick) {  // 10:00 .. 11:00
    f.Tick();
    f.clock.Advance(30);
  }
  // Not at 10:00 (the daemon starts after it: no backfill), then at 10:10 ... 11:00.
  CHECK(f.MaterializedAt("s") == std::vector<double>{10, 20, 30, 40, 50, 60});
  CHECK(f.MaterializedAt("other").empty());
  // Down for 45 minutes: a new daemon on the same home catches up with one run.
  f.daemon.reset();
  f.clock.Set(f.t0 + 105 * kMinute + 5000);
  f.Start();
  f.Tick();
  f.Tick();
  CHECK(f.MaterializedAt("s") ==
        std::vector<double>{10, 20, 30, 40, 50, 60, 105 + 5.0 / 60});
  CHECK(f.Log().find("(4 ticks since the last run: one run)") != std::string::npos);
  auto ticks = f.daemon->event_log().EventsOfType(kScheduleTickEvent);
  REQUIRE(ticks.size() == 7);
  CHECK(ticks.back().data_json ==
        R"({"tick":"2026-12-01T11:40:00.000Z","tick_ms":1796125200000,"missed":4})");
}

TEST_CASE("daemon: one per home") {
  Fixture f;
  f.Write("assets:\n  a: { type: examples/constant }\n");
  f.Start();
  Diagnostics diagnostics;
  auto second = Daemon::Start(f.Options(), &diagnostics);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Status::Code::kBusy);
  CHECK(second.status().message() ==
        "another assetflow daemon (pid " + std::to_string(::getpid()) + ") is running on home " +
            f.home + " (one daemon per home; " + f.home + "/daemon.lock is locked)");
  f.daemon.reset();
  auto third = Daemon::Start(f.Options(), &diagnostics);
  CHECK(third.ok());
}

TEST_CASE("daemon alerts: webhook URLs are shown without their path; a failing sink is "
          "reported, not fatal") {
  CHECK(RedactedUrl("https://user:token@hooks.example.com:8443/services/T0/B1?x=secret") ==
        "https://hooks.example.com:8443");
  CHECK(RunAlertCommand("exit 3", "{}", 5).message() == "the alert command exited with status 3");
  auto refused = PostWebhook("http://127.0.0.1:1/hook?token=s3cret", "{}", 2);
  CHECK_FALSE(refused.ok());
  CHECK(refused.message().find("s3cret") == std::string::npos);
  CHECK(refused.message().rfind("webhook http://127.0.0.1:1: ", 0) == 0);
}

}  // namespace
}  // namespace af
