// Retries: Dagster's RetryPolicy delays, and the clock and random source they use, injectable
// so tests assert exact delays without waiting.
#ifndef ASSETFLOW_HOST_ENGINE_RETRY_H_
#define ASSETFLOW_HOST_ENGINE_RETRY_H_

#include <atomic>
#include <cstdint>

#include "clock/clock.h"
#include "manifest/definitions.h"

namespace af {

// Uniform doubles in [0, 1) (Python's random.random()). Thread-safe.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual double Next() = 0;
};

// A mt19937_64-based source, process-wide. (The clock is clock/clock.h's SystemClock().)
RandomSource& DefaultRandom();

// Delay in seconds before retry number `retry` (1 = the first retry, i.e. attempt 2), with
// Dagster's formulas (core/definitions/policy.py calculate_delay):
//   backoff none: delay; linear: retry*delay; exponential: (2^retry - 1)*delay;
//   jitter full: random*computed; plus_minus: computed + (2*random*delay - delay).
// `random` is consumed only when the policy has jitter. The result may be negative with
// plus_minus jitter, as in Dagster; the executor waits max(0, delay). Never above
// kMaxRetryDelaySeconds, whatever `retry` (exponential backoff reaches infinity at 1024).
double RetryDelaySeconds(const RetryPolicy& policy, int retry, RandomSource& random);

// Whether a failed attempt with this af_status may be retried (while the policy has retries
// left), as Dagster retries any exception: every error status, unknown codes included, except
// AF_ERR_FATAL (the plugin's Failure(allow_retries=False), or a failure the host decided) and
// AF_ERR_CANCELED. AF_OK is not a failure: false.
bool IsRetryable(int32_t af_status_code);

}  // namespace af

#endif
