/* A plugin that records its init and deinit (ABI 1.1) and declares inputs, for the registry's
 * lifecycle test. Asset "state" writes "init <n> <host_version> <plugin file name>"; deinit
 * appends "deinit\n" to the file $AF_TEST_DEINIT_LOG names. Declares 1.1 explicitly: it needs
 * a host that calls init. */
#define AF_PLUGIN_ABI_MINOR 1
#include <assetflow/assetflow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int init_calls;
static char seen[512];

static af_status init(const af_host_info* host) {
  const char* file = strrchr(host->plugin_path, '/');
  ++init_calls;
  snprintf(seen, sizeof seen, "init %d %s %s", init_calls, host->host_version,
           file ? file + 1 : host->plugin_path);
  return AF_OK;
}

static void deinit(void) {
  const char* log = getenv("AF_TEST_DEINIT_LOG");
  FILE* f = log ? fopen(log, "a") : NULL;
  if (f) {
    fputs("deinit\n", f);
    fclose(f);
  }
}

static af_status state(const af_asset_descriptor* self, const af_context* ctx) {
  const af_ostream* out = ctx->api->output(ctx);
  const int64_t n = (int64_t)strlen(seen);
  (void)self;
  return out->write(out, seen, (uint64_t)n) == n ? AF_OK : AF_ERR_IO;
}

static const af_input_declaration left = {sizeof(af_input_declaration), "left", "the first", 0};
static const af_input_declaration right = {sizeof(af_input_declaration), "right", NULL,
                                           AF_INPUT_OPTIONAL};
static const af_input_declaration* const join_inputs[] = {&left, &right};
static const af_input_declaration* const no_inputs[] = {NULL};

static const af_asset_descriptor state_d = {sizeof(af_asset_descriptor), "state", "init state",
                                            NULL, NULL, NULL, NULL, state, 0, 0, no_inputs};
static const af_asset_descriptor join_d = {sizeof(af_asset_descriptor), "join", NULL, NULL, NULL,
                                           NULL, NULL, state, 0, 2, join_inputs};
static const af_asset_descriptor* const assets[] = {&state_d, &join_d};

AF_EXPORT const af_plugin_entry* assetflow_plugin_entry(void) {
  static const af_plugin_entry e = {AF_PLUGIN_HEADER, "lifecycle", "1.0.0", AF_COMPILER_ID, NULL,
                                    2, assets, 0, NULL, NULL, init, deinit};
  return &e;
}
