// `assetflow materialize`: selects assets (expression, status filters, upstream closure),
// prints or runs the plan, and reports the run as it happens: a line per finished step, a
// live progress line on a terminal (a log line every few seconds otherwise), or one JSON
// event per line with --log-format json.
#include <rapidjson/document.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "cli/engine_cli.h"
#include "engine/executor.h"
#include "slurm/slurm_runner.h"
#include <assetflow/cpp/json.hpp>

namespace af {
namespace {

// SIGINT/SIGTERM: the first cancels (no new steps; running ones are asked to stop and get
// the grace period), the second ends the run at once (what still runs is recorded CANCELED),
// a third gets the default action.
std::atomic<bool> g_cancel{false};
std::atomic<bool> g_force{false};

void OnSignal(int) {
  static const char kCancel[] =
      "\nassetflow: canceling: no new steps; waiting for running steps to stop (again to stop at once)\n";
  static const char kForce[] = "\nassetflow: stopping at once\n";
  if (!g_cancel.exchange(true)) {
    ssize_t ignored = ::write(STDERR_FILENO, kCancel, sizeof kCancel - 1);
    (void)ignored;
    return;
  }
  g_force.store(true);
  ssize_t ignored = ::write(STDERR_FILENO, kForce, sizeof kForce - 1);
  (void)ignored;
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
}

// Installs the handlers for the life of a run and restores the previous ones after.
class CancelOnSignals {
 public:
  CancelOnSignals() {
    g_cancel = false;
    g_force = false;
    struct sigaction sa {};
    sa.sa_handler = &OnSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~CancelOnSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

constexpr int kMaxJobs = 1024;
constexpr double kMaxWaitSeconds = 7 * 24 * 3600;

// Seconds from 0 to `max`; NaN, which passes CLI::Range (every comparison is false), and
// infinity are refused too, so the value always converts to milliseconds.
CLI::Validator Seconds(double max) {
  const std::string bound = std::to_string(static_cast<long long>(max));
  return CLI::Validator(
      [max, bound](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || !std::isfinite(v) || v < 0 || v > max)
          return "expected seconds from 0 to " + bound + ", got '" + text + "'";
        return "";
      },
      "SECONDS (0 to " + bound + ")");
}

struct MaterializeArgs {
  SelectionRequest selection;
  bool dry_run = false;
  int jobs = 0;
  double wait_s = 0;
  std::string executor;  // "" = the manifests' `executor: type`, else in_process
  double grace_s = 10;
};

// The run's output. Called by the executor with events serialized (see EventObserver).
class RunPrinter {
 public:
  RunPrinter(const GlobalOptions& options, size_t steps)
      : json_(options.log_format == "json"),
        quiet_(options.quiet),
        tty_(::isatty(STDERR_FILENO) == 1),
        steps_(steps) {}

  void OnEvent(const EventRecord& e) {
    if (json_) {
      std::cout << EventJsonLine(e) << '\n';
      if (e.type.rfind("RUN_", 0) == 0) std::cout.flush();
      return;
    }
    if (e.type == "PROGRESS") return OnProgress(e);
    if (e.type == "STEP_STARTED") {
      running_[e.asset_key] = "started";
      last_draw_ = {};
      return Redraw();
    }
    std::string line;
    if (e.type == "STEP_SUCCESS") {
      ++done_;
      line = "  ok       " + e.asset_key + "  (" + e.message + ")";
    } else if (e.type == "STEP_FAILED") {
      ++done_;
      line = "  FAILED   " + e.asset_key + ": " + e.message;
    } else if (e.type == "STEP_SKIPPED") {
      ++done_;
      line = "  skipped  " + e.asset_key + ": " + e.message;
    } else if (e.type == "STEP_RETRY") {
      line = "  retry    " + e.asset_key + ": " + e.message;
    } else if (e.type == "LOG") {
      line = "  log      " + e.asset_key + ": " + e.message;
    } else if (e.type == "RUN_STARTED") {
      line = "run " + e.run_id + ": " + e.message;
    } else if (e.type.rfind("RUN_", 0) == 0) {
      line = "run " + e.run_id + " " + e.type.substr(4) + ": " + e.message;
    }
    if (e.type == "STEP_SUCCESS" || e.type == "STEP_FAILED" || e.type == "STEP_SKIPPED") {
      running_.erase(e.asset_key);
      if (tty_) last_draw_ = {};
    }
    const bool important = e.type == "STEP_FAILED" || e.type.rfind("RUN_", 0) == 0;
    if (!line.empty() && (!quiet_ || (important && e.type != "RUN_STARTED"))) {
      ClearLine();
      std::cout << line << '\n';
      std::cout.flush();
    }
    Redraw();
  }

  void Finish() { ClearLine(); }

 private:
  void OnProgress(const EventRecord& e) {
    rapidjson::Document d;
    if (!assetflow::ParseJson(d, e.data_json) || !d.IsObject()) return;
    const uint64_t done = d["done"].GetUint64(), total = d["total"].GetUint64();
    running_[e.asset_key] = total ? std::to_string(done * 100 / total) + "% (" +
                                        std::to_string(done) + "/" + std::to_string(total) + ")"
                                  : std::to_string(done);
    Redraw();
  }

  std::string Summary() const {
    std::string s = "[" + std::to_string(done_) + "/" + std::to_string(steps_) + "]";
    for (const auto& [key, progress] : running_) s += "  " + key + " " + progress;
    return s;
  }

  // On a terminal: one status line per running step, redrawn in place (at most every 50 ms),
  // under the finished steps' lines. Otherwise: a progress line every 5 s while steps run.
  void Redraw() {
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    if (tty_) {
      if (now - last_draw_ < std::chrono::milliseconds(50)) return;
      ClearLine();
      std::string block;
      size_t shown = 0;
      for (const auto& [key, progress] : running_) {
        if (++shown > kMaxLiveLines) {
          block += "  ... and " + std::to_string(running_.size() - kMaxLiveLines) + " more\n";
          ++drawn_;
          break;
        }
        std::string line = "  running  " + key + "  " + progress;
        if (line.size() > 120) line = line.substr(0, 117) + "...";
        block += line + "\n";
        ++drawn_;
      }
      std::cerr << block << std::flush;
    } else {
      if (running_.empty() || now - last_draw_ < std::chrono::seconds(5)) return;
      if (last_draw_ == std::chrono::steady_clock::time_point{}) {  // not at the very start
        last_draw_ = now;
        return;
      }
      std::cout << "  progress " << Summary() << '\n' << std::flush;
    }
    last_draw_ = now;
  }
  // Erases the live lines (terminal only) so that a permanent line can be printed.
  void ClearLine() {
    if (!drawn_) return;
    std::string up;
    for (; drawn_ > 0; --drawn_) up += "\033[1A\033[2K";
    std::cerr << up << std::flush;
  }

  static constexpr size_t kMaxLiveLines = 8;
  const bool json_, quiet_, tty_;
  const size_t steps_;
  size_t done_ = 0;
  std::map<std::string, std::string> running_;  // asset -> progress text
  std::chrono::steady_clock::time_point last_draw_{};
  size_t drawn_ = 0;  // live lines on the terminal
};

void PrintPlan(const Workspace& ws, EventLog& log, const std::vector<size_t>& plan, int jobs) {
  const Definitions& defs = ws.definitions();
  std::set<size_t> in_plan(plan.begin(), plan.end());
  std::cout << "plan: " << plan.size() << " step" << (plan.size() == 1 ? "" : "s") << ", -j "
            << jobs << " (dry run: nothing is run)\n";
  size_t n = 0;
  for (size_t i : plan) {
    const AssetDef& a = defs.assets[i];
    std::cout << "  " << ++n << ". " << a.key << "  (" << a.type << ")";
    std::vector<std::string> notes;
    for (const InputDef& in : a.inputs) {
      const size_t up = defs.IndexOf(in.asset_key).value();
      if (in_plan.count(up)) continue;
      notes.push_back(log.LatestMaterialization(in.asset_key)
                          ? "loads '" + in.asset_key + "' from storage"
                          : "needs '" + in.asset_key + "', never materialized");
    }
    for (const auto& note : notes) std::cout << (&note == &notes.front() ? "  " : ", ") << note;
    std::cout << "\n";
  }
}

int RunMaterialize(const GlobalOptions& options, const MaterializeArgs& args) {
  auto ws = LoadWorkspace(options);
  if (!ws) return kExitUsage;
  auto log = OpenRecoveredLog(options, ws.get());
  if (!log) return kExitUsage;
  auto selected = ResolveSelection(*ws, *log, args.selection);
  if (!selected.ok()) {
    std::cerr << "error: " << EscapeControlBytes(selected.status().message()) << "\n";
    return kExitUsage;
  }
  const int jobs = args.jobs > 0 ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
  if (args.dry_run) {
    PrintPlan(*ws, *log, ws->graph().Plan(*selected), jobs);
    return kExitOk;
  }
  if (selected->empty()) {
    if (!options.quiet) std::cout << "nothing to materialize\n";
    return kExitOk;
  }

  RunOptions run;
  run.selection = *selected;
  run.selection_text = SelectionText(args.selection);
  run.parallelism = jobs;
  run.grace_s = args.grace_s;
  run.claim_wait_ms = static_cast<int64_t>(args.wait_s * 1000);
  const std::string executor_type = !args.executor.empty() ? args.executor
                                    : !ws->graph().definitions().executor.type.empty()
                                        ? ws->graph().definitions().executor.type
                                        : "in_process";
  return ExecuteRun(options, *ws, *log, run, executor_type, args.jobs > 0, args.wait_s);
}

}  // namespace

int ExecuteRun(const GlobalOptions& options, const Workspace& ws, EventLog& log, RunOptions run,
               const std::string& executor_type, bool jobs_given, double wait_s,
               std::map<std::string, SlurmOptions::Reattach> reattach) {
  RunPrinter printer(options, run.selection.size());
  run.cancel = &g_cancel;
  run.force_cancel = &g_force;
  run.executor = executor_type == "in_process" ? ExecutorKind::kInProcess
                                               : ExecutorKind::kMultiprocess;
  std::unique_ptr<SlurmRunner> slurm;
  if (executor_type == "slurm") {
    SlurmOptions slurm_options = SlurmOptionsFor(ws.graph().definitions());
    slurm_options.reattach = std::move(reattach);
    // A step's thread only waits for its job: as many as jobs may be in flight.
    if (!jobs_given) run.parallelism = std::min(slurm_options.max_jobs, kMaxJobs);
    slurm = std::make_unique<SlurmRunner>(std::move(slurm_options));
    run.isolated_runner = slurm.get();
  }
  run.observer = [&printer](const EventRecord& e) { printer.OnEvent(e); };
  CancelOnSignals signals;
  Executor executor(ws.graph(), ws.plugins(), log, ws.home());
  auto result = executor.Run(run);
  printer.Finish();
  if (!result.ok()) {
    std::cerr << "error: " << result.status().message()
              << (result.status().code() == Status::Code::kBusy && wait_s == 0
                      ? " (or pass --wait SECONDS to wait for it)"
                      : "")
              << "\n";
    return kExitRunFailure;
  }
  if (ReportDamage(log)) return kExitUsage;
  if (!result->history_error.ok()) {
    std::cerr << "warning: the run's history is incomplete: " << result->history_error.message()
              << "\n";
  }
  const int code = result->status == RunStatus::kSuccess    ? kExitOk
                   : result->status == RunStatus::kCanceled ? kExitCanceled
                                                            : kExitRunFailure;
  if (result->abandoned) {
    // Steps that did not stop are still running on threads of this process: end it now,
    // without running destructors under them (the run's end is recorded already).
    std::cout.flush();
    std::cerr.flush();
    std::_Exit(code);
  }
  return code;
}

void AddMaterializeCommand(CLI::App& app, const GlobalOptions* options, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "materialize", "Run assets: a selection, or only what is missing, stale or failed");
  auto args = std::make_shared<MaterializeArgs>();
  cmd->add_flag("--all", args->selection.all, "Every asset of the manifests");
  cmd->add_option("-s,--select", args->selection.expression,
                  "Selection: 'a', '+a', '*a', 'a+', 'group:g and not tag:k', 'a,b'");
  cmd->add_flag("--with-upstream", args->selection.with_upstream,
                "Add every ancestor of the selection");
  cmd->add_flag("--missing", args->selection.missing,
                "Only assets never materialized (filters --select)");
  cmd->add_flag("--stale", args->selection.stale,
                "Only stale assets and what depends on them (filters --select)");
  cmd->add_flag("--failed", args->selection.failed,
                "Only assets whose last attempt failed (filters --select)");
  cmd->add_flag("--dry-run", args->dry_run, "Print the plan; run nothing");
  // Bounded: a thread per job, and milliseconds of waiting must fit an int64.
  cmd->add_option("-j,--jobs", args->jobs,
                  "Steps run at once, 1 to " + std::to_string(kMaxJobs) +
                      " (default: the number of cores)")
      ->check(CLI::Range(1, kMaxJobs));
  cmd->add_option("--wait", args->wait_s,
                  "Seconds to wait for assets another run is materializing, up to a week "
                  "(default 0: fail)")
      ->check(Seconds(kMaxWaitSeconds));
  cmd->add_option("--executor", args->executor,
                  "Where steps run: in_process (threads; default), multiprocess (a child "
                  "process per step, crash-isolated) or slurm (a Slurm job per step; the "
                  "manifests' executor: section); default: the manifests' executor: type")
      ->check(CLI::IsMember({"in_process", "multiprocess", "slurm"}));
  cmd->add_option("--grace", args->grace_s,
                  "Seconds running steps get to stop after Ctrl-C/SIGTERM before they are killed "
                  "or abandoned (default 10, at most an hour)")
      ->check(Seconds(3600));
  cmd->callback([options, exit_code, args] { *exit_code = RunMaterialize(*options, *args); });
}

void AddEngineCommands(CLI::App& app, const GlobalOptions* options, int* exit_code) {
  AddMaterializeCommand(app, options, exit_code);
  AddHistoryCommands(app, options, exit_code);
}

}  // namespace af
