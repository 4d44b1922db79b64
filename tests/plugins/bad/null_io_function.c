/* An IO manager with a required function (close_reader) left NULL. */
#include "test_plugin.h"

static af_status open_writer(const af_io_manager_descriptor* d, const af_context* c, af_ostream* w) {
  (void)d; (void)c; (void)w;
  return AF_ERR_UNSUPPORTED;
}
static af_status commit_writer(const af_io_manager_descriptor* d, const af_context* c, af_ostream* w) {
  (void)d; (void)c; (void)w;
  return AF_ERR_UNSUPPORTED;
}
static void abort_writer(const af_io_manager_descriptor* d, const af_context* c, af_ostream* w) {
  (void)d; (void)c; (void)w;
}
static af_status open_reader(const af_io_manager_descriptor* d, const af_context* c, af_istream* r) {
  (void)d; (void)c; (void)r;
  return AF_ERR_UNSUPPORTED;
}
static const af_io_manager_descriptor store = {sizeof(af_io_manager_descriptor), "store", NULL, NULL,
                                               NULL, open_writer, commit_writer, abort_writer,
                                               open_reader, NULL, NULL};
static const af_io_manager_descriptor* const io_managers[] = {&store};

AF_EXPORT const af_plugin_entry* assetflow_plugin_entry(void) {
  static const af_plugin_entry e = {AF_PLUGIN_HEADER, "null_io_function", "1.0.0", AF_COMPILER_ID,
                                    NULL, 0, NULL, 1, io_managers, NULL};
  return &e;
}
