/* Compiles the SDK's C headers under every C standard the SDK supports, with
 * -Wall -Wextra -pedantic -Werror (tests/abi/CMakeLists.txt), and freezes the ABI 1.x layout on
 * LP64: a reordered or resized field fails the build here before it breaks a plugin. */
#include <assetflow/assetflow.h>

#include <stddef.h>
#include <stdint.h>

_Static_assert(AF_ABI_MAJOR == 1, "this layout check is for ABI major 1");
_Static_assert(AF_PLUGIN_MAGIC == 0x4C504641u, "the magic is \"AFPL\"");

#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
_Static_assert(offsetof(af_plugin_entry, magic) == 0, "entry layout");
_Static_assert(offsetof(af_plugin_entry, struct_size) == 4, "entry layout");
_Static_assert(offsetof(af_plugin_entry, abi_major) == 8, "entry layout");
_Static_assert(offsetof(af_plugin_entry, abi_minor) == 10, "entry layout");
_Static_assert(offsetof(af_plugin_entry, name) == 16, "entry layout");
_Static_assert(offsetof(af_plugin_entry, asset_count) == 48, "entry layout");
_Static_assert(offsetof(af_plugin_entry, assets) == 56, "entry layout");
_Static_assert(offsetof(af_plugin_entry, io_managers) == 72, "entry layout");
_Static_assert(sizeof(af_plugin_entry) == 88, "entry layout");
_Static_assert(offsetof(af_asset_descriptor, materialize) == 56, "asset descriptor layout");
/* ABI 1.0 ends at materialize (64 bytes); 1.1 appends flags. */
_Static_assert(offsetof(af_asset_descriptor, flags) == 64, "asset descriptor 1.1 layout");
_Static_assert(sizeof(af_asset_descriptor) == 72, "asset descriptor layout");
_Static_assert(offsetof(af_io_manager_descriptor, open_writer) == 40, "IO manager layout");
/* ABI 1.0 ends at wipe (88 bytes); 1.1 appends the two-phase commit calls after it. */
_Static_assert(offsetof(af_io_manager_descriptor, wipe) == 80, "IO manager layout");
_Static_assert(offsetof(af_io_manager_descriptor, stage_writer) == 88, "IO manager 1.1 layout");
_Static_assert(offsetof(af_io_manager_descriptor, sweep) == 120, "IO manager 1.1 layout");
/* probe (check --probe) is appended after sweep. */
_Static_assert(offsetof(af_io_manager_descriptor, probe) == 128, "IO manager 1.1 layout");
_Static_assert(sizeof(af_io_manager_descriptor) == 136, "IO manager layout");
_Static_assert(offsetof(af_host_api, log) == 16, "host api layout");
/* ABI 1.0 ends at get_extension (168 bytes); 1.1 appends set_data_version. */
_Static_assert(offsetof(af_host_api, set_data_version) == 168, "host api 1.1 layout");
_Static_assert(sizeof(af_host_api) == 176, "host api layout");
_Static_assert(sizeof(af_context) == 16, "context layout");
_Static_assert(sizeof(af_istream) == 16 && sizeof(af_ostream) == 16, "stream layout");
#endif

static af_status materialize(const af_asset_descriptor* self, const af_context* ctx) {
  (void)self;
  return AF_HOST_HAS(ctx, get_extension) ? AF_OK : AF_ERR_UNSUPPORTED;
}

int af_compile_check_c(void);
int af_compile_check_c(void) {
  static const af_asset_descriptor d = {sizeof(af_asset_descriptor), "x", NULL, NULL, NULL,
                                        NULL, NULL, materialize, 0};
  static const af_asset_descriptor* const assets[] = {&d};
  static const af_plugin_entry e = {AF_PLUGIN_HEADER, "x", "1", AF_COMPILER_ID, NULL,
                                    1, assets, 0, NULL, NULL};
  return (int)e.asset_count;
}
