// Internals shared by the engine commands (engine_commands.cc: materialize; engine_history.cc:
// status, runs, logs, wipe). Not part of the CLI's interface: commands.h is.
#ifndef ASSETFLOW_HOST_CLI_ENGINE_CLI_H_
#define ASSETFLOW_HOST_CLI_ENGINE_CLI_H_

#include <CLI/CLI.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "cli/global_options.h"
#include "engine/executor.h"
#include "eventlog/event_log.h"
#include "slurm/slurm_runner.h"
#include "workspace/workspace.h"

namespace af {

void AddMaterializeCommand(CLI::App& app, const GlobalOptions* options, int* exit_code);
void AddHistoryCommands(CLI::App& app, const GlobalOptions* options, int* exit_code);

// Runs `run` (selection, parallelism, grace and claim wait set) on the executor
// `executor_type` ("in_process", "multiprocess", "slurm"), with the run's progress (or JSON
// events) printed and the outcome reported; returns the exit code. Ctrl-C cancels. `reattach`
// (for `resume`): the Slurm jobs watched again instead of submitted.
int ExecuteRun(const GlobalOptions& options, const Workspace& ws, EventLog& log, RunOptions run,
               const std::string& executor_type, bool jobs_given, double wait_s,
               std::map<std::string, SlurmOptions::Reattach> reattach = {});

// Opens the event log of `home`; on failure prints "error: ..." and returns nullptr (the
// command then exits kExitUsage: a home that cannot be opened, or a damaged database, is not
// a run's failure).
std::unique_ptr<EventLog> OpenEventLogOrReport(const std::string& home);
// Opens the event log of the workspace's home (or of the options' home when `ws` is null)
// and ends the runs whose process died (engine/recovery.h), saying so on stderr.
std::unique_ptr<EventLog> OpenRecoveredLog(const GlobalOptions& options, const Workspace* ws);
// True, after printing "error: <why>", when `log` cannot be trusted (EventLog::Damage): the
// command must then exit kExitUsage instead of showing what it read as history.
bool ReportDamage(EventLog& log);
// The asset index of `key` in the workspace, or prints an error naming the nearest key and
// returns npos.
size_t FindAssetOrReport(const Workspace& ws, const std::string& key);

// Freshness for `status` (engine_freshness.cc): the summary of each asset with a policy, by
// index; and `status --freshness` (text or JSON lines), recording state changes.
std::map<size_t, std::string> FreshnessColumn(const Workspace& ws, EventLog& log);
int PrintFreshness(const GlobalOptions& options, const Workspace& ws, EventLog& log);

// One event as one line of JSON: {"run_id","asset","type","time","time_ms","message","data"}.
std::string EventJsonLine(const EventRecord& e);
// "2026-11-25 10:00:00.123 UTC" / "10:00:00.123" (time of day only).
std::string FormatTime(int64_t epoch_ms);
std::string FormatTimeOfDay(int64_t epoch_ms);
// "850 ms", "12.3 s", "4 min 05 s".
std::string FormatDuration(int64_t ms);

}  // namespace af

#endif
