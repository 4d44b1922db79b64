/* assetflow SDK: asset definitions.
 *
 * A plugin exports asset *definitions* ("top_stories"); a manifest instantiates a definition as
 * an asset with a key, inputs and config ("hackernews_source_data: type: hackernews/top_stories").
 * One definition may back many assets. */
#ifndef ASSETFLOW_ASSET_H
#define ASSETFLOW_ASSET_H

#include <stdint.h>

#include "host.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct af_asset_descriptor af_asset_descriptor;

/* Owned by the plugin; valid (and unchanged) until the plugin is unloaded. The host reads only
 * the fields that fit in `struct_size`, so the struct grows by appending. */
struct af_asset_descriptor {
  uint32_t struct_size; /* sizeof(af_asset_descriptor) as the plugin was built */
  /* Definition name, unique within the plugin: [A-Za-z0-9_-]+. */
  const char* name;
  /* One line for `assetflow plugins`; may be NULL. */
  const char* description;
  /* JSON Schema (draft-04 subset as RapidJSON validates it) of the config object, as JSON text;
   * NULL means "no config allowed". `default` values in top-level properties are filled in. */
  const char* config_schema;
  /* Version of the code; a change marks every asset of this definition STALE. May be NULL.
   * A manifest's `code_version:` overrides it. */
  const char* code_version;
  /* Media type of the output ("application/json", "image/png", "text/markdown"); may be NULL. */
  const char* output_media_type;
  /* Free for the plugin. */
  void* user_data;

  /* Produces the asset: reads inputs, writes the output stream, attaches metadata, reports
   * progress, all through `ctx`. Returns AF_OK, or an error status after calling set_error.
   * Must not throw or longjmp across this boundary.
   * [thread-safe: may run on several worker threads at once, for different assets] */
  af_status (*materialize)(const af_asset_descriptor* self, const af_context* ctx);
};

#ifdef __cplusplus
}
#endif

#endif
