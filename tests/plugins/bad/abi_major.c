/* Built for a future, incompatible ABI major. */
#include "test_plugin.h"

TEST_ENTRY(AF_PLUGIN_MAGIC, sizeof(af_plugin_entry), AF_ABI_MAJOR + 1, 0, "abi_major", 0, NULL)
