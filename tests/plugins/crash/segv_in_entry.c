/* Loads fine, then segfaults in its entry function. */
#include "test_plugin.h"

AF_EXPORT const af_plugin_entry* assetflow_plugin_entry(void) {
  volatile int* volatile nowhere = NULL;
  *nowhere = 1;
  return NULL;
}
