/* A well-formed plugin with an IO manager too: loads next to the broken ones. */
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
  return AF_ERR_NOT_FOUND;
}
static void close_reader(const af_io_manager_descriptor* d, const af_context* c, af_istream* r) {
  (void)d; (void)c; (void)r;
}

TEST_ASSET(hello, "hello");
TEST_ASSET(world, "world");
static const af_asset_descriptor* const assets[] = {&hello, &world};
/* wipe is NULL: optional. */
static const af_io_manager_descriptor store = {
    sizeof(af_io_manager_descriptor), "store", "Stores nothing",
    "{\"type\":\"object\",\"properties\":{\"dir\":{\"type\":\"string\"}}}", NULL,
    open_writer, commit_writer, abort_writer, open_reader, close_reader, NULL};
static const af_io_manager_descriptor* const io_managers[] = {&store};

AF_EXPORT const af_plugin_entry* assetflow_plugin_entry(void) {
  static const af_plugin_entry e = {AF_PLUGIN_HEADER, "good_beta", "2.0.0", AF_COMPILER_ID, NULL,
                                    2, assets, 1, io_managers, NULL};
  return &e;
}
