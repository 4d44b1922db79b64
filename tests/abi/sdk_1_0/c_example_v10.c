/* A FROZEN COPY of plugins/c_example/c_example.c as it was at ABI 1.0 (commit d60b37e^), renamed
 * "c_example_v10" and built against the frozen 1.0 headers next to it (sdk_1_0/include): the
 * binary a plugin author built before 1.1 existed. Never edit it to follow the SDK.
 *
 * The "c_example" plugin: proof that a plugin needs nothing but a C11 compiler and the SDK's C
 * headers (no C++ runtime, no Boost). Two asset definitions:
 *   hello  writes "hello from C" and metadata text language = "C";
 *   upper  reads input "text" and writes it with ASCII letters uppercased (streaming). */
#include <assetflow/assetflow.h>

#include <stddef.h>
#include <string.h>

/* Writes all of `size` bytes, looping over partial writes. */
static int write_all(const af_ostream* out, const char* data, uint64_t size) {
  while (size > 0) {
    int64_t n = out->write(out, data, size);
    if (n <= 0) return 0;
    data += n;
    size -= (uint64_t)n;
  }
  return 1;
}

static af_status fail(const af_context* ctx, af_status status, const char* message) {
  ctx->api->set_error(ctx, status, message);
  return status;
}

static af_status hello(const af_asset_descriptor* self, const af_context* ctx) {
  static const char text[] = "hello from C";
  const af_ostream* out = ctx->api->output(ctx);
  (void)self;
  if (out == NULL) return fail(ctx, AF_ERR_UNSUPPORTED, "this call has no output stream");
  if (!write_all(out, text, sizeof text - 1)) return fail(ctx, AF_ERR_IO, "writing the output failed");
  return ctx->api->add_metadata(ctx, "language", AF_META_TEXT, "C");
}

static af_status upper(const af_asset_descriptor* self, const af_context* ctx) {
  const af_istream* in = NULL;
  const af_ostream* out = ctx->api->output(ctx);
  char buffer[16384];
  int64_t n;
  (void)self;
  if (ctx->api->open_input(ctx, "text", &in) != AF_OK || in == NULL)
    return fail(ctx, AF_ERR_FATAL, "upper needs an input named 'text'");
  if (out == NULL) return fail(ctx, AF_ERR_UNSUPPORTED, "this call has no output stream");
  while ((n = in->read(in, buffer, sizeof buffer)) > 0) {
    int64_t i;
    if (ctx->api->is_canceled(ctx)) return fail(ctx, AF_ERR_CANCELED, "canceled");
    for (i = 0; i < n; ++i) {
      if (buffer[i] >= 'a' && buffer[i] <= 'z') buffer[i] = (char)(buffer[i] - 'a' + 'A');
    }
    if (!write_all(out, buffer, (uint64_t)n)) return fail(ctx, AF_ERR_IO, "writing the output failed");
  }
  if (n < 0) return fail(ctx, AF_ERR_IO, "reading input 'text' failed");
  return AF_OK;
}

static const af_asset_descriptor hello_descriptor = {
    sizeof(af_asset_descriptor),
    "hello",
    "Writes \"hello from C\"",
    NULL, /* no config */
    "1",
    "text/plain",
    NULL,
    hello};

static const af_asset_descriptor upper_descriptor = {
    sizeof(af_asset_descriptor),
    "upper",
    "Uppercases (ASCII) its input 'text'",
    NULL,
    "1",
    "text/plain",
    NULL,
    upper};

static const af_asset_descriptor* const assets[] = {&hello_descriptor, &upper_descriptor};

static const af_plugin_entry entry = {
    AF_PLUGIN_HEADER,
    "c_example_v10",
    "1.0.0",
    AF_COMPILER_ID " / C" AF_STRINGIFY(__STDC_VERSION__),
    "Example plugin written in C11",
    2,
    assets,
    0,
    NULL,
    NULL};

AF_EXPORT const af_plugin_entry* assetflow_plugin_entry(void) { return &entry; }
