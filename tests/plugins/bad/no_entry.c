/* A shared library without the entry symbol. */
#include <assetflow/assetflow.h>

AF_EXPORT int not_the_entry(void) { return 42; }
