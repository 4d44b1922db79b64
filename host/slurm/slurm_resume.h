// `assetflow resume RUN`: continuing a `--executor slurm` run whose host died (kill -9, a
// crash, a reboot) from what it left: its records in the event log and its attempt folders
// (slurm_runner.h). The design, in short (README "Running on Slurm"):
//   - recovery (engine/recovery.h) asks SlurmRunInFlight before fencing a dead run: while a
//     job of an unfinished step is still queued or running, or finished with a result.json not
//     yet ingested, the run is left STARTED for `resume` (one LOG event says so); only when
//     nothing is in flight is it fenced and ended FAILED. So `resume` never needs to undo a
//     fence, and a fenced attempt is never reattached.
//   - `resume` adopts the run (EventLog::AdoptRun) and runs its plan again with the executor
//     in resume mode: steps that succeeded are not rerun, failed/skipped ones stay as recorded,
//     and each unfinished step goes on with its latest attempt — reattached to that attempt's
//     job (its `job` file), never submitted again — or with the next attempt when the dead
//     host had given the latest up (fenced, or its failure already recorded).
//   - events.jsonl lines the dead host ingested are not ingested again: a stored LOG event of
//     a worker carries its attempt and line number ("attempt", "seq"), and the reattached tail
//     skips lines up to the highest one stored. Progress lines are not stored and may be
//     shown twice.
#ifndef ASSETFLOW_HOST_SLURM_SLURM_RESUME_H_
#define ASSETFLOW_HOST_SLURM_SLURM_RESUME_H_

#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/executor.h"
#include "eventlog/event_log.h"
#include "slurm/slurm_client.h"
#include "slurm/slurm_runner.h"

namespace af {

// engine/recovery.h's InFlightProbe for Slurm runs: what of `run_id` is still in flight, ""
// when nothing is (or the run has no attempt folders, or squeue did not answer: then
// recovery fences as before — a run never stays STARTED on a guess).
std::string SlurmRunInFlight(const std::string& home, const std::string& run_id,
                             const std::vector<EventRecord>& events,
                             const CommandRunner& runner = CommandRunner());

struct SlurmResumePlan {
  std::vector<std::string> assets;  // the run's plan, as RUN_STARTED recorded it
  ResumeState state;
  std::map<std::string, SlurmOptions::Reattach> reattach;  // by step
};

// What resuming `run_id` means, from its records and attempt folders. InvalidArgument with a
// message for the user when it cannot be resumed: no such run, ended already, its host still
// alive, not a Slurm run, or recorded by an assetflow that did not name the plan.
Expected<SlurmResumePlan> PlanSlurmResume(EventLog& log, const std::string& home,
                                          const std::string& run_id);

}  // namespace af

#endif
