/* The "c_example" plugin: proof that a plugin needs nothing but a C11 compiler and the SDK's C
 * headers (no C++ runtime, no Boost). Two asset definitions:
 *   hello  writes "hello from C" and metadata text language = "C";
 *   upper  reads input "text" and writes it with ASCII letters uppercased (streaming).
 * ABI 1.1 in C: declared inputs (hello none, upper "text"), an init that checks the host, and
 * the output stream's error text in its failure. */
#include <assetflow/assetflow.h>

#include <stddef.h>
#include <stdio.h>
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

/* A write failure, with the stream's reason when the host's stream has one (ABI 1.1). */
static af_status write_failed(const af_context* ctx, const af_ostream* out) {
  char message[512];
  const char* why = AF_STREAM_HAS_ERROR(ctx, out) ? out->get_error(out) : NULL;
  snprintf(message, sizeof message, "writing the output failed%s%s", why && *why ? ": " : "",
           why && *why ? why : "");
  return fail(ctx, AF_ERR_IO, message);
}

/* Refuses hosts that would not honour the declared inputs (older than the headers' 1.1). */
static af_status init(const af_host_info* host) {
  if (host->abi_major != AF_ABI_MAJOR) {
    host->set_error(host, "c_example is written for ABI major 1");
    return AF_ERR_UNSUPPORTED;
  }
  return AF_OK;
}

static af_status hello(const af_asset_descriptor* self, const af_context* ctx) {
  static const char text[] = "hello from C";
  const af_ostream* out = ctx->api->output(ctx);
  (void)self;
  if (out == NULL) return fail(ctx, AF_ERR_UNSUPPORTED, "this call has no output stream");
  if (!write_all(out, text, sizeof text - 1)) return write_failed(ctx, out);
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
    if (!write_all(out, buffer, (uint64_t)n)) return write_failed(ctx, out);
  }
  if (n < 0) return fail(ctx, AF_ERR_IO, "reading input 'text' failed");
  return AF_OK;
}

static const af_input_declaration* const no_inputs[] = {NULL};
static const af_input_declaration text_input = {sizeof(af_input_declaration), "text",
                                                "the text to uppercase", 0 /* required */};
static const af_input_declaration* const upper_inputs[] = {&text_input};

static const af_asset_descriptor hello_descriptor = {
    sizeof(af_asset_descriptor),
    "hello",
    "Writes \"hello from C\"",
    NULL, /* no config */
    "1",
    "text/plain",
    NULL,
    hello,
    0,
    0, /* declares that it takes no inputs */
    no_inputs};

static const af_asset_descriptor upper_descriptor = {
    sizeof(af_asset_descriptor),
    "upper",
    "Uppercases (ASCII) its input 'text'",
    NULL,
    "1",
    "text/plain",
    NULL,
    upper,
    0,
    1,
    upper_inputs};

static const af_asset_descriptor* const assets[] = {&hello_descriptor, &upper_descriptor};

static const af_plugin_entry entry = {
    AF_PLUGIN_HEADER,
    "c_example",
    "1.0.0",
    AF_COMPILER_ID " / C" AF_STRINGIFY(__STDC_VERSION__),
    "Example plugin written in C11",
    2,
    assets,
    0,
    NULL,
    NULL,
    init,
    NULL};

AF_EXPORT const af_plugin_entry* assetflow_plugin_entry(void) { return &entry; }
