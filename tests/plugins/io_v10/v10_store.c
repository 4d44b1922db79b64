/* An IO manager as a plugin built against the ABI 1.0 headers would define it: its descriptor
 * ends at `wipe` (struct_size = offsetof(stage_writer)), so the host must commit through
 * commit_writer and never read the 1.1 fields. Stores asset "k" at <base_dir>/k (keys without
 * '/'), writing "<base_dir>/k.v10-partial" first and renaming it on commit. For the engine's
 * tests (host/engine/io_staging_test.cc). */
#include <assetflow/assetflow.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  FILE* file;
  char path[4096], partial[4096];
} v10_writer;

static int path_of(const af_context* ctx, char* out, size_t size, const char* suffix) {
  const char* base = NULL;
  if (ctx->api->config_get_string(ctx, "base_dir", &base, NULL) != AF_OK) {
    ctx->api->set_error(ctx, AF_ERR_INVALID_ARGUMENT, "v10_store: base_dir is not set");
    return 0;
  }
  const int n = snprintf(out, size, "%s/%s%s", base, ctx->api->asset_key(ctx), suffix);
  return n > 0 && (size_t)n < size;
}

static int64_t write_bytes(const af_ostream* s, const void* data, uint64_t size) {
  v10_writer* w = (v10_writer*)s->ctx;
  return fwrite(data, 1, (size_t)size, w->file) == size ? (int64_t)size : -1;
}

static af_status open_writer(const af_io_manager_descriptor* d, const af_context* ctx,
                             af_ostream* writer) {
  (void)d;
  v10_writer* w = (v10_writer*)calloc(1, sizeof *w);
  if (!w) return AF_ERR_IO;
  if (!path_of(ctx, w->path, sizeof w->path, "") ||
      !path_of(ctx, w->partial, sizeof w->partial, ".v10-partial")) {
    free(w);
    return AF_ERR_INVALID_ARGUMENT;
  }
  w->file = fopen(w->partial, "wb");
  if (!w->file) {
    ctx->api->set_error(ctx, AF_ERR_IO, "v10_store: cannot create the partial file");
    free(w);
    return AF_ERR_IO;
  }
  writer->ctx = w;
  writer->write = write_bytes;
  return AF_OK;
}

static af_status commit_writer(const af_io_manager_descriptor* d, const af_context* ctx,
                               af_ostream* writer) {
  (void)d;
  v10_writer* w = (v10_writer*)writer->ctx;
  const int closed = fclose(w->file) == 0;
  const int renamed = closed && rename(w->partial, w->path) == 0;
  if (renamed) ctx->api->add_metadata(ctx, "v10_path", AF_META_PATH, w->path);
  else remove(w->partial);
  free(w);
  if (!renamed) ctx->api->set_error(ctx, AF_ERR_IO, "v10_store: commit failed");
  return renamed ? AF_OK : AF_ERR_IO;
}

static void abort_writer(const af_io_manager_descriptor* d, const af_context* ctx,
                         af_ostream* writer) {
  (void)d; (void)ctx;
  v10_writer* w = (v10_writer*)writer->ctx;
  fclose(w->file);
  remove(w->partial);
  free(w);
}

static int64_t read_bytes(const af_istream* s, void* buffer, uint64_t size) {
  FILE* f = (FILE*)s->ctx;
  const size_t n = fread(buffer, 1, (size_t)size, f);
  return n > 0 ? (int64_t)n : (ferror(f) ? -1 : 0);
}

static af_status open_reader(const af_io_manager_descriptor* d, const af_context* ctx,
                             af_istream* reader) {
  (void)d;
  char path[4096];
  if (!path_of(ctx, path, sizeof path, "")) return AF_ERR_INVALID_ARGUMENT;
  FILE* f = fopen(path, "rb");
  if (!f) {
    ctx->api->set_error(ctx, AF_ERR_NOT_FOUND, "v10_store: never stored");
    return AF_ERR_NOT_FOUND;
  }
  reader->ctx = f;
  reader->read = read_bytes;
  return AF_OK;
}

static void close_reader(const af_io_manager_descriptor* d, const af_context* ctx,
                         af_istream* reader) {
  (void)d; (void)ctx;
  fclose((FILE*)reader->ctx);
}

static const af_io_manager_descriptor store = {
    offsetof(af_io_manager_descriptor, stage_writer), "store", "ABI 1.0 file store",
    "{\"type\":\"object\",\"required\":[\"base_dir\"],\"additionalProperties\":false,"
    "\"properties\":{\"base_dir\":{\"type\":\"string\",\"minLength\":1}}}",
    NULL, open_writer, commit_writer, abort_writer, open_reader, close_reader, NULL};
static const af_io_manager_descriptor* const io_managers[] = {&store};

AF_EXPORT const af_plugin_entry* assetflow_plugin_entry(void) {
  static const af_plugin_entry e = {AF_PLUGIN_HEADER, "v10_store", "1.0.0", AF_COMPILER_ID, NULL,
                                    0, NULL, 1, io_managers, NULL};
  return &e;
}
