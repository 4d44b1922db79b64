/* struct_size covers the version block but not the fields an ABI 1.x entry has. */
#include "test_plugin.h"

TEST_ENTRY(AF_PLUGIN_MAGIC, 16, AF_ABI_MAJOR, AF_ABI_MINOR, "small_entry", 0, NULL)
