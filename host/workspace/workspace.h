// Workspace: what every front end (the CLI, the daemon, the web server) starts from: the
// manifests parsed, the plugins loaded, the definitions resolved and the graph built, in the
// one direction data flows; and the assets a selection request names, by expression and by
// status (missing / stale / failed) in the event log.
//
// In the style of leveldb::DB::Open: Open returns the workspace or a Status, with the
// diagnostics as values. Nothing here prints, and nothing changes the process environment
// (${ASSETFLOW_HOME} in manifests expands to the resolved home without setenv), so several
// workspaces may be opened in one process.
//
// Thread: Open may run on any thread; a Workspace is immutable after Open except for
// plugins(), whose contract is PluginRegistry's. Reading it from several threads is safe.
#ifndef ASSETFLOW_HOST_WORKSPACE_WORKSPACE_H_
#define ASSETFLOW_HOST_WORKSPACE_WORKSPACE_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "common/status.h"
#include "eventlog/event_log.h"
#include "graph/asset_graph.h"
#include "manifest/definitions.h"
#include "manifest/manifest_loader.h"
#include "plugin/plugin_registry.h"

namespace af {

struct WorkspaceOptions {
  // Manifest files or directories (of *.yaml / *.yml); empty means {"manifests"}.
  std::vector<std::string> manifests = {"manifests"};
  // Plugin directories scanned first; each must exist (see PluginSearchPath for the rest).
  std::vector<std::string> plugin_dirs;
  // The home (event log, default storage); empty: $ASSETFLOW_HOME, else ./.assetflow.
  std::string home;
  // A plugin that fails to load is an error (else a warning: only manifests that need it fail).
  bool strict_plugins = false;
};

// Not movable: the graph points into the definitions. Held by unique_ptr.
class Workspace {
 public:
  // Loads everything. On failure returns a non-OK Status (whose message is the first error)
  // and `*diagnostics` holds every diagnostic, in the order found: a missing plugin directory,
  // the manifest loader's (file:line:col), the plugins' (warnings unless strict), the graph's
  // (no location). On success `*diagnostics` holds the warnings. `diagnostics` must not be null;
  // it is cleared first.
  static Expected<std::unique_ptr<Workspace>> Open(const WorkspaceOptions& options,
                                                   Diagnostics* diagnostics);

  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  ~Workspace();

  // As given to Open, with the default manifests filled in.
  const WorkspaceOptions& options() const { return options_; }
  // Absolute.
  const std::string& home() const { return home_; }
  const Definitions& definitions() const { return definitions_; }
  const AssetGraph& graph() const { return *graph_; }
  // Lives as long as the workspace; the graph's definitions use its plugins' types.
  PluginRegistry& plugins() { return *plugins_; }
  const PluginRegistry& plugins() const { return *plugins_; }
  // Plugins that failed to load (when not strict: reported, not fatal).
  const Diagnostics& plugin_errors() const { return plugin_errors_; }

 private:
  Workspace() = default;

  WorkspaceOptions options_;
  std::string home_;
  std::unique_ptr<PluginRegistry> plugins_;
  Definitions definitions_;
  std::optional<AssetGraph> graph_;
  Diagnostics plugin_errors_;
};

// The home: `home` if given, else $ASSETFLOW_HOME if set and non-empty, else ./.assetflow;
// made absolute and normal.
// The manifests' ${VAR} lookup with ASSETFLOW_HOME as `home` (the process environment for the
// rest): what Open expands with, for callers that run a ManifestLoader of their own.
ManifestLoader::EnvLookup EnvWithHome(const std::string& home);
std::string ResolveHome(const std::string& home);

// Only the plugins, from PluginSearchPath(plugin_dirs, manifest_dirs); directories that do not
// exist are skipped. Failures are in the registry's errors(). For `assetflow plugins`, which
// must work without manifests.
std::unique_ptr<PluginRegistry> LoadPlugins(const std::vector<std::string>& plugin_dirs,
                                            const std::vector<std::string>& manifest_dirs);

// Which assets to run: an expression or all of them, then kept only if missing / stale /
// failed when any of those is set, then with every ancestor added if with_upstream.
struct SelectionRequest {
  bool all = false;
  std::string expression = {};  // graph/selection.h syntax; excludes `all`
  bool missing = false, stale = false, failed = false, with_upstream = false;
};

// The selected asset indices, ascending. Status filters keep the assets of the selection (all
// when no expression) whose state (staleness.h) matches any set filter; `stale` also keeps
// everything downstream of a stale asset, which re-materializing it would make stale. An
// empty request, `all` with an expression, or a bad expression is an InvalidArgument whose
// message is for the user ("--select: ..."). Reads `log` only when a status filter is set.
Expected<std::vector<size_t>> ResolveSelection(const Workspace& workspace, EventLog& log,
                                               const SelectionRequest& request);

// The request as the CLI's flags ("group:hn --stale --with-upstream"), for run records.
std::string SelectionText(const SelectionRequest& request);

}  // namespace af

#endif
