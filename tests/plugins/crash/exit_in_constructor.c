/* Calls exit(0) in a static constructor: the host would vanish with "success". */
#include <stdlib.h>

#include "test_plugin.h"

__attribute__((constructor)) static void leave(void) { exit(0); }

TEST_ASSET(a, "a");
static const af_asset_descriptor* const assets[] = {&a};
TEST_GOOD_ENTRY("exit_in_constructor", 1, assets)
