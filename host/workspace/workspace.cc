#include "workspace/workspace.h"

#include <cstdlib>
#include <filesystem>

#include "graph/selection.h"
#include "manifest/manifest_loader.h"

namespace af {

namespace fs = std::filesystem;

namespace {

// The Status of a failed Open: the first error, and how many more there are.
Status OpenError(const Diagnostics& diagnostics) {
  size_t errors = 0;
  const Diagnostic* first = nullptr;
  for (const Diagnostic& d : diagnostics) {
    if (d.severity != Diagnostic::Severity::kError) continue;
    if (!first) first = &d;
    ++errors;
  }
  std::string message = first ? first->ToString() : "the workspace could not be loaded";
  if (errors > 1) message += " (and " + std::to_string(errors - 1) + " more)";
  return Status::InvalidArgument(std::move(message));
}

// A diagnostic about `file` as a whole, or about no file when it is empty.
Diagnostic Unplaced(std::string file, std::string message) {
  Diagnostic d;
  d.location.file = std::move(file);
  d.message = std::move(message);
  return d;
}

void Append(const Diagnostics& from, Diagnostics* to) {
  to->insert(to->end(), from.begin(), from.end());
}

}  // namespace

Workspace::~Workspace() = default;

ManifestLoader::EnvLookup EnvWithHome(const std::string& home) {
  return [home](const std::string& name) -> std::optional<std::string> {
    if (name == "ASSETFLOW_HOME") return home;
    return ManifestLoader::ProcessEnv(name);
  };
}

std::string ResolveHome(const std::string& home) {
  std::string resolved = home;
  if (resolved.empty()) {
    const char* env = std::getenv("ASSETFLOW_HOME");
    resolved = (env && *env) ? env : ".assetflow";
  }
  return fs::absolute(resolved).lexically_normal().string();
}

std::unique_ptr<PluginRegistry> LoadPlugins(const std::vector<std::string>& plugin_dirs,
                                            const std::vector<std::string>& manifest_dirs) {
  auto registry = std::make_unique<PluginRegistry>();
  for (const auto& dir : PluginSearchPath(plugin_dirs, manifest_dirs)) {
    std::error_code ec;
    // Only explicitly named directories must exist (Open checks them); the default may be absent.
    if (!fs::is_directory(dir, ec)) continue;
    registry->LoadDirectory(dir);
  }
  return registry;
}

Expected<std::unique_ptr<Workspace>> Workspace::Open(const WorkspaceOptions& options,
                                                     Diagnostics* diagnostics) {
  diagnostics->clear();
  std::unique_ptr<Workspace> ws(new Workspace());
  ws->options_ = options;
  if (ws->options_.manifests.empty()) ws->options_.manifests = {"manifests"};
  ws->home_ = ResolveHome(options.home);

  for (const auto& dir : options.plugin_dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      diagnostics->push_back(Unplaced(dir, "plugin directory does not exist (--plugin-dir)"));
      return Status::NotFound(diagnostics->back().ToString());
    }
  }

  ManifestLoader loader(EnvWithHome(ws->home_));
  if (!loader.Parse(ws->options_.manifests)) {
    Append(loader.diagnostics(), diagnostics);
    return OpenError(*diagnostics);
  }
  ws->plugins_ = LoadPlugins(options.plugin_dirs, loader.PluginDirs());
  ws->plugin_errors_ = ws->plugins_->errors();
  for (Diagnostic d : ws->plugin_errors_) {
    if (!options.strict_plugins) d.severity = Diagnostic::Severity::kWarning;
    diagnostics->push_back(std::move(d));
  }
  if (options.strict_plugins && !ws->plugin_errors_.empty()) return OpenError(*diagnostics);

  if (!loader.ResolveOnce(ws->plugins_->Catalog(), &ws->definitions_)) {
    Append(loader.diagnostics(), diagnostics);
    return OpenError(*diagnostics);
  }
  Append(loader.diagnostics(), diagnostics);  // its warnings
  auto graph = AssetGraph::Build(ws->definitions_);
  if (!graph.ok()) {
    diagnostics->push_back(Unplaced("", graph.status().message()));
    return OpenError(*diagnostics);
  }
  ws->graph_.emplace(std::move(graph.value()));
  // A schedule's selection needs the graph: checked here, reported at its `select:` value.
  for (const auto& [name, schedule] : ws->definitions_.schedules) {
    auto selected = SelectAssets(*ws->graph_, schedule.selection);
    if (!selected.ok())
      diagnostics->push_back({schedule.selection_location, "invalid 'select' of schedule '" +
                                                               name + "': " +
                                                               selected.status().message(), ""});
  }
  for (const Diagnostic& d : *diagnostics)
    if (d.severity == Diagnostic::Severity::kError) return OpenError(*diagnostics);
  return ws;
}

}  // namespace af
