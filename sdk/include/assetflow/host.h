/* assetflow SDK: services the host offers a plugin during a call.
 *
 * Every asset and IO-manager call receives a `const af_context*`. It is owned by the host and
 * valid only until that call returns; a plugin must not keep it, nor anything reached through
 * it (strings, streams), after returning. All services are called as `ctx->api->fn(ctx, ...)`.
 *
 * The api table is append-only: new services are added at the end and bump AF_ABI_MINOR.
 * A plugin that wants a service added after minor 0 checks `ctx->api->struct_size` first
 * (AF_HOST_HAS(ctx, field)).
 *
 * Threads (private/macros.h has the vocabulary): every service is [call-thread] unless its
 * comment says otherwise; different steps of a run may be on different threads at the same
 * time, each with its own context. */
#ifndef ASSETFLOW_HOST_H
#define ASSETFLOW_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "private/macros.h"
#include "status.h"
#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct af_context af_context;

enum {
  AF_LOG_DEBUG = 0,
  AF_LOG_INFO = 1,
  AF_LOG_WARNING = 2,
  AF_LOG_ERROR = 3
};
typedef int32_t af_log_level;

/* Types of metadata values; the value always travels as UTF-8 text (numbers in decimal, JSON as
 * JSON text) and the host checks that it parses as the type. */
enum {
  AF_META_INT = 0,
  AF_META_FLOAT = 1,
  AF_META_TEXT = 2,
  AF_META_MARKDOWN = 3,
  AF_META_URL = 4,
  AF_META_PATH = 5,
  AF_META_JSON = 6,
  AF_META_BOOL = 7
};
typedef int32_t af_metadata_type;

typedef struct af_host_api {
  /* sizeof(af_host_api) as the host was built: fields beyond it do not exist. */
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  /* e.g. "assetflow 0.1.0"; static, valid for the life of the process. */
  const char* host_version;

  /* Logs a message (copied) for this step. [call-thread] */
  void (AF_ABI *log)(const af_context* ctx, af_log_level level, const char* message);

  /* Records the error that the call is about to return: `status` as it will be returned and a
   * message (copied). The last call before returning wins. [call-thread] */
  void (AF_ABI *set_error)(const af_context* ctx, af_status status, const char* message);

  /* Reports progress: `done` of `total` units (total 0 = unknown). Cheap; call per item.
   * [call-thread] */
  void (AF_ABI *report_progress)(const af_context* ctx, uint64_t done, uint64_t total);

  /* Attaches metadata to the materialization being produced. `key` and `value` are copied.
   * Returns AF_ERR_INVALID_ARGUMENT if `value` does not parse as `type`. [call-thread] */
  af_status (AF_ABI *add_metadata)(const af_context* ctx, const char* key, af_metadata_type type,
                            const char* value);

  /* Non-zero once the run is being canceled (Ctrl-C, SIGTERM): stop soon, return
   * AF_ERR_CANCELED, write nothing more. Any thread may ask, while the call lasts.
   * [thread-safe] */
  int32_t (AF_ABI *is_canceled)(const af_context* ctx);

  /* The asset key, segments joined with '/', e.g. "hackernews/top_stories". [call-thread] */
  const char* (AF_ABI *asset_key)(const af_context* ctx);
  /* The run id (a UUID string). [call-thread] */
  const char* (AF_ABI *run_id)(const af_context* ctx);
  /* The 1-based attempt number of this step. [call-thread] */
  uint32_t (AF_ABI *attempt)(const af_context* ctx);

  /* The definition's config after validation against its schema, defaults filled in, as JSON
   * text (an object). Never NULL. [call-thread] */
  const char* (AF_ABI *config_json)(const af_context* ctx);
  /* Typed lookups of a config value. `key` is a top-level name ("count") or a JSON pointer
   * ("/retry/max"). AF_ERR_NOT_FOUND if absent, AF_ERR_INVALID_ARGUMENT if of another type.
   * A string is UTF-8, valid until the call returns; `length` may be NULL. Each of the four
   * is [call-thread]. */
  af_status (AF_ABI *config_get_int)(const af_context* ctx, const char* key, int64_t* value);
  /* [call-thread] */
  af_status (AF_ABI *config_get_double)(const af_context* ctx, const char* key, double* value);
  /* [call-thread] */
  af_status (AF_ABI *config_get_bool)(const af_context* ctx, const char* key, int32_t* value);
  /* [call-thread] */
  af_status (AF_ABI *config_get_string)(const af_context* ctx, const char* key, const char** value,
                                 uint64_t* length);

  /* Inputs of an asset (in an IO-manager call: none). Names are those of the manifest's
   * `inputs:` map, in sorted order. [call-thread] */
  uint32_t (AF_ABI *input_count)(const af_context* ctx);
  /* The name of input `index` (< input_count), or NULL. [call-thread] */
  const char* (AF_ABI *input_name)(const af_context* ctx, uint32_t index);
  /* Opens input `name` for reading; `*stream` is owned by the host and valid until the call
   * returns. Opening the same input twice restarts it. AF_ERR_NOT_FOUND for an unknown name.
   * [call-thread] */
  af_status (AF_ABI *open_input)(const af_context* ctx, const char* name, const af_istream** stream);

  /* The asset's output stream (in an IO-manager call: NULL). Owned by the host, valid until the
   * call returns. What is written becomes visible only if the call returns AF_OK: on any error
   * the host discards it and the previous version stays. [call-thread] */
  const af_ostream* (AF_ABI *output)(const af_context* ctx);

  /* The host's home directory ($ASSETFLOW_HOME), absolute, UTF-8. [call-thread] */
  const char* (AF_ABI *home_dir)(const af_context* ctx);

  /* A host extension by id (extension.h: "assetflow.<name>/<rev>"), or NULL if not offered,
   * NULL too for an id that breaks the naming rule. The result is valid for the life of the
   * process. [call-thread] */
  const void* (AF_ABI *get_extension)(const af_context* ctx, const char* id);

  /* ---- ABI 1.1 (check AF_HOST_HAS(ctx, set_data_version) first) ---- */

  /* Sets the data version of the output being produced (Dagster's DataVersion), instead of the
   * SHA-256 of its bytes that the host computes otherwise: downstream assets go stale only when
   * it changes. 1 to 256 bytes of printable UTF-8, copied; AF_ERR_INVALID_ARGUMENT otherwise.
   * The last call wins. An observable source asset (AF_ASSET_OBSERVABLE) must call it.
   * [call-thread] */
  af_status (AF_ABI *set_data_version)(const af_context* ctx, const char* version);
} af_host_api;

struct af_context {
  const af_host_api* api;
  /* The host's private state for this call. */
  void* host_data;
};

/* True when the host's api table has `field` (it was built with a minor that has it). */
#define AF_HOST_HAS(ctx, field) \
  ((ctx)->api->struct_size >= offsetof(af_host_api, field) + sizeof((ctx)->api->field))

#ifdef __cplusplus
}
#endif

#endif
