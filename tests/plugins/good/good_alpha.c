/* A well-formed plugin: loads next to the broken ones in the same directory. */
#include "test_plugin.h"

TEST_ASSET(hello, "hello");
TEST_ASSET(world, "world");
static const af_asset_descriptor* const assets[] = {&hello, &world};
TEST_GOOD_ENTRY("good_alpha", 2, assets)
