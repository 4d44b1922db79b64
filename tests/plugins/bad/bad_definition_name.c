/* A definition name outside [A-Za-z0-9_-]+. */
#include "test_plugin.h"

TEST_ASSET(hello, "hello");
TEST_ASSET(slashed, "a/b");
static const af_asset_descriptor* const assets[] = {&hello, &slashed};
TEST_GOOD_ENTRY("bad_definition_name", 2, assets)
