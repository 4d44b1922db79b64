#include "cli/global_options.h"

#include <iostream>

#include "clock/clock.h"

namespace af {

WorkspaceOptions ToWorkspaceOptions(const GlobalOptions& options, bool strict_plugins) {
  WorkspaceOptions ws;
  if (!options.manifests.empty()) ws.manifests = options.manifests;
  ws.plugin_dirs = options.plugin_dirs;
  ws.home = options.home;
  ws.strict_plugins = strict_plugins;
  return ws;
}

std::unique_ptr<Workspace> LoadWorkspace(const GlobalOptions& options, bool strict_plugins) {
  // Every timestamp compared and recorded comes from this clock: a bad override is an error.
  if (std::string e = ClockEnvironmentError(); !e.empty()) {
    std::cerr << "error: " << e << "\n";
    return nullptr;
  }
  Diagnostics diagnostics;
  auto ws = Workspace::Open(ToWorkspaceOptions(options, strict_plugins), &diagnostics);
  std::string out;
  for (const Diagnostic& d : diagnostics)
    out += (d.severity == Diagnostic::Severity::kWarning ? "warning: " : "") + d.ToString() + "\n";
  std::cerr << out;
  if (!ws.ok()) return nullptr;
  return std::move(*ws);
}

}  // namespace af
