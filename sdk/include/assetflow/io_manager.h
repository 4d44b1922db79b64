/* assetflow SDK: IO managers, which store an asset's bytes and load them back.
 *
 * A writer is opened, written, then committed or aborted; committing makes the new version
 * visible atomically (a reader never sees half an asset), aborting leaves the previous version
 * intact. The config (the manifest resource's `config:`), the asset key and metadata services
 * come through `ctx` as for assets. */
#ifndef ASSETFLOW_IO_MANAGER_H
#define ASSETFLOW_IO_MANAGER_H

#include <stdint.h>

#include "host.h"
#include "private/macros.h"
#include "status.h"
#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct af_io_manager_descriptor af_io_manager_descriptor;

/* Owned by the plugin; valid until the plugin is unloaded; read only up to `struct_size`. */
struct af_io_manager_descriptor {
  uint32_t struct_size;
  const char* name;          /* [A-Za-z0-9_-]+, unique within the plugin */
  const char* description;   /* may be NULL */
  const char* config_schema; /* JSON Schema text of the resource config; NULL = none allowed */
  void* user_data;

  /* Opens a writer for the asset `ctx` names. On AF_OK, `writer` is filled; writer->ctx belongs
   * to the plugin until commit_writer or abort_writer is called on it, exactly once.
   * The writer is then used on the calling thread only. [thread-safe] */
  af_status (AF_ABI *open_writer)(const af_io_manager_descriptor* self, const af_context* ctx,
                           af_ostream* writer);
  /* Makes what was written the asset's current version, atomically and durably; releases the
   * writer. May attach metadata (path, uri, bytes). On error the previous version stays.
   * [call-thread] (the writer's thread) */
  af_status (AF_ABI *commit_writer)(const af_io_manager_descriptor* self, const af_context* ctx,
                             af_ostream* writer);
  /* Discards what was written; releases the writer. Never fails. [call-thread] (the writer's) */
  void (AF_ABI *abort_writer)(const af_io_manager_descriptor* self, const af_context* ctx,
                       af_ostream* writer);

  /* Opens the asset's current version for reading. AF_ERR_NOT_FOUND if it was never stored,
   * AF_ERR_UNSUPPORTED for a write-only manager. On AF_OK, `reader` is filled and belongs to the
   * plugin until close_reader. [thread-safe] */
  af_status (AF_ABI *open_reader)(const af_io_manager_descriptor* self, const af_context* ctx,
                           af_istream* reader);
  /* Releases a reader open_reader filled. [call-thread] (the reader's thread) */
  void (AF_ABI *close_reader)(const af_io_manager_descriptor* self, const af_context* ctx,
                       af_istream* reader);

  /* Deletes the stored asset; AF_OK if there was none. NULL, or AF_ERR_UNSUPPORTED, when the
   * manager cannot wipe: the host then says so instead of "wiped". [thread-safe] */
  af_status (AF_ABI *wipe)(const af_io_manager_descriptor* self, const af_context* ctx);

  /* ---- ABI 1.1: two-phase commit and recovery. Read only when struct_size covers them; each
   * may be NULL. With stage_writer, publish and discard all set, the host makes a new version
   * visible only after the record of its materialization is durable, so that after a crash at
   * any moment the stored data and the host's records agree. Without them the host calls
   * commit_writer (the version is visible at once, before its record).
   *
   * A staged version is named by the (asset key, run id, attempt) of `ctx`: the call that
   * publishes or discards it may come from another process (a recovering host), so the name
   * must be derivable from those three, and so must the name of a writer's temporary data. */

  /* Like commit_writer, but the written version is kept aside, not visible; releases the
   * writer. May attach metadata (path, uri, bytes). On error nothing is staged.
   * [call-thread] (the writer's thread) */
  af_status (AF_ABI *stage_writer)(const af_io_manager_descriptor* self, const af_context* ctx,
                            af_ostream* writer);
  /* Makes the version staged under ctx's (asset key, run id, attempt) the current one,
   * atomically. AF_ERR_NOT_FOUND when nothing is staged under that name (never staged,
   * discarded, or published already: a recovering host treats that as done). [thread-safe] */
  af_status (AF_ABI *publish)(const af_io_manager_descriptor* self, const af_context* ctx);
  /* Deletes what ctx's (asset key, run id, attempt) left: a staged version, or the temporary
   * data of a writer whose process died. Nothing there is not an error. [thread-safe] */
  void (AF_ABI *discard)(const af_io_manager_descriptor* self, const af_context* ctx);
  /* Makes every version this process staged or published so far durable (one syncfs, say),
   * so that the host can commit a whole batch of records after one call. AF_OK at once when
   * the resource is configured not to sync. [thread-safe] */
  af_status (AF_ABI *sync)(const af_io_manager_descriptor* self, const af_context* ctx);
  /* Removes everything that run ctx->run_id left behind: temporary data, staged versions,
   * unfinished uploads. Called for a run whose process died, after every version of it that
   * was recorded has been published; ctx's asset key is "". [thread-safe] */
  af_status (AF_ABI *sweep)(const af_io_manager_descriptor* self, const af_context* ctx);

  /* ---- ABI 1.1 (issue 15): declared capabilities ---- */
  /* AF_IO_MANAGER_* bits. */
  uint32_t flags;

  /* ---- ABI 1.1, appended after flags: a reachability check (`assetflow check --probe`). Read
   * only when struct_size covers it; may be NULL (not probed). */

  /* Checks, without writing anything, that the storage the config names is reachable and that
   * the credentials it finds are accepted (an S3 bucket: HEAD bucket). AF_OK, or an error
   * through set_error naming what is wrong (never a secret). ctx's asset key and run id are "".
   * [thread-safe] */
  af_status (AF_ABI *probe)(const af_io_manager_descriptor* self, const af_context* ctx);
};

/* The manager stores but cannot load (a report writer, an upload): open_reader answers
 * AF_ERR_UNSUPPORTED. `assetflow check` refuses a manifest in which an asset stored with it is
 * an input of another asset, instead of failing that asset at run time. */
#define AF_IO_MANAGER_WRITE_ONLY 0x1u

#ifdef __cplusplus
}
#endif

#endif
