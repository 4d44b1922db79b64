/* A declared input whose name breaks the naming rule. */
#include "test_plugin.h"

static const af_input_declaration in = {sizeof(af_input_declaration), "not ok", NULL, 0};
static const af_input_declaration* const inputs[] = {&in};
static const af_asset_descriptor a = {sizeof(af_asset_descriptor), "joiner", NULL, NULL, NULL,
                                      NULL, NULL, test_write_name, 0, 1, inputs};
static const af_asset_descriptor* const assets[] = {&a};
TEST_GOOD_ENTRY("bad_input_name", 1, assets)
