/* An asset descriptor whose struct_size is too small for materialize. */
#include "test_plugin.h"

static const af_asset_descriptor small = {8, "small", NULL, NULL, NULL, NULL, NULL, test_write_name};
static const af_asset_descriptor* const assets[] = {&small};
TEST_GOOD_ENTRY("small_descriptor", 1, assets)
