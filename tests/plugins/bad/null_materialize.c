/* A required function pointer left NULL. */
#include "test_plugin.h"

static const af_asset_descriptor broken = {sizeof(af_asset_descriptor), "broken", NULL, NULL,
                                           NULL, NULL, NULL, NULL};
static const af_asset_descriptor* const assets[] = {&broken};
TEST_GOOD_ENTRY("null_materialize", 1, assets)
