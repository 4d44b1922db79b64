/* The @NAME@ plugin: one asset definition, "greeting", that writes "hello, <name>".
 * The whole C ABI is in <assetflow/assetflow.h>; docs/plugin-guide.md explains it. */
#include <assetflow/assetflow.h>

#include <stdio.h>
#include <string.h>

static af_status fail(const af_context* ctx, af_status status, const char* message) {
  ctx->api->set_error(ctx, status, message);
  return status;
}

/* [thread-safe]: several assets of this definition may materialize at once. */
static af_status greeting(const af_asset_descriptor* self, const af_context* ctx) {
  const char* name = NULL;
  uint64_t length = 0;
  char text[512], bytes[32];
  const af_ostream* out = ctx->api->output(ctx);
  const char* p = text;
  uint64_t left;
  (void)self;
  /* "name" is always there: the host fills the schema's default. */
  if (ctx->api->config_get_string(ctx, "name", &name, &length) != AF_OK)
    return fail(ctx, AF_ERR_FATAL, "config 'name' is not a string");
  snprintf(text, sizeof text, "hello, %.*s", (int)length, name);
  left = strlen(text);
  while (left > 0) {
    const int64_t n = out->write(out, p, left);
    if (n <= 0) {
      const char* why = AF_STREAM_HAS_ERROR(ctx, out) ? out->get_error(out) : NULL;
      return fail(ctx, AF_ERR_IO, why && *why ? why : "writing the output failed");
    }
    p += n;
    left -= (uint64_t)n;
  }
  snprintf(bytes, sizeof bytes, "%u", (unsigned)strlen(text));
  return ctx->api->add_metadata(ctx, "bytes", AF_META_INT, bytes);
}

static const af_input_declaration* const no_inputs[] = {NULL};

static const af_asset_descriptor greeting_descriptor = {
    sizeof(af_asset_descriptor),
    "greeting",
    "Writes \"hello, <name>\"",
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
    "\"name\":{\"type\":\"string\",\"default\":\"world\",\"description\":\"who to greet\"}}}",
    "1",          /* code version: bump it when the output changes */
    "text/plain", /* output media type */
    NULL,         /* user_data */
    greeting,
    0,            /* flags */
    0, no_inputs  /* declares that it takes no inputs */
};

static const af_asset_descriptor* const assets[] = {&greeting_descriptor};

static const af_plugin_entry entry = {
    AF_PLUGIN_HEADER,
    "@NAME@",
    "0.1.0",
    AF_COMPILER_ID " / C" AF_STRINGIFY(__STDC_VERSION__),
    "The @NAME@ plugin",
    1, assets,
    0, NULL, /* no IO managers */
    NULL,    /* get_extension */
    NULL,    /* init */
    NULL     /* deinit */
};

AF_EXPORT const af_plugin_entry* assetflow_plugin_entry(void) { return &entry; }
