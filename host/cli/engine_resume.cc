// `assetflow resume RUN`: finishes a `--executor slurm` run whose host died, reattached to its
// jobs still in flight (slurm/slurm_resume.h has the design). A thin shell: the plan comes
// from PlanSlurmResume, the run from ExecuteRun.
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/engine_cli.h"
#include "common/diagnostic.h"
#include "engine/io_managers.h"
#include "engine/recovery.h"
#include "slurm/slurm_resume.h"

namespace af {
namespace {

struct ResumeArgs {
  std::string run_id;
  int jobs = 0;
};

int RunResume(const GlobalOptions& options, const ResumeArgs& args) {
  auto ws = LoadWorkspace(options);
  if (!ws) return kExitUsage;
  // Recovery leaves a dead Slurm run with jobs in flight for this command (and ends it FAILED
  // when nothing is in flight any more: then there is nothing to resume).
  auto log = OpenRecoveredLog(options, ws.get());
  if (!log) return kExitUsage;
  auto plan = PlanSlurmResume(*log, ws->home(), args.run_id);
  if (!plan.ok()) {
    std::cerr << "error: " << EscapeControlBytes(plan.status().message()) << "\n";
    return kExitUsage;
  }
  const Definitions& defs = ws->graph().definitions();
  RunOptions run;
  for (const std::string& key : plan->assets) {
    const std::optional<size_t> asset = defs.IndexOf(key);
    if (!asset) {
      std::cerr << "error: " << EscapeControlBytes("asset '" + key + "' of run " + args.run_id +
                                                   " is no longer in the manifests: cannot resume")
                << "\n";
      return kExitUsage;
    }
    run.selection.push_back(*asset);
  }
  // What the dead host recorded but had not published yet becomes visible first.
  if (auto io = IoManagerSet::Resolve(defs, ws->plugins()); io.ok()) {
    size_t published = 0;
    Status s = PublishRecordedVersions(*log, ws->home(), **io, args.run_id, &published);
    if (!s.ok()) {
      std::cerr << "error: " << EscapeControlBytes(s.message()) << "\n";
      return kExitRunFailure;
    }
  }
  if (auto found = log->FindRun(args.run_id)) run.selection_text = found->selection;
  run.parallelism = args.jobs;
  run.resume = &plan->state;
  return ExecuteRun(options, *ws, *log, run, "slurm", args.jobs > 0, 0, plan->reattach);
}

}  // namespace

void AddResumeCommand(CLI::App& app, const GlobalOptions* options, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "resume", "Finish a --executor slurm run whose host died, reattached to its jobs");
  auto args = std::make_shared<ResumeArgs>();
  cmd->add_option("run", args->run_id, "The run's id (see `assetflow runs`)")->required();
  cmd->add_option("-j,--jobs", args->jobs, "Steps in flight at once (default: max_jobs)")
      ->check(CLI::Range(1, 1024));
  cmd->callback([options, exit_code, args] { *exit_code = RunResume(*options, *args); });
}

}  // namespace af
