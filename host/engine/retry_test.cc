#include "engine/retry.h"

#include <assetflow/status.h>
#include <doctest/doctest.h>

#include "engine/engine_test_util.h"

namespace af {
namespace {

RetryPolicy Policy(double delay, RetryPolicy::Backoff b, RetryPolicy::Jitter j) {
  RetryPolicy p;
  p.max_retries = 5;
  p.delay_seconds = delay;
  p.backoff = b;
  p.jitter = j;
  return p;
}

using B = RetryPolicy::Backoff;
using J = RetryPolicy::Jitter;

}  // namespace

TEST_CASE("retry: Dagster's delay formulas, exactly") {
  testing::FixedRandom r(0.25);
  // No backoff: the delay every time.
  CHECK(RetryDelaySeconds(Policy(5, B::kNone, J::kNone), 1, r) == 5.0);
  CHECK(RetryDelaySeconds(Policy(5, B::kNone, J::kNone), 4, r) == 5.0);
  // Linear: n * delay.
  CHECK(RetryDelaySeconds(Policy(2, B::kLinear, J::kNone), 1, r) == 2.0);
  CHECK(RetryDelaySeconds(Policy(2, B::kLinear, J::kNone), 3, r) == 6.0);
  // Exponential: (2^n - 1) * delay.
  CHECK(RetryDelaySeconds(Policy(2, B::kExponential, J::kNone), 1, r) == 2.0);
  CHECK(RetryDelaySeconds(Policy(2, B::kExponential, J::kNone), 2, r) == 6.0);
  CHECK(RetryDelaySeconds(Policy(2, B::kExponential, J::kNone), 4, r) == 30.0);
  // Full jitter: random * computed.
  CHECK(RetryDelaySeconds(Policy(2, B::kExponential, J::kFull), 3, r) == 0.25 * 14.0);
  // Plus-minus: computed + (2 * random * delay - delay): here 6 + (1 - 2) = 5.
  CHECK(RetryDelaySeconds(Policy(2, B::kLinear, J::kPlusMinus), 3, r) == 5.0);
  testing::FixedRandom high(0.75);
  CHECK(RetryDelaySeconds(Policy(2, B::kLinear, J::kPlusMinus), 3, high) == 7.0);
  // Can go below zero, as in Dagster (the executor waits max(0, delay)).
  testing::FixedRandom zero(0.0);
  CHECK(RetryDelaySeconds(Policy(2, B::kNone, J::kPlusMinus), 1, zero) == 0.0);
  CHECK(RetryDelaySeconds(Policy(0.5, B::kNone, J::kPlusMinus), 1, zero) == 0.0);
}

TEST_CASE("retry: exponential backoff reaching infinity is capped at a day, never inf or NaN") {
  testing::FixedRandom zero(0.0), half(0.5);
  CHECK(RetryDelaySeconds(Policy(5, B::kExponential, J::kNone), 20, half) == kMaxRetryDelaySeconds);
  CHECK(RetryDelaySeconds(Policy(5, B::kExponential, J::kNone), 5000, half) == kMaxRetryDelaySeconds);
  CHECK(RetryDelaySeconds(Policy(5, B::kExponential, J::kFull), 5000, zero) == 0.0);
  CHECK(RetryDelaySeconds(Policy(5, B::kExponential, J::kFull), 5000, half) == kMaxRetryDelaySeconds / 2);
  CHECK(RetryDelaySeconds(Policy(86400, B::kLinear, J::kPlusMinus), 1000, half) == kMaxRetryDelaySeconds);
}

TEST_CASE("retry: every error status is retried but FATAL and CANCELED (Dagster retries any failure)") {
  struct Case {
    int32_t status;
    bool retried;
  };
  const Case kCases[] = {
      {AF_OK, false},  // not a failure
      {AF_ERR_RETRYABLE, true},
      {AF_ERR_FATAL, false},  // Failure(allow_retries=False), or decided by the host
      {AF_ERR_CANCELED, false},
      {AF_ERR_INVALID_ARGUMENT, true},
      {AF_ERR_NOT_FOUND, true},
      {AF_ERR_IO, true},
      {AF_ERR_UNSUPPORTED, true},
      {8, true},  // a code from a newer ABI minor
      {-1, true},
      {1000, true},
  };
  for (const Case& c : kCases) {
    INFO("status " << c.status);
    CHECK(IsRetryable(c.status) == c.retried);
  }
}

TEST_CASE("retry: the system clock's sleep returns at once when canceled") {
  std::atomic<bool> cancel{true};
  SystemClock().Sleep(3600, &cancel);  // would hang the test if the flag were ignored
  CHECK(SystemClock().NowMs() > 1700000000000);
}

}  // namespace af
