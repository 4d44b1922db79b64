/* Wrong magic: nothing after it may be trusted. */
#include "test_plugin.h"

TEST_ENTRY(0x12345678u, sizeof(af_plugin_entry), AF_ABI_MAJOR, AF_ABI_MINOR, "bad_magic", 0, NULL)
