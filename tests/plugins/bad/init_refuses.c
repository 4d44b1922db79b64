/* An entry whose init refuses, saying why through af_host_info.set_error (ABI 1.1). */
#include "test_plugin.h"

static af_status init(const af_host_info* host) {
  host->set_error(host, "needs a GPU, none found");
  return AF_ERR_UNSUPPORTED;
}

TEST_ASSET(a, "never");
static const af_asset_descriptor* const assets[] = {&a};
AF_EXPORT const af_plugin_entry* assetflow_plugin_entry(void) {
  static const af_plugin_entry e = {AF_PLUGIN_HEADER, "init_refuses", "1.0.0", AF_COMPILER_ID,
                                    NULL, 1, assets, 0, NULL, NULL, init, NULL};
  return &e;
}
