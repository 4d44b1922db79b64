/* assetflow SDK: byte streams. Asset outputs and IO-manager reads and writes move through these,
 * so an asset is never held in memory as a whole by the host. Modelled on clap_istream/ostream;
 * the error text on Arrow's ArrowArrayStream.get_last_error. */
#ifndef ASSETFLOW_STREAM_H
#define ASSETFLOW_STREAM_H

#include <stdint.h>

#include "private/macros.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A readable stream. Owned by whoever created it; the other side only calls `read` (and, ABI
 * 1.1, `get_error`). Whoever receives a stream to fill (an IO manager's open_reader) receives
 * it zeroed, so a field its creator does not know stays NULL. */
typedef struct af_istream {
  /* Opaque state of the creator; never touched by the caller. */
  void* ctx;
  /* Reads up to `size` bytes into `buffer`. Returns the number read (> 0), 0 at end of stream,
   * or -1 on error (then get_error says why). Partial reads are normal. [call-thread] */
  int64_t (AF_ABI *read)(const struct af_istream* stream, void* buffer, uint64_t size);

  /* ---- ABI 1.1. A stream the host created has it when ctx->api->abi_minor >= 1; a stream
   * an IO manager filled has it when the manager set it (the host zeroes the struct first). */
  /* Why the last read returned -1: UTF-8 owned by the stream's creator, valid until the next
   * call on the stream or its release; NULL or "" when unknown. May be NULL. [call-thread] */
  const char* (AF_ABI *get_error)(const struct af_istream* stream);
} af_istream;

/* A writable stream. Owned by whoever created it; the other side only calls `write` (and, ABI
 * 1.1, `get_error`). Zeroed before it is handed over to be filled, as af_istream. */
typedef struct af_ostream {
  void* ctx;
  /* Writes up to `size` bytes from `buffer`. Returns the number written (> 0; may be fewer than
   * `size`, the caller loops), or -1 on error (then get_error says why). [call-thread] */
  int64_t (AF_ABI *write)(const struct af_ostream* stream, const void* buffer, uint64_t size);

  /* ---- ABI 1.1, under the same rule as af_istream.get_error ---- */
  /* Why the last write returned -1 ("No space left on device"), as af_istream.get_error. The
   * host puts this text in the step's failure, so an IO manager's detail reaches the user.
   * May be NULL. [call-thread] */
  const char* (AF_ABI *get_error)(const struct af_ostream* stream);
} af_ostream;

/* True when a host-created stream has get_error: the host's api table is ABI 1.1 or later. */
#define AF_STREAM_HAS_ERROR(ctx, stream) \
  ((ctx)->api->abi_minor >= 1 && (stream)->get_error != NULL)

#ifdef __cplusplus
}
#endif

#endif
