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
/* ABI 1.0 ends at get_extension (88 bytes); 1.1 appends init and deinit. */
_Static_assert(offsetof(af_plugin_entry, get_extension) == 80, "entry layout");
_Static_assert(offsetof(af_plugin_entry, init) == 88, "entry 1.1 layout");
_Static_assert(offsetof(af_plugin_entry, deinit) == 96, "entry 1.1 layout");
_Static_assert(sizeof(af_plugin_entry) == 104, "entry layout");
_Static_assert(offsetof(af_host_info, plugin_path) == 16, "host info layout");
_Static_assert(offsetof(af_host_info, set_error) == 32, "host info layout");
_Static_assert(sizeof(af_host_info) == 48, "host info layout");
_Static_assert(offsetof(af_asset_descriptor, materialize) == 56, "asset descriptor layout");
/* ABI 1.0 ends at materialize (64 bytes); 1.1 appends flags, then the declared inputs. */
_Static_assert(offsetof(af_asset_descriptor, flags) == 64, "asset descriptor 1.1 layout");
_Static_assert(offsetof(af_asset_descriptor, input_count) == 68, "asset descriptor 1.1 layout");
_Static_assert(offsetof(af_asset_descriptor, inputs) == 72, "asset descriptor 1.1 layout");
_Static_assert(sizeof(af_asset_descriptor) == 80, "asset descriptor layout");
_Static_assert(offsetof(af_input_declaration, flags) == 24, "input declaration layout");
_Static_assert(sizeof(af_input_declaration) == 32, "input declaration layout");
_Static_assert(offsetof(af_io_manager_descriptor, open_writer) == 40, "IO manager layout");
/* ABI 1.0 ends at wipe (88 bytes); 1.1 appends the two-phase commit calls after it. */
_Static_assert(offsetof(af_io_manager_descriptor, wipe) == 80, "IO manager layout");
_Static_assert(offsetof(af_io_manager_descriptor, stage_writer) == 88, "IO manager 1.1 layout");
_Static_assert(offsetof(af_io_manager_descriptor, sweep) == 120, "IO manager 1.1 layout");
_Static_assert(offsetof(af_io_manager_descriptor, flags) == 128, "IO manager 1.1 layout");
/* probe (check --probe) is appended after flags. */
_Static_assert(offsetof(af_io_manager_descriptor, probe) == 136, "IO manager 1.1 layout");
_Static_assert(sizeof(af_io_manager_descriptor) == 144, "IO manager layout");
_Static_assert(offsetof(af_host_api, log) == 16, "host api layout");
/* ABI 1.0 ends at get_extension (168 bytes); 1.1 appends set_data_version. */
_Static_assert(offsetof(af_host_api, set_data_version) == 168, "host api 1.1 layout");
_Static_assert(sizeof(af_host_api) == 176, "host api layout");
_Static_assert(sizeof(af_context) == 16, "context layout");
/* ABI 1.0 streams end at read/write (16 bytes); 1.1 appends get_error. */
_Static_assert(offsetof(af_istream, get_error) == 16 && offsetof(af_ostream, get_error) == 16,
               "stream 1.1 layout");
_Static_assert(sizeof(af_istream) == 24 && sizeof(af_ostream) == 24, "stream layout");
#endif

static af_status materialize(const af_asset_descriptor* self, const af_context* ctx) {
  (void)self;
  return AF_HOST_HAS(ctx, get_extension) ? AF_OK : AF_ERR_UNSUPPORTED;
}

int af_compile_check_c(void);
int af_compile_check_c(void) {
  static const af_input_declaration in = {sizeof(af_input_declaration), "in", NULL,
                                          AF_INPUT_OPTIONAL};
  static const af_input_declaration* const inputs[] = {&in};
  static const af_asset_descriptor d = {sizeof(af_asset_descriptor), "x", NULL, NULL, NULL,
                                        NULL, NULL, materialize, 0, 1, inputs};
  static const af_asset_descriptor* const assets[] = {&d};
  static const af_plugin_entry e = {AF_PLUGIN_HEADER, "x", "1", AF_COMPILER_ID, NULL,
                                    1, assets, 0, NULL, NULL, NULL, NULL};
  (void)af_extension_id_is_valid(AF_EXTENSION_ID("x", 1));
  return (int)e.asset_count;
}
