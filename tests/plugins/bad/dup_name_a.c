/* First of two files claiming the plugin name "dup_name": loads (it sorts first). */
#include "test_plugin.h"

TEST_ASSET(hello, "hello");
static const af_asset_descriptor* const assets[] = {&hello};
TEST_GOOD_ENTRY("dup_name", 1, assets)
