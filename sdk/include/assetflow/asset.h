/* assetflow SDK: asset definitions.
 *
 * A plugin exports asset *definitions* ("top_stories"); a manifest instantiates a definition as
 * an asset with a key, inputs and config ("hackernews_source_data: type: hackernews/top_stories").
 * One definition may back many assets. */
#ifndef ASSETFLOW_ASSET_H
#define ASSETFLOW_ASSET_H

#include <stdint.h>

#include "host.h"
#include "private/macros.h"
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
   * Must not throw or longjmp across this boundary. It may run on several worker threads at
   * once, for different assets of this definition. [thread-safe] */
  af_status (AF_ABI *materialize)(const af_asset_descriptor* self, const af_context* ctx);

  /* ---- ABI 1.1: read only when struct_size covers it ---- */
  /* AF_ASSET_* bits. */
  uint32_t flags;

  /* The inputs this definition reads, by the name it opens them with (the keys of a manifest's
   * `inputs:`). NULL: undeclared, anything goes (as in 1.0). Non-NULL: `assetflow check`
   * refuses a manifest that omits a required input or gives one not declared here (with the
   * nearest declared name), before anything runs. input_count pointers; input_count may be 0
   * ("takes no inputs"). Owned by the plugin, like the descriptor. */
  uint32_t input_count;
  const struct af_input_declaration* const* inputs;
};

/* One declared input. Read only up to its struct_size (it grows by appending). */
typedef struct af_input_declaration {
  uint32_t struct_size; /* sizeof(af_input_declaration) as the plugin was built */
  const char* name;     /* [A-Za-z0-9_-]+, unique within the definition */
  const char* description; /* may be NULL; shown by `assetflow describe` */
  uint32_t flags;       /* AF_INPUT_* bits */
} af_input_declaration;

/* The manifest may leave this input out (open_input then answers AF_ERR_NOT_FOUND). */
#define AF_INPUT_OPTIONAL 0x1u

/* An observable source asset (Dagster's observable_source_asset): materialize only observes
 * something outside assetflow and reports its data version with set_data_version; it writes no
 * output (the output stream refuses writes) and nothing is stored. Downstream assets that list
 * it as an input track its data version (they go stale when it changes) but cannot read it. */
#define AF_ASSET_OBSERVABLE 0x1u

#ifdef __cplusplus
}
#endif

#endif
