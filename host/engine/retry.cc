#include "engine/retry.h"

#include <assetflow/status.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <random>
#include <thread>

namespace af {
namespace {

class MersenneRandom : public RandomSource {
 public:
  double Next() override {
    std::lock_guard<std::mutex> lock(mu_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
  }

 private:
  std::mutex mu_;
  std::mt19937_64 engine_{std::random_device{}()};
};

}  // namespace

RandomSource& DefaultRandom() {
  static MersenneRandom random;
  return random;
}

double RetryDelaySeconds(const RetryPolicy& policy, int retry, RandomSource& random) {
  const double delay = policy.delay_seconds;
  double computed = delay;
  switch (policy.backoff) {
    case RetryPolicy::Backoff::kNone: break;
    case RetryPolicy::Backoff::kLinear: computed = delay * retry; break;
    case RetryPolicy::Backoff::kExponential: computed = (std::pow(2.0, retry) - 1.0) * delay; break;
  }
  // Before the jitter: random * inf would stay inf, and 0 * inf is NaN.
  computed = std::min(computed, kMaxRetryDelaySeconds);
  switch (policy.jitter) {
    case RetryPolicy::Jitter::kNone: break;
    case RetryPolicy::Jitter::kFull: computed = random.Next() * computed; break;
    case RetryPolicy::Jitter::kPlusMinus: computed = computed + (2 * random.Next() * delay - delay); break;
  }
  return std::min(computed, kMaxRetryDelaySeconds);
}

bool IsRetryable(int32_t status) {
  return status != AF_OK && status != AF_ERR_FATAL && status != AF_ERR_CANCELED;
}

}  // namespace af
