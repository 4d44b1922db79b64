/* Claims two assets but gives no list. */
#include "test_plugin.h"

TEST_GOOD_ENTRY("null_assets_list", 2, NULL)
