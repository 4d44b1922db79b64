// Plugin isolation in the CLI: `assetflow check --isolate` (each plugin file loaded in its own
// child process) and the hidden `assetflow worker probe-plugin FILE` those children run.
#ifndef ASSETFLOW_HOST_CLI_ISOLATE_H_
#define ASSETFLOW_HOST_CLI_ISOLATE_H_

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstddef>
#include <string>

#include "cli/global_options.h"
#include "manifest/definitions.h"

namespace af {

// Adds the hidden `worker` group with `probe-plugin FILE`: loads FILE with a PluginRegistry and
// prints ProbeAnswer (plugin/plugin_probe.h) as one line on stdout; exit 0 whenever it survives.
// Returns the group, for the engine's `worker run-step`.
CLI::App* AddWorkerCommands(CLI::App& app, int* exit_code);

// `check --isolate`: probes every plugin file of the search path in its own process (a few at
// a time, each killed after `probe_timeout`), prints each bad file as a diagnostic on stderr and
// each usable plugin on stdout, then checks the manifests against the usable plugins' types as
// `check` does. Returns kExitUsage if any plugin file is bad or the manifests are invalid.
int RunIsolatedCheck(const GlobalOptions& options, std::chrono::milliseconds probe_timeout);

// "ok: 3 assets, 1 resources, 2 plugins, 1 manifest files": the last line of a passing check.
std::string CheckSummary(const Definitions& definitions, std::size_t plugin_count);

}  // namespace af

#endif
