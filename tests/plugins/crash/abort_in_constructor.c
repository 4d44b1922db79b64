/* Aborts in a static constructor: dlopen never returns. The entry is well-formed. */
#include <stdlib.h>

#include "test_plugin.h"

__attribute__((constructor)) static void explode(void) { abort(); }

TEST_ASSET(a, "a");
static const af_asset_descriptor* const assets[] = {&a};
TEST_GOOD_ENTRY("abort_in_constructor", 1, assets)
