/* assetflow SDK: the whole C ABI. Include this from a plugin. */
#ifndef ASSETFLOW_ASSETFLOW_H
#define ASSETFLOW_ASSETFLOW_H

#include "private/macros.h"
#include "version.h"
#include "extension.h"
#include "status.h"
#include "stream.h"
#include "host.h"
#include "asset.h"
#include "io_manager.h"
#include "entry.h"

#endif
