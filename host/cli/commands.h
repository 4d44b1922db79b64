// One function per command group: each adds its subcommand(s) to the app and sets `*exit_code`
// when run. Commands read the GlobalOptions only after parsing, through the pointer.
#ifndef ASSETFLOW_HOST_CLI_COMMANDS_H_
#define ASSETFLOW_HOST_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>

#include "cli/global_options.h"

namespace af {

void AddPluginsCommand(CLI::App& app, const GlobalOptions* options, int* exit_code);
void AddCheckCommand(CLI::App& app, const GlobalOptions* options, int* exit_code);
void AddListCommand(CLI::App& app, const GlobalOptions* options, int* exit_code);
void AddGraphCommand(CLI::App& app, const GlobalOptions* options, int* exit_code);
void AddDescribeCommand(CLI::App& app, const GlobalOptions* options, int* exit_code);
void AddNewCommand(CLI::App& app, int* exit_code);
// Engine commands: materialize, status, runs, logs, wipe (host/cli/engine_commands.cc).
void AddEngineCommands(CLI::App& app, const GlobalOptions* options, int* exit_code);
// `daemon` (host/cli/engine_daemon.cc).
void AddDaemonCommand(CLI::App& app, const GlobalOptions* options, int* exit_code);
// `worker run-step` in the `worker` group (host/cli/engine_worker.cc).
void AddRunStepCommand(CLI::App* worker, int* exit_code);
// `serve`: the web UI (host/cli/engine_serve.cc).
void AddServeCommand(CLI::App& app, const GlobalOptions* options, int* exit_code);
// `resume RUN`: finish a Slurm run whose host died (host/cli/engine_resume.cc).
void AddResumeCommand(CLI::App& app, const GlobalOptions* options, int* exit_code);

}  // namespace af

#endif
