// `assetflow check --probe` (see cli/probe.h).
#include <iostream>

#include "cli/probe.h"
#include "engine/io_managers.h"

namespace af {

int ProbeStorageOfWorkspace(const Workspace& ws, const GlobalOptions& options) {
  auto io = IoManagerSet::Resolve(ws.definitions(), ws.plugins());
  if (!io.ok()) {
    std::cerr << "error: " << io.status().message() << "\n";
    return kExitUsage;
  }
  const std::string home = ResolveHome(options.home);
  int exit_code = kExitOk;
  for (const IoManagerRef* ref : (*io)->All()) {
    bool probed = false;
    Status s = ProbeStorage(*ref, home, &probed);
    const std::string name = "probe " + ref->resource_key + " (" + ref->type + "): ";
    if (!s.ok()) {
      std::cout << name << "FAILED\n";
      std::cerr << "error: " << s.message() << "\n";
      exit_code = kExitUsage;
    } else {
      std::cout << name << (probed ? "ok" : "not probed (the IO manager has no probe call)") << "\n";
    }
  }
  return exit_code;
}

}  // namespace af
