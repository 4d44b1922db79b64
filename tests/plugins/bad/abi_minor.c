/* Needs a newer minor than the host has. */
#include "test_plugin.h"

TEST_ENTRY(AF_PLUGIN_MAGIC, sizeof(af_plugin_entry), AF_ABI_MAJOR, AF_ABI_MINOR + 1, "abi_minor", 0, NULL)
