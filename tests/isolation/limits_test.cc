// Limits of an isolated step: a wall-clock `timeout`, a memory cap `max_rss_mb`, and retries
// of a step whose process crashed.
#include "isolation.h"

using namespace af_test;

TEST_CASE("timeout: 1s kills an isolated step that ignores cancellation") {
  Home h;
  h.Manifest("assets:\n"
             "  stuck: { type: hostile/hang, isolation: process, timeout: 1s }\n"
             "  ok: { type: examples/constant, config: { value: \"fine\" } }\n");
  Result r = h.Run({"--log-format", "json", "materialize", "--all", "-j", "2"}, 30);
  CHECK_FALSE(r.timed_out);
  CHECK(r.seconds < 5.0);
  CHECK(r.exit_code == 1);
  const auto failed = Find(Events(r.out), "STEP_FAILED", "stuck");
  REQUIRE_MESSAGE(failed.has_value(), "stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(failed->message.find("timeout") != std::string::npos);
  CHECK(Find(Events(r.out), "STEP_SUCCESS", "ok").has_value());
  CHECK(Latest(h).status == "FAILED");
}

TEST_CASE("max_rss_mb: 64 stops a step that touches 512 MiB") {
  Home h;
  h.Manifest("assets:\n"
             "  greedy: { type: hostile/hog, config: { mb: 512 }, isolation: process, max_rss_mb: 64 }\n");
  Result r = h.Run({"--log-format", "json", "materialize", "--all"}, 60);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 1);
  const auto failed = Find(Events(r.out), "STEP_FAILED", "greedy");
  REQUIRE_MESSAGE(failed.has_value(), "stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(failed->message.find("max_rss_mb") != std::string::npos);
  CHECK_FALSE(fs::exists(h.storage() + "/greedy"));
}

TEST_CASE("retry_policy retries an isolated step whose process crashed, until it succeeds") {
  Home h;
  h.Manifest("assets:\n"
             "  flaky: { type: hostile/crash_until, config: { succeed_on: 3 }, isolation: process,\n"
             "           retry_policy: { max_retries: 2 } }\n");
  Result r = h.Run({"--log-format", "json", "materialize", "--all"}, 60);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  const auto events = Events(r.out);
  const auto success = Find(events, "STEP_SUCCESS", "flaky");
  REQUIRE_MESSAGE(success.has_value(), "stdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK(success->attempts == 3);
  size_t retries = 0;
  for (const Event& e : events) retries += e.type == "STEP_RETRY" && e.asset == "flaky";
  CHECK(retries == 2);
  CHECK(ReadFile(h.storage() + "/flaky") == "ok");
  CHECK(Latest(h).status == "SUCCESS");
}
