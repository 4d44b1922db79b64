/* A well-formed plugin next to the crashing ones: its definitions stay usable. */
#include "test_plugin.h"

TEST_ASSET(hello, "hello");
static const af_asset_descriptor* const assets[] = {&hello};
TEST_GOOD_ENTRY("good_gamma", 1, assets)
