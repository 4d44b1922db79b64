// Plugin probes: load one plugin file in a child process, so a plugin that crashes, exits or
// hangs while loading is reported instead of taking the host down.
//
// The child is `<exe> worker probe-plugin FILE` (the assetflow binary): it loads FILE with a
// PluginRegistry and prints ProbeAnswer(registry) as its last stdout line. The parent reads that
// line back with ParseProbeAnswer, or describes how the child ended without one.
//
// Thread: ProbePluginFile may run on several threads at once (one child each).
#ifndef ASSETFLOW_HOST_PLUGIN_PLUGIN_PROBE_H_
#define ASSETFLOW_HOST_PLUGIN_PLUGIN_PROBE_H_

#include <chrono>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "common/status.h"
#include "manifest/definitions.h"
#include "plugin/plugin_registry.h"

namespace af {

// What loading one file showed: the plugins it holds (one, or none if refused), their types,
// and the registry's diagnostics -- or one diagnostic saying how the probe died.
struct ProbeResult {
  std::string file;
  std::vector<PluginInfo> plugins;
  TypeCatalog catalog;
  Diagnostics errors;
  bool ok() const { return errors.empty() && !plugins.empty(); }
};

// The registry's plugins, catalog and errors as one JSON line (no '\n'):
// {"plugins":[{"name":..,"version":..,"toolchain":..,"description":..,"path":..,
//   "abi_major":1,"abi_minor":0,"assets":[..],"io_managers":[..]}],
//  "catalog":{"assets":{"<type>":{"config_schema":..,"code_version":..,
//                                 "unversioned_config_keys":[..]}},"io_managers":{..}},
//  "errors":[{"file":..,"message":..}]}
std::string ProbeAnswer(const PluginRegistry& registry);
// The inverse of ProbeAnswer (plus `file`); InvalidArgument if `line` is not such an answer.
Expected<ProbeResult> ParseProbeAnswer(const std::string& file, const std::string& line);

struct ProbeOptions {
  std::string executable;  // the assetflow binary (SelfExecutable() in the CLI)
  std::chrono::milliseconds timeout{10000};  // then the child is killed: "hung while loading"
};

// Runs the probe child for `file` and waits for it. Never fails: a child that crashed, exited
// without an answer, hung or could not start is one diagnostic on `file`, e.g.
// "plugin crashed while loading (signal 6, SIGABRT)".
ProbeResult ProbePluginFile(const ProbeOptions& options, const std::string& file);

}  // namespace af

#endif
