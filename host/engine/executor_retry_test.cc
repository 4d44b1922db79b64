// Retries through real runs of the examples plugin, as Dagster does them: what is retried (any
// failure but Failure(allow_retries=False) and what the host decides), how often (max_retries,
// default 1, an asset's own or the manifests' top-level policy) and after exactly which delays.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "engine/engine_test_util.h"
#include "engine/executor.h"

namespace af {
namespace {

using testing::FakeClock;
using testing::FixedRandom;
using testing::TempHome;
using testing::TestEnv;

// "assets:\n  flaky: {type: examples/<definition>, config: {...}, retry_policy: ...}"
std::string Flaky(const std::string& definition, const std::string& config,
                  const std::string& policy = "") {
  return "assets:\n  flaky:\n    type: examples/" + definition + "\n    config: " + config + "\n" +
         (policy.empty() ? "" : "    retry_policy: " + policy + "\n");
}

struct Retried {
  RunResult run;
  StepResult step;  // of `key`
  std::vector<double> sleeps;
  std::vector<std::string> retry_messages;
  std::vector<std::string> retry_data;
  std::vector<std::string> failed_data;  // STEP_FAILED events' data
};

Retried RunWithFakeClock(const std::string& yaml, double random, const std::string& select = "*",
                         const std::string& key = "flaky") {
  TempHome home;
  TestEnv env(yaml, home.path());
  FakeClock clock;
  FixedRandom rnd(random);
  RunOptions options;
  options.clock = &clock;
  options.random = &rnd;
  Retried out;
  out.run = env.Run(select, options);
  for (const StepResult& s : out.run.steps)
    if (s.asset_key == key) out.step = s;
  out.sleeps = clock.sleeps;
  for (auto& e : env.Events(out.run.run_id, "STEP_RETRY")) {
    out.retry_messages.push_back(e.message);
    out.retry_data.push_back(e.data_json);
  }
  for (auto& e : env.Events(out.run.run_id, "STEP_FAILED")) out.failed_data.push_back(e.data_json);
  return out;
}

struct Case {
  const char* name;
  std::string yaml;
  double random;
  StepState state;
  uint32_t attempts;  // = 1 + the STEP_RETRY events
  std::vector<double> sleeps;
  const char* failed;  // the STEP_FAILED data, "" when the step succeeds
};

const std::vector<Case> kCases = {
    // An ordinary C++ exception is retried, as Dagster retries any exception.
    {"std::runtime_error, retried until it succeeds",
     Flaky("throws", "{ succeed_on_attempt: 3 }", "{ max_retries: 2 }"), 0.5, StepState::kSucceeded,
     3, {0.0, 0.0}, ""},
    {"std::runtime_error, retries exhausted",
     Flaky("throws", "{ message: boom }", "{ max_retries: 2, delay: 1s }"), 0.5, StepState::kFailed,
     3, {1.0, 1.0}, R"({"status":"AF_ERR_RETRYABLE","attempts":3})"},
    {"std::runtime_error without a policy: one attempt",
     Flaky("throws", "{ succeed_on_attempt: 2 }"), 0.5, StepState::kFailed, 1, {},
     R"({"status":"AF_ERR_RETRYABLE","attempts":1})"},
    {"max_retries defaults to 1",
     Flaky("throws", "{ }", "{ delay: 3s }"), 0.5, StepState::kFailed, 2, {3.0},
     R"({"status":"AF_ERR_RETRYABLE","attempts":2})"},
    // Failure(allow_retries=false) is the plugin's "do not retry", whatever the policy.
    {"Failure(allow_retries=false) is never retried",
     Flaky("failure", "{ succeed_on_attempt: 2 }", "{ max_retries: 5, delay: 1s }"), 0.5,
     StepState::kFailed, 1, {}, R"({"status":"AF_ERR_FATAL","attempts":1})"},
    {"Failure(allow_retries=true) is retried",
     Flaky("failure", "{ allow_retries: true, succeed_on_attempt: 3 }",
           "{ max_retries: 5, delay: 1s, backoff: LINEAR }"),
     0.5, StepState::kSucceeded, 3, {1.0, 2.0}, ""},
    {"FatalError is never retried",
     Flaky("fail", "{ mode: fatal, succeed_on_attempt: 2 }", "{ max_retries: 5, delay: 1s }"), 0.5,
     StepState::kFailed, 1, {}, R"({"status":"AF_ERR_FATAL","attempts":1})"},
    // Dagster's formulas, in Dagster's spelling.
    {"EXPONENTIAL backoff: (2^n - 1) * delay",
     Flaky("throws", "{ }", "{ max_retries: 3, delay: 2s, backoff: EXPONENTIAL }"), 0.5,
     StepState::kFailed, 4, {2.0, 6.0, 14.0}, R"({"status":"AF_ERR_RETRYABLE","attempts":4})"},
    {"FULL jitter: random * computed",
     Flaky("throws", "{ succeed_on_attempt: 3 }", "{ max_retries: 2, delay: 4s, backoff: LINEAR, jitter: FULL }"),
     0.25, StepState::kSucceeded, 3, {1.0, 2.0}, ""},
    {"PLUS_MINUS jitter: computed + (2 * random * delay - delay)",
     Flaky("throws", "{ succeed_on_attempt: 3 }", "{ max_retries: 2, delay: 4s, jitter: PLUS_MINUS }"),
     0.75, StepState::kSucceeded, 3, {6.0, 6.0}, ""},
    // The manifests' top-level policy, for every asset without its own.
    {"the top-level policy applies to an asset without its own",
     "retry_policy: { max_retries: 2, delay: 2s, backoff: EXPONENTIAL }\n" + Flaky("throws", "{ }"),
     0.5, StepState::kFailed, 3, {2.0, 6.0}, R"({"status":"AF_ERR_RETRYABLE","attempts":3})"},
    {"an asset's own policy wins over the top-level one",
     "retry_policy: { max_retries: 5 }\n" + Flaky("throws", "{ }", "{ max_retries: 0 }"), 0.5,
     StepState::kFailed, 1, {}, R"({"status":"AF_ERR_RETRYABLE","attempts":1})"},
    // The deadline: no retry starts once it would pass (the fake clock's sleeps take time).
    {"a retry that would begin after the deadline is not waited for",
     Flaky("throws", "{ }", "{ max_retries: 5, delay: 10s, deadline: 25s }"), 0.5,
     StepState::kFailed, 3, {10.0, 10.0}, R"({"status":"AF_ERR_RETRYABLE","attempts":3})"},
    {"the default deadline (1 h) ends 1000 exponential retries after 10 (2036 s + 2047 s > 1 h)",
     Flaky("throws", "{ }", "{ max_retries: 1000, delay: 1s, backoff: exponential }"), 0.5,
     StepState::kFailed, 11, {1, 3, 7, 15, 31, 63, 127, 255, 511, 1023},
     R"({"status":"AF_ERR_RETRYABLE","attempts":11})"},
    {"the top-level policy never retries Failure(allow_retries=false)",
     "retry_policy: { max_retries: 5 }\n" + Flaky("failure", "{ }"), 0.5, StepState::kFailed, 1, {},
     R"({"status":"AF_ERR_FATAL","attempts":1})"},
};

}  // namespace

TEST_CASE("retry: exactly the attempts, STEP_RETRY events and delays of each policy") {
  for (const Case& c : kCases) {
    INFO(c.name);
    Retried r = RunWithFakeClock(c.yaml, c.random);
    CHECK(r.step.state == c.state);
    CHECK(r.step.attempts == c.attempts);
    CHECK(r.retry_messages.size() == c.attempts - 1);
    CHECK(r.sleeps == c.sleeps);
    CHECK(r.failed_data == (*c.failed ? std::vector<std::string>{c.failed} : std::vector<std::string>{}));
  }
}

TEST_CASE("retry: STEP_RETRY names the attempt, the retry, the delay and the failure") {
  Retried r = RunWithFakeClock(
      Flaky("fail", "{ mode: retryable, message: boom, succeed_on_attempt: 4 }",
            "{ max_retries: 5, delay: 2s, backoff: exponential }"),
      0.5);
  CHECK(r.run.status == RunStatus::kSuccess);
  CHECK(r.step.attempts == 4);
  CHECK(r.sleeps == std::vector<double>{2.0, 6.0, 14.0});
  CHECK(r.retry_messages == std::vector<std::string>{
            "attempt 1 failed (AF_ERR_RETRYABLE: boom); retry 1 of 5 in 2.000 s",
            "attempt 2 failed (AF_ERR_RETRYABLE: boom); retry 2 of 5 in 6.000 s",
            "attempt 3 failed (AF_ERR_RETRYABLE: boom); retry 3 of 5 in 14.000 s"});
  CHECK(r.retry_data[1] ==
        R"({"attempt":2,"retry":2,"max_retries":5,"delay_s":6.0,"status":"AF_ERR_RETRYABLE","error":"boom"})");
  Retried thrown = RunWithFakeClock(Flaky("throws", "{ message: \"disk hiccup\" }", "{ }"), 0.5);
  CHECK(thrown.retry_messages == std::vector<std::string>{
            "attempt 1 failed (AF_ERR_RETRYABLE: disk hiccup); retry 1 of 1 in 0.000 s"});
  CHECK(thrown.step.message == "disk hiccup");
}

TEST_CASE("retry: linear backoff, and exhausting the retries fails the step") {
  Retried r = RunWithFakeClock(
      Flaky("fail", "{ mode: retryable, message: boom }", "{ max_retries: 3, delay: 1.5s, backoff: linear }"),
      0.5);
  CHECK(r.run.status == RunStatus::kFailed);
  CHECK(r.step.attempts == 4);
  CHECK(r.step.message == "boom");
  CHECK(r.sleeps == std::vector<double>{1.5, 3.0, 4.5});
}

TEST_CASE("retry: the step's message says why it was not retried") {
  Retried r = RunWithFakeClock(
      Flaky("fail", "{ mode: retryable, message: boom }", "{ max_retries: 5, delay: 1m, deadline: 90s }"),
      0.5);
  CHECK(r.step.attempts == 2);
  CHECK(r.step.message == "boom (not retried: the retry deadline of 90 s would pass)");
}

TEST_CASE("retry: a failure the host decides (an input never materialized) is never retried") {
  Retried r = RunWithFakeClock(R"(retry_policy: { max_retries: 3, delay: 1s }
assets:
  up: { type: examples/constant }
  flaky: { type: examples/concat, inputs: { x: up }, retry_policy: { max_retries: 3 } }
)",
                               0.5, "flaky");
  CHECK(r.step.state == StepState::kFailed);
  CHECK(r.step.attempts == 1);
  CHECK(r.step.message ==
        "input 'x' of 'flaky': asset 'up' was never materialized; run with --with-upstream (or "
        "select '+flaky')");
  CHECK(r.retry_messages.empty());
  CHECK(r.sleeps.empty());
  CHECK(r.failed_data == std::vector<std::string>{R"({"status":"AF_ERR_FATAL","attempts":1})"});
}

}  // namespace af
