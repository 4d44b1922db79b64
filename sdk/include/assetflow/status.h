/* assetflow SDK: status codes. Every ABI call returns one; details travel separately through
 * af_host_api.set_error, which copies the message.
 *
 * Retries (Dagster's semantics): when materialize (or the IO manager storing its output) fails,
 * the asset's RetryPolicy retries it for every error status, known or not, except two:
 * AF_ERR_FATAL, the plugin's "do not retry" (Dagster's Failure(allow_retries=False)), and
 * AF_ERR_CANCELED. The distinctions below tell the reader what went wrong; apart from those two
 * they do not change whether the step is retried. */
#ifndef ASSETFLOW_STATUS_H
#define ASSETFLOW_STATUS_H

#include <stdint.h>

/* An int32_t, not an enum type, so its size never depends on the compiler. */
typedef int32_t af_status;

enum {
  AF_OK = 0,
  /* A transient failure (network, 5xx, timeout): the asset's RetryPolicy applies. The C++
   * layer returns it for any exception other than assetflow::Error. */
  AF_ERR_RETRYABLE = 1,
  /* A failure that retrying cannot fix (bad data, bad config): never retried, whatever the
   * RetryPolicy says. The host also uses it for the failures it decides itself (an input never
   * materialized, a type no plugin offers). */
  AF_ERR_FATAL = 2,
  /* The run was canceled (af_host_api.is_canceled returned non-zero) and the call stopped early. */
  AF_ERR_CANCELED = 3,
  /* A caller passed something invalid: a NULL pointer, an unknown input name, a wrong type. */
  AF_ERR_INVALID_ARGUMENT = 4,
  /* What was asked for does not exist: a config key, a stored asset, an extension. */
  AF_ERR_NOT_FOUND = 5,
  /* Reading or writing storage failed. */
  AF_ERR_IO = 6,
  /* The operation is not supported here (e.g. loading from a write-only IO manager). */
  AF_ERR_UNSUPPORTED = 7
};

#endif
