/* No plugin name at all. */
#include "test_plugin.h"

TEST_ASSET(hello, "hello");
static const af_asset_descriptor* const assets[] = {&hello};
TEST_GOOD_ENTRY(NULL, 1, assets)
