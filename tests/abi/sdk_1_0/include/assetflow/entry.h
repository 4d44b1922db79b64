/* assetflow SDK: the plugin entry point.
 *
 * A plugin shared library exports exactly one symbol, the function
 *
 *     AF_EXPORT const af_plugin_entry* assetflow_plugin_entry(void);
 *
 * (a function, not a data object: dlsym is only guaranteed to work on functions). The host calls
 * it once, on the main thread, right after loading the library, and checks `magic`,
 * `struct_size` and the ABI version before it reads anything else. The returned entry and every
 * descriptor and string it reaches are owned by the plugin and must stay valid and unchanged
 * until the library is unloaded (the host keeps every plugin loaded for the life of the
 * process). Returning NULL means "this plugin cannot work here"; the host reports it. */
#ifndef ASSETFLOW_ENTRY_H
#define ASSETFLOW_ENTRY_H

#include <stdint.h>

#include "asset.h"
#include "io_manager.h"
#include "private/macros.h"
#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct af_plugin_entry {
  /* --- version block: checked by the host before anything else --- */
  uint32_t magic;       /* AF_PLUGIN_MAGIC */
  uint32_t struct_size; /* sizeof(af_plugin_entry) as the plugin was built */
  uint16_t abi_major;   /* AF_ABI_MAJOR the plugin was built against: must equal the host's */
  uint16_t abi_minor;   /* AF_ABI_MINOR the plugin needs: must be <= the host's */
  const char* name;     /* plugin name, [A-Za-z0-9_-]+; the <plugin> in "<plugin>/<definition>" */
  const char* version;  /* the plugin's own version, e.g. "1.2.0" */
  const char* toolchain; /* AF_COMPILER_ID and standard library, for diagnostics only */
  const char* description; /* may be NULL */

  /* --- definitions --- */
  uint32_t asset_count;
  const af_asset_descriptor* const* assets; /* asset_count pointers */
  uint32_t io_manager_count;
  const af_io_manager_descriptor* const* io_managers; /* io_manager_count pointers */

  /* A plugin extension by versioned id ("com.example.thing/1"), or NULL. May itself be NULL.
   * [main-thread] */
  const void* (*get_extension)(const char* id);
} af_plugin_entry;

#define AF_PLUGIN_ENTRY_SYMBOL "assetflow_plugin_entry"
typedef const af_plugin_entry* (*af_plugin_entry_fn)(void);

/* Fills the version block of an entry; use in a static initializer. */
#define AF_PLUGIN_HEADER \
  AF_PLUGIN_MAGIC, (uint32_t)sizeof(af_plugin_entry), AF_ABI_MAJOR, AF_ABI_MINOR

#ifdef __cplusplus
}
#endif

#endif
