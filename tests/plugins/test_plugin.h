/* Shared pieces of the registry's test plugins: a working asset, and a macro that defines the
 * exported entry from an initializer list. Each plugin in bad/ breaks exactly one rule. */
#ifndef ASSETFLOW_TESTS_PLUGINS_TEST_PLUGIN_H
#define ASSETFLOW_TESTS_PLUGINS_TEST_PLUGIN_H

#include <assetflow/assetflow.h>
#include <string.h>

/* Writes the definition's own name: a good plugin's assets prove they were really called. */
static inline af_status test_write_name(const af_asset_descriptor* self, const af_context* ctx) {
  const af_ostream* out = ctx->api->output(ctx);
  int64_t n = (int64_t)strlen(self->name);
  return out->write(out, self->name, (uint64_t)n) == n ? AF_OK : AF_ERR_IO;
}

#define TEST_ASSET(var, name) \
  static const af_asset_descriptor var = {sizeof(af_asset_descriptor), name, NULL, NULL, \
                                          NULL, NULL, NULL, test_write_name}

/* TEST_ENTRY(magic, struct_size, major, minor, name, asset_count, assets) */
#define TEST_ENTRY(magic, size, major, minor, name, count, assets)                       \
  AF_EXPORT const af_plugin_entry* assetflow_plugin_entry(void) {                        \
    static const af_plugin_entry e = {magic, size, major, minor, name, "1.0.0",          \
                                      AF_COMPILER_ID, NULL, count, assets, 0, NULL, NULL}; \
    return &e;                                                                           \
  }

#define TEST_GOOD_ENTRY(name, count, assets) \
  TEST_ENTRY(AF_PLUGIN_MAGIC, sizeof(af_plugin_entry), AF_ABI_MAJOR, AF_ABI_MINOR, name, count, assets)

#endif
