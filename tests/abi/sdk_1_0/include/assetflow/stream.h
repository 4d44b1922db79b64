/* assetflow SDK: byte streams. Asset outputs and IO-manager reads and writes move through these,
 * so an asset is never held in memory as a whole by the host. Modelled on clap_istream/ostream. */
#ifndef ASSETFLOW_STREAM_H
#define ASSETFLOW_STREAM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A readable stream. Owned by whoever created it; the other side only calls `read`. */
typedef struct af_istream {
  /* Opaque state of the creator; never touched by the caller. */
  void* ctx;
  /* Reads up to `size` bytes into `buffer`. Returns the number read (> 0), 0 at end of stream,
   * or -1 on error (the creator has reported the error through set_error where it can).
   * Partial reads are normal. [thread: the thread that was handed the stream] */
  int64_t (*read)(const struct af_istream* stream, void* buffer, uint64_t size);
} af_istream;

/* A writable stream. Owned by whoever created it; the other side only calls `write`. */
typedef struct af_ostream {
  void* ctx;
  /* Writes up to `size` bytes from `buffer`. Returns the number written (> 0; may be fewer than
   * `size`, the caller loops), or -1 on error. [thread: the thread that was handed the stream] */
  int64_t (*write)(const struct af_ostream* stream, const void* buffer, uint64_t size);
} af_ostream;

#ifdef __cplusplus
}
#endif

#endif
