/* A config schema that is JSON but not JSON Schema: a property's "type" that no draft has. */
#include "test_plugin.h"

static const af_asset_descriptor a = {
    sizeof(af_asset_descriptor), "counter", NULL,
    "{\"type\":\"object\",\"properties\":{\"count\":{\"type\":\"integr\"}}}", NULL, NULL, NULL,
    test_write_name};
static const af_asset_descriptor* const assets[] = {&a};
TEST_GOOD_ENTRY("bad_schema_type", 1, assets)
