/* A config schema that is not JSON: refused at load, naming the definition. */
#include "test_plugin.h"

static const af_asset_descriptor a = {sizeof(af_asset_descriptor), "reader", NULL,
                                      "{\"type\": \"object\",", NULL, NULL, NULL, test_write_name};
static const af_asset_descriptor* const assets[] = {&a};
TEST_GOOD_ENTRY("bad_schema_json", 1, assets)
