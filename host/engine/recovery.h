// Recovery: ending the runs whose process died (a crash, kill -9, a power loss), so that no
// run is ever left STARTED and stored data agrees with the records.
//
// For each run still STARTED whose owner is gone (EventLog::AbandonedRuns):
//   - every version the run recorded that is still its asset's latest is published (its IO
//     manager staged it; the record was durable before the crash), under the run's claims;
//   - unless `in_flight` says some of its cluster jobs are still in flight (or finished with a
//     result not ingested yet): then the run is left STARTED for `assetflow resume RUN`, with
//     one LOG event saying so ("host lost; ..."), and nothing else is done to it;
//   - its cluster attempts (slurm/slurm_runner.h) are fenced: a job still running stores nothing
//     (FenceRunAttempts); the jobs themselves are left to end;
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

#include <functional>
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
  std::string in_flight;  // non-empty: left STARTED for `resume` (what is in flight)
  std::vector<std::string> failed_steps;  // asset keys
  size_t published = 0;                   // versions made visible
};

// Publishes every version `run_id` recorded that is still its asset's latest and is staged
// (its process died between the record and the publish), under the run's claims; what recovery
// does first, and `resume` before it goes on (it sweeps nothing: live jobs' staged output
// stays).
Status PublishRecordedVersions(EventLog& log, const std::string& home, const IoManagerSet& io,
                               const std::string& run_id, size_t* published);

// What of a dead run is still in flight on a cluster, "" when nothing (slurm/slurm_resume.h).
using InFlightProbe = std::function<std::string(
    const std::string& home, const std::string& run_id, const std::vector<EventRecord>& events)>;

// Ends every abandoned run of `log` as above; `io` may be null (runs ended, storage later);
// without `in_flight`, every abandoned run is ended. The first error is returned after doing
// what could be done.
Status RecoverAbandonedRuns(EventLog& log, const std::string& home, const IoManagerSet* io,
                            std::vector<RecoveredRun>* recovered,
                            const InFlightProbe& in_flight = nullptr);

// The LOG message recovery leaves on a run it keeps for `resume` starts with this.
inline constexpr const char* kHostLostMessage = "host lost; jobs still in flight: ";

}  // namespace af

#endif
