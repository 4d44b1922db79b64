#include "cli/global_options.h"

#include <CLI/CLI.hpp>

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

namespace {
// The first word of the command line that is neither an option nor an option's value (the
// command CLI11 looked for), or "" if there is none.
std::string FirstWord(CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") return i + 1 < argc ? argv[i + 1] : "";
    if (arg.size() < 2 || arg[0] != '-') return arg;
    if (arg.find('=') != std::string::npos) continue;  // --home=x
    // "-m" or "--manifest": takes the next word unless it is a flag. Unknown options are left
    // to CLI11's own error.
    const std::string name = arg.rfind("--", 0) == 0 ? arg : arg.substr(0, 2);
    const CLI::Option* option = app.get_option_no_throw(name);
    if (!option) return "";
    if (option->get_expected_min() > 0 && arg.size() == name.size()) ++i;
  }
  return "";
}
}  // namespace

int ReportParseError(CLI::App& app, const CLI::ParseError& error, int argc, char** argv) {
  const std::string word = FirstWord(app, argc, argv);
  std::vector<std::string> commands;
  bool known = word.empty();
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    commands.push_back(sub->get_name());
    known |= sub->get_name() == word;
  }
  if (!known) {
    const std::string near = NearestName(word, commands);
    std::cerr << EscapeControlBytes("error: unknown command '" + word + "'" +
                                    (near.empty() ? "" : ", did you mean '" + near + "'?"))
              << " (see assetflow --help)\n";
    return kExitUsage;
  }
  return app.exit(error) == 0 ? kExitOk : kExitUsage;
}

}  // namespace af
