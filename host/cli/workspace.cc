#include "cli/workspace.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "manifest/manifest_loader.h"

namespace af {

namespace fs = std::filesystem;

std::string ResolveHome(const GlobalOptions& options) {
  std::string home = options.home;
  if (home.empty()) {
    const char* env = std::getenv("ASSETFLOW_HOME");
    home = (env && *env) ? env : ".assetflow";
  }
  return fs::absolute(home).lexically_normal().string();
}

std::unique_ptr<PluginRegistry> LoadPlugins(const GlobalOptions& options,
                                            const std::vector<std::string>& manifest_dirs) {
  auto registry = std::make_unique<PluginRegistry>();
  for (const auto& dir : PluginSearchPath(options.plugin_dirs, manifest_dirs)) {
    std::error_code ec;
    // Only explicitly named directories must exist; the default one may be absent.
    if (!fs::is_directory(dir, ec)) continue;
    registry->LoadDirectory(dir);
  }
  return registry;
}

std::unique_ptr<Workspace> LoadWorkspace(const GlobalOptions& options, bool strict_plugins) {
  auto ws_ptr = std::make_unique<Workspace>();
  Workspace& ws = *ws_ptr;
  ws.options = options;
  if (ws.options.manifests.empty()) ws.options.manifests = {"manifests"};
  ws.home = ResolveHome(options);
  // Manifests refer to ${ASSETFLOW_HOME}; make it the resolved home for expansion.
  setenv("ASSETFLOW_HOME", ws.home.c_str(), 1);

  for (const auto& dir : options.plugin_dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      std::cerr << dir << ": error: plugin directory does not exist (--plugin-dir)\n";
      return nullptr;
    }
  }

  ManifestLoader loader;
  if (!loader.Parse(ws.options.manifests)) {
    std::cerr << FormatDiagnostics(loader.diagnostics());
    return nullptr;
  }
  ws.plugins = LoadPlugins(options, loader.PluginDirs());
  ws.plugin_errors = ws.plugins->errors();
  for (const auto& d : ws.plugin_errors)
    std::cerr << (strict_plugins ? "" : "warning: ") << d.ToString() << "\n";
  if (strict_plugins && !ws.plugin_errors.empty()) return nullptr;

  if (!loader.Resolve(ws.plugins->Catalog(), &ws.definitions)) {
    std::cerr << FormatDiagnostics(loader.diagnostics());
    return nullptr;
  }
  auto graph = AssetGraph::Build(ws.definitions);
  if (!graph.ok()) {
    std::cerr << "error: " << graph.status().message() << "\n";
    return nullptr;
  }
  ws.graph.emplace(std::move(graph.value()));
  return ws_ptr;
}

}  // namespace af
