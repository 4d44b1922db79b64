/* Two asset definitions with the same name in one plugin. */
#include "test_plugin.h"

TEST_ASSET(first, "twice");
TEST_ASSET(second, "twice");
static const af_asset_descriptor* const assets[] = {&first, &second};
TEST_GOOD_ENTRY("duplicate_definition", 2, assets)
