/* An IO manager whose schema's default breaks its own property schema. */
#include "test_plugin.h"

static af_status open_writer(const af_io_manager_descriptor* s, const af_context* c, af_ostream* w) {
  (void)s; (void)c; (void)w;
  return AF_ERR_UNSUPPORTED;
}
static af_status commit_writer(const af_io_manager_descriptor* s, const af_context* c, af_ostream* w) {
  (void)s; (void)c; (void)w;
  return AF_ERR_UNSUPPORTED;
}
static void abort_writer(const af_io_manager_descriptor* s, const af_context* c, af_ostream* w) {
  (void)s; (void)c; (void)w;
}
static af_status open_reader(const af_io_manager_descriptor* s, const af_context* c, af_istream* r) {
  (void)s; (void)c; (void)r;
  return AF_ERR_UNSUPPORTED;
}
static void close_reader(const af_io_manager_descriptor* s, const af_context* c, af_istream* r) {
  (void)s; (void)c; (void)r;
}

AF_EXPORT const af_plugin_entry* assetflow_plugin_entry(void) {
  static const af_io_manager_descriptor store = {
      sizeof(af_io_manager_descriptor), "store", NULL,
      "{\"type\":\"object\",\"properties\":{\"retries\":{\"type\":\"integer\",\"minimum\":0,"
      "\"default\":-1}}}",
      NULL, open_writer, commit_writer, abort_writer, open_reader, close_reader, NULL};
  static const af_io_manager_descriptor* const ios[] = {&store};
  static const af_plugin_entry e = {AF_PLUGIN_HEADER, "bad_schema_default", "1.0.0", AF_COMPILER_ID,
                                    NULL, 0, NULL, 1, ios, NULL};
  return &e;
}
