// Recovery: ending the runs whose process died (a crash, kill -9, a power loss), so that no
// run is ever left STARTED and stored data agrees with the records.
//
// For each run still STARTED whose owner is gone (EventLog::AbandonedRuns):
//   - every version the run recorded that is still its asset's latest is published (its IO
//     manager staged it; the record was durable before the crash), under the run's claims;
//   - its cluster attempts (slurm/slurm_runner.h) are fenced: a job still running stores nothing
//     (FenceRunAttempts); the jobs themselves are left to end (no resume yet);
//   - every IO manager sweeps what the run left (temp files, staged versions never recorded,
//     unfinished uploads), and the run's spool folder goes;
//   - each step it started and did not finish gets STEP_FAILED and a failed attempt (status
//     FAILED), with the reason: the crash note's line (a fatal signal or exit() in a plugin,
//     see CrashNotePath) or "the process (pid N) ended without finishing";
//   - the run ends FAILED with that reason (RUN_FAILED).
// Without the IO managers (a command that loads no manifests), the runs are still ended, and
// their storage is recovered by the next call that has them.
#ifndef ASSETFLOW_HOST_ENGINE_RECOVERY_H_
#define ASSETFLOW_HOST_ENGINE_RECOVERY_H_

#include <string>
#include <vector>

#include "common/status.h"
#include "engine/io_managers.h"
#include "eventlog/event_log.h"

namespace af {

// <home>/runs/<run_id>.crash: the line a fatal event in a run's process left for the next one.
std::string CrashNotePath(const std::string& home, const std::string& run_id);

struct RecoveredRun {
  std::string run_id;
  std::string reason;
  std::vector<std::string> failed_steps;  // asset keys
  size_t published = 0;                   // versions made visible
};

// Ends every abandoned run of `log` as above; `io` may be null (runs ended, storage later).
// The first error is returned after doing what could be done.
Status RecoverAbandonedRuns(EventLog& log, const std::string& home, const IoManagerSet* io,
                            std::vector<RecoveredRun>* recovered);

}  // namespace af

#endif
