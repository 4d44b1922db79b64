/* assetflow SDK: status codes. Every ABI call returns one; details travel separately through
 * af_host_api.set_error, which copies the message. */
#ifndef ASSETFLOW_STATUS_H
#define ASSETFLOW_STATUS_H

#include <stdint.h>

/* An int32_t, not an enum type, so its size never depends on the compiler. */
typedef int32_t af_status;

enum {
  AF_OK = 0,
  /* A transient failure (network, 5xx, timeout): the asset's RetryPolicy applies. */
  AF_ERR_RETRYABLE = 1,
  /* A failure that retrying cannot fix (bad data, bad config): never retried. */
  AF_ERR_FATAL = 2,
  /* The run was canceled (af_host_api.is_canceled returned non-zero) and the call stopped early. */
  AF_ERR_CANCELED = 3,
  /* A caller passed something invalid: a NULL pointer, an unknown input name, a wrong type. */
  AF_ERR_INVALID_ARGUMENT = 4,
  /* What was asked for does not exist: a config key, a stored asset, an extension. */
  AF_ERR_NOT_FOUND = 5,
  /* Reading or writing storage failed. Retryable by the RetryPolicy. */
  AF_ERR_IO = 6,
  /* The operation is not supported here (e.g. loading from a write-only IO manager). */
  AF_ERR_UNSUPPORTED = 7
};

#endif
