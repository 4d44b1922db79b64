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

TEST_CASE("retry: only retryable and IO failures are retried") {
  CHECK(IsRetryable(AF_ERR_RETRYABLE));
  CHECK(IsRetryable(AF_ERR_IO));
  CHECK_FALSE(IsRetryable(AF_ERR_FATAL));
  CHECK_FALSE(IsRetryable(AF_ERR_CANCELED));
  CHECK_FALSE(IsRetryable(AF_ERR_INVALID_ARGUMENT));
  CHECK_FALSE(IsRetryable(AF_ERR_NOT_FOUND));
  CHECK_FALSE(IsRetryable(AF_ERR_UNSUPPORTED));
}

TEST_CASE("retry: the system clock's sleep returns at once when canceled") {
  std::atomic<bool> cancel{true};
  SystemClock().Sleep(3600, &cancel);  // would hang the test if the flag were ignored
  CHECK(SystemClock().NowMs() > 1700000000000);
}

}  // namespace af
