// `assetflow check --probe`: after the manifests and plugins check out, asks every IO manager
// resource the assets use whether its storage is reachable with the credentials it finds (an
// S3 bucket: HEAD bucket), through the IO manager's probe call (ABI 1.1).
#ifndef ASSETFLOW_HOST_CLI_PROBE_H_
#define ASSETFLOW_HOST_CLI_PROBE_H_

#include "cli/global_options.h"

namespace af {

// Prints one line per resource on stdout ("probe io_manager (s3_io/s3_io_manager): ok",
// "... : not probed (no probe call)") and each failure on stderr ("error: probing 'x' through
// t failed: ..."); kExitUsage if any probe failed, else kExitOk. (host/cli/engine_probe.cc)
int ProbeStorageOfWorkspace(const Workspace& ws, const GlobalOptions& options);

}  // namespace af

#endif
