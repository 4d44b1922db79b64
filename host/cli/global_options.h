// What every CLI command starts from: the global flags, and the workspace they open, with its
// diagnostics printed the way a compiler prints them.
#ifndef ASSETFLOW_HOST_CLI_GLOBAL_OPTIONS_H_
#define ASSETFLOW_HOST_CLI_GLOBAL_OPTIONS_H_

#include <memory>
#include <string>
#include <vector>

#include "workspace/workspace.h"

namespace CLI {
class App;
class ParseError;
}  // namespace CLI

namespace af {

// Exit codes of every command.
// 130 (128 + SIGINT, as a shell reports Ctrl-C) for a run that was canceled.
enum ExitCode { kExitOk = 0, kExitRunFailure = 1, kExitUsage = 2, kExitCanceled = 130 };

struct GlobalOptions {
  std::vector<std::string> manifests;    // --manifest (repeatable); default {"manifests"}
  std::vector<std::string> plugin_dirs;  // --plugin-dir (repeatable)
  std::string home;                      // --home; default $ASSETFLOW_HOME or ./.assetflow
  std::string log_format = "text";       // --log-format text|json
  bool quiet = false;
};

WorkspaceOptions ToWorkspaceOptions(const GlobalOptions& options, bool strict_plugins);

// Opens the workspace and prints its diagnostics to stderr (warnings as "warning: ...");
// nullptr when it failed (the command exits kExitUsage). With `strict_plugins` a plugin that
// fails to load is an error.
std::unique_ptr<Workspace> LoadWorkspace(const GlobalOptions& options, bool strict_plugins = false);

// Reports a command-line error and returns its exit code: a first word that names no command
// reads "unknown command 'matrialize', did you mean 'materialize'?"; anything else as CLI11
// words it (help and --version exit 0).
int ReportParseError(CLI::App& app, const CLI::ParseError& error, int argc, char** argv);

}  // namespace af

#endif
