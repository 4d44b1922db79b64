// Workspace: what every CLI command starts from: global options, then manifests parsed,
// plugins loaded, definitions resolved and the graph built, in the one direction data flows.
#ifndef ASSETFLOW_HOST_CLI_WORKSPACE_H_
#define ASSETFLOW_HOST_CLI_WORKSPACE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "graph/asset_graph.h"
#include "manifest/definitions.h"
#include "plugin/plugin_registry.h"

namespace af {

// Exit codes of every command.
enum ExitCode { kExitOk = 0, kExitRunFailure = 1, kExitUsage = 2 };

struct GlobalOptions {
  std::vector<std::string> manifests;    // --manifest (repeatable); default {"manifests"}
  std::vector<std::string> plugin_dirs;  // --plugin-dir (repeatable)
  std::string home;                      // --home; default $ASSETFLOW_HOME or ./.assetflow
  std::string log_format = "text";       // --log-format text|json
  bool quiet = false;
};

// Not movable: the graph points into `definitions`. Held by unique_ptr.
struct Workspace {
  Workspace() = default;
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  GlobalOptions options;
  std::string home;  // absolute
  std::unique_ptr<PluginRegistry> plugins;
  Definitions definitions;
  std::optional<AssetGraph> graph;
  Diagnostics plugin_errors;  // bad plugins: reported, but not fatal unless a manifest needs them
};

// Loads everything; on a manifest or graph error prints the diagnostics to stderr and returns
// nullptr (the command exits kExitUsage). Bad plugins are printed as warnings unless
// `strict_plugins` (then they are errors too).
std::unique_ptr<Workspace> LoadWorkspace(const GlobalOptions& options, bool strict_plugins = false);

// Only the plugins (for `assetflow plugins`, which must work without manifests).
std::unique_ptr<PluginRegistry> LoadPlugins(const GlobalOptions& options,
                                            const std::vector<std::string>& manifest_dirs);

// $ASSETFLOW_HOME resolution: --home, else $ASSETFLOW_HOME, else ./.assetflow; absolute.
std::string ResolveHome(const GlobalOptions& options);

}  // namespace af

#endif
