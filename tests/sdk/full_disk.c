/* "full_disk": an IO manager (C, ABI 1.1) whose writes fail as on a full disk: write returns -1
 * and get_error answers strerror(ENOSPC), so the tests can see that text reach the step's
 * failure. Declared write-only. Plus "cpp_store" in cpp_store.cc: the C++ layer's defaults. */
#include <assetflow/assetflow.h>

#include <errno.h>
#include <string.h>

static int64_t write_fails(const af_ostream* s, const void* data, uint64_t size) {
  (void)s; (void)data; (void)size;
  return -1;
}
static const char* why(const af_ostream* s) {
  (void)s;
  return strerror(ENOSPC);
}
static af_status open_writer(const af_io_manager_descriptor* d, const af_context* c, af_ostream* w) {
  (void)d; (void)c;
  w->ctx = NULL;
  w->write = write_fails;
  w->get_error = why;
  return AF_OK;
}
static af_status commit_writer(const af_io_manager_descriptor* d, const af_context* c, af_ostream* w) {
  (void)d; (void)c; (void)w;
  return AF_OK;
}
static void abort_writer(const af_io_manager_descriptor* d, const af_context* c, af_ostream* w) {
  (void)d; (void)c; (void)w;
}
static af_status open_reader(const af_io_manager_descriptor* d, const af_context* c, af_istream* r) {
  (void)d; (void)r;
  c->api->set_error(c, AF_ERR_UNSUPPORTED, "full_disk is write-only");
  return AF_ERR_UNSUPPORTED;
}
static void close_reader(const af_io_manager_descriptor* d, const af_context* c, af_istream* r) {
  (void)d; (void)c; (void)r;
}

static const af_io_manager_descriptor full_disk = {
    sizeof(af_io_manager_descriptor), "full_disk", "Every write fails with ENOSPC", NULL, NULL,
    open_writer, commit_writer, abort_writer, open_reader, close_reader, NULL,
    NULL, NULL, NULL, NULL, NULL, /* no two-phase commit */
    AF_IO_MANAGER_WRITE_ONLY};
static const af_io_manager_descriptor* const ios[] = {&full_disk};

AF_EXPORT const af_plugin_entry* assetflow_plugin_entry(void) {
  static const af_plugin_entry e = {AF_PLUGIN_HEADER, "full_disk", "1.0.0", AF_COMPILER_ID, NULL,
                                    0, NULL, 1, ios, NULL, NULL, NULL};
  return &e;
}
