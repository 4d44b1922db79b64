/* struct_size does not even cover the version block. */
#include "test_plugin.h"

TEST_ENTRY(AF_PLUGIN_MAGIC, 8, AF_ABI_MAJOR, AF_ABI_MINOR, "small_version_block", 0, NULL)
