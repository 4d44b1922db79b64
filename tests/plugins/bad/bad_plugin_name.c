/* A plugin name outside [A-Za-z0-9_-]+ (it could not be written as "<plugin>/<definition>"). */
#include "test_plugin.h"

TEST_ASSET(hello, "hello");
static const af_asset_descriptor* const assets[] = {&hello};
TEST_GOOD_ENTRY("bad name/x", 1, assets)
