/* The entry exists but declines to start. */
#include <assetflow/assetflow.h>

AF_EXPORT const af_plugin_entry* assetflow_plugin_entry(void) { return NULL; }
