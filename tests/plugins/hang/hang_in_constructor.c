/* Never returns from its static constructor: only a probe with a timeout survives it. */
#include <unistd.h>

#include "test_plugin.h"

__attribute__((constructor)) static void hang(void) {
  for (;;) pause();
}

TEST_ASSET(a, "a");
static const af_asset_descriptor* const assets[] = {&a};
TEST_GOOD_ENTRY("hang_in_constructor", 1, assets)
