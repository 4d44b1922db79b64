/* A config schema nested 200,000 levels deep: a recursive JSON parser would run out of stack
   (the host crashed on it once); refused at load as too deep, naming the definition. */
#include <string.h>

#include "test_plugin.h"

#define DEPTH 200000
static char schema[DEPTH * 2 + 64];

static const af_asset_descriptor a = {sizeof(af_asset_descriptor), "deep", NULL, schema,
                                      NULL, NULL, NULL, test_write_name};
static const af_asset_descriptor* const assets[] = {&a};

/* Filled before the host can read the entry: the schema text is too big for a literal. */
__attribute__((constructor)) static void fill_schema(void) {
  static const char head[] = "{\"type\": \"object\", \"default\": ";
  char* p = schema;
  memcpy(p, head, sizeof head - 1);
  p += sizeof head - 1;
  memset(p, '[', DEPTH);
  p += DEPTH;
  memset(p, ']', DEPTH);
  p += DEPTH;
  *p++ = '}';
  *p = '\0';
}
TEST_GOOD_ENTRY("deep_schema", 1, assets)
