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
   * [thread-safe; the writer is then used on the calling thread only] */
  af_status (*open_writer)(const af_io_manager_descriptor* self, const af_context* ctx,
                           af_ostream* writer);
  /* Makes what was written the asset's current version, atomically and durably; releases the
   * writer. May attach metadata (path, uri, bytes). On error the previous version stays. */
  af_status (*commit_writer)(const af_io_manager_descriptor* self, const af_context* ctx,
                             af_ostream* writer);
  /* Discards what was written; releases the writer. Never fails. */
  void (*abort_writer)(const af_io_manager_descriptor* self, const af_context* ctx,
                       af_ostream* writer);

  /* Opens the asset's current version for reading. AF_ERR_NOT_FOUND if it was never stored,
   * AF_ERR_UNSUPPORTED for a write-only manager. On AF_OK, `reader` is filled and belongs to the
   * plugin until close_reader. [thread-safe] */
  af_status (*open_reader)(const af_io_manager_descriptor* self, const af_context* ctx,
                           af_istream* reader);
  void (*close_reader)(const af_io_manager_descriptor* self, const af_context* ctx,
                       af_istream* reader);

  /* Deletes the stored asset; AF_OK if there was none. May be NULL (wipe not supported). */
  af_status (*wipe)(const af_io_manager_descriptor* self, const af_context* ctx);
};

#ifdef __cplusplus
}
#endif

#endif
