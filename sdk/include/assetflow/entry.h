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
 * process). Returning NULL means "this plugin cannot work here"; the host reports it, but
 * cannot say why: a plugin that wants to explain itself returns its entry and refuses in
 * `init` (ABI 1.1), which receives the host's info and an error path (as SQLite's extension
 * init receives the API table and a place for an error message).
 *
 * Order of calls, after the host has checked the version block, the definitions and their
 * config schemas: init (once per load; NULL = nothing to do), then any number of calls on
 * the definitions, then deinit when the host is done with the plugin (at exit). If init does
 * not return AF_OK, nothing else of the plugin is ever called, deinit neither. A process may
 * load the same file more than once (several registries, the test harness): init and deinit
 * come in pairs, and a plugin that keeps global state counts them (as CLAP's entry does). */
#ifndef ASSETFLOW_ENTRY_H
#define ASSETFLOW_ENTRY_H

#include <stdint.h>

#include "asset.h"
#include "io_manager.h"
#include "private/macros.h"
#include "status.h"
#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the host tells a plugin's init. Owned by the host and valid only during init, strings
 * included (copy what you keep), except host_version, which is static. */
typedef struct af_host_info {
  uint32_t struct_size; /* sizeof(af_host_info) as the host was built */
  uint16_t abi_major;   /* the host's AF_ABI_MAJOR and AF_ABI_MINOR */
  uint16_t abi_minor;
  const char* host_version; /* "assetflow 0.1.0", or "assetflow test harness ..." */
  const char* plugin_path;  /* the absolute path the plugin was loaded from, UTF-8 */
  void* host_data;          /* the host's; never touched by the plugin */
  /* Records why init refuses (copied); the host shows it with the plugin file's name. The
   * last call wins. [main-thread] */
  void (AF_ABI *set_error)(const struct af_host_info* info, const char* message);
  /* A host extension by id (extension.h), or NULL. Valid for the life of the process.
   * [main-thread] */
  const void* (AF_ABI *get_extension)(const struct af_host_info* info, const char* id);
} af_host_info;

typedef struct af_plugin_entry {
  /* --- version block: checked by the host before anything else --- */
  uint32_t magic;       /* AF_PLUGIN_MAGIC */
  uint32_t struct_size; /* sizeof(af_plugin_entry) as the plugin was built */
  uint16_t abi_major;   /* AF_ABI_MAJOR the plugin was built against: must equal the host's */
  uint16_t abi_minor;   /* the ABI minor the plugin needs (AF_PLUGIN_ABI_MINOR): <= the host's */
  const char* name;     /* plugin name, [A-Za-z0-9_-]+; the <plugin> in "<plugin>/<definition>" */
  const char* version;  /* the plugin's own version, e.g. "1.2.0" */
  const char* toolchain; /* AF_COMPILER_ID and standard library, for diagnostics only */
  const char* description; /* may be NULL */

  /* --- definitions --- */
  uint32_t asset_count;
  const af_asset_descriptor* const* assets; /* asset_count pointers */
  uint32_t io_manager_count;
  const af_io_manager_descriptor* const* io_managers; /* io_manager_count pointers */

  /* A plugin extension by id (extension.h: "com.example.thing/1"), or NULL. May itself be
   * NULL. [main-thread] */
  const void* (AF_ABI *get_extension)(const char* id);

  /* ---- ABI 1.1: read only when struct_size covers them; each may be NULL ---- */
  /* Starts the plugin: open what it needs, check the host (host->abi_minor, extensions).
   * AF_OK to go on; anything else refuses the plugin, with host->set_error's message.
   * Never called by a 1.0 host: a plugin whose definitions need init to have run declares
   * AF_PLUGIN_ABI_MINOR 1. [main-thread] */
  af_status (AF_ABI *init)(const af_host_info* host);
  /* Releases what init acquired; the last call into the plugin. [main-thread] */
  void (AF_ABI *deinit)(void);
} af_plugin_entry;

#define AF_PLUGIN_ENTRY_SYMBOL "assetflow_plugin_entry"
/* The type of assetflow_plugin_entry. [main-thread] */
typedef const af_plugin_entry* (AF_ABI *af_plugin_entry_fn)(void);

/* The ABI minor a plugin needs: by default the minor of the headers it is built with. A plugin
 * that uses nothing added after minor N defines AF_PLUGIN_ABI_MINOR N before including the SDK,
 * and older hosts (down to 1.N) load it. Fields of a newer minor that such a plugin sets anyway
 * are ignored by those hosts, so set only what may be ignored. */
#ifdef AF_PLUGIN_ABI_MINOR
#  define AF_PLUGIN_ABI_MINOR_DECLARED 1 /* the plugin chose it (the C++ layer reads this) */
#else
#  define AF_PLUGIN_ABI_MINOR AF_ABI_MINOR
#endif
#if AF_PLUGIN_ABI_MINOR > AF_ABI_MINOR
#  error "AF_PLUGIN_ABI_MINOR is newer than these SDK headers"
#endif

/* Fills the version block of an entry; use in a static initializer. */
#define AF_PLUGIN_HEADER \
  AF_PLUGIN_MAGIC, (uint32_t)sizeof(af_plugin_entry), AF_ABI_MAJOR, AF_PLUGIN_ABI_MINOR

#ifdef __cplusplus
}
#endif

#endif
