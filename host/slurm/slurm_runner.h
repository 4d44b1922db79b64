// SlurmRunner: runs each attempt as a Slurm batch job (one `sbatch --no-requeue` per attempt),
// for `materialize --executor slurm`. Nothing of a job's outcome is taken from Slurm's
// accounting: the job's own files on shared storage are the truth, and one batched squeue per
// interval only tells whether a job still lives (the Nextflow model; see
// shared/reference/slurm-executor.md).
//
// An attempt's folder, created before the job is submitted:
//   <home>/runs/<run>/steps/<step>/a<N>/
//     spec.json      the StepSpec (0600: it may carry an IO manager's credentials)
//     events.jsonl   the worker's records, one JSON line each, tailed by the host: logs and
//                    progress go to the run's sink (the host stays the event log's only
//                    writer); a partial last line waits for the next read
//     heartbeat      touched every second by the worker
//     claim          the fence: created with O_EXCL by the worker right before it stores its
//                    output, or by the host when it gives the attempt up. Whoever is second
//                    loses: a superseded attempt never stores anything, and the host never
//                    retries an attempt that is storing.
//     result.json    the ending record, written last and atomically by the worker: the only
//                    thing that ends an attempt successfully
//     slurm-<id>.log the job's stdout and stderr
//
// How an attempt ends (never as a success without result.json):
//   result.json                          its record (a failure goes to the asset's policy)
//   NODE_FAIL, BOOT_FAIL, PREEMPTED, a job gone from the queue with no result after
//   `exit_grace_s`, CANCELLED by someone else, a heartbeat older than `heartbeat_timeout_s`
//                                        fenced, scancel'ed, and reported lost to the
//                                        infrastructure (StepRecord::infrastructure): the
//                                        executor retries it at once, not counted against the
//                                        policy, with the node excluded; past `infra_retries`
//                                        per step it is an ordinary retryable failure
//   TIMEOUT, OUT_OF_MEMORY, DEADLINE, FAILED or COMPLETED with no result
//                                        a retryable failure (the asset's policy)
//   the run canceled                     scancel, a wait of at most `cancel_wait_s`, CANCELED
//
// Thread-safe: the executor calls Run from many threads; one thread of the runner polls the
// queue for all of them.
#ifndef ASSETFLOW_HOST_SLURM_SLURM_RUNNER_H_
#define ASSETFLOW_HOST_SLURM_SLURM_RUNNER_H_

#include <condition_variable>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/step_runner.h"
#include "manifest/definitions.h"
#include "slurm/slurm_client.h"

namespace af {

struct SlurmOptions {
  std::string executable;  // the assetflow binary the jobs run (absolute); "" = this one
  // What a job asks Slurm for (manifest/definitions.h); empty/0 = Slurm's default.
  JobResources defaults;
  std::map<std::string, JobResources> per_asset;  // over the defaults, field by field
  int max_jobs = 100;           // jobs in flight at once (per run)
  double poll_interval_s = 2;   // one squeue per interval
  double exit_grace_s = 30;     // gone from the queue without a result: lost after this
  double heartbeat_timeout_s = 60;
  double cancel_wait_s = 30;
  int infra_retries = 2;        // per step
  std::string bin_dir;          // where sbatch/squeue/scancel are; "" = PATH
  SubmitBackoff backoff;
  // `assetflow resume`: per step, the attempt whose job (recorded in its folder's `job` file)
  // is watched again instead of submitted, and how many lines of its events.jsonl the dead
  // host ingested already (not delivered again).
  struct Reattach {
    uint32_t attempt = 0;
    uint64_t ingested_lines = 0;
  };
  std::map<std::string, Reattach> reattach;
};

// The options the manifests' `executor:` and assets' `resources:` give (the rest default).
SlurmOptions SlurmOptionsFor(const Definitions& defs);

// "af-" + the first 8 characters of the run id: the name of every job of the run.
std::string SlurmJobName(const std::string& run_id);
// <home>/runs/<run>/steps/<step>/a<attempt>
std::string SlurmAttemptDir(const std::string& home, const std::string& run_id,
                            const std::string& step_key, uint32_t attempt);

class SlurmRunner : public StepRunner {
 public:
  explicit SlurmRunner(SlurmOptions options);
  ~SlurmRunner() override;
  void Run(const StepSpec& spec, const StepControl& control, StepRecordSink& sink) override;

  // sbatch's arguments for `spec` in `dir` (exposed for tests).
  std::vector<std::string> SubmitArgs(const StepSpec& spec, const std::string& dir,
                                      const std::set<std::string>& exclude) const;

 private:
  struct Watch;
  void PollLoop();
  // What squeue said about `job` at the last poll after `since`; false when no poll has
  // answered since then.
  bool Observe(const std::string& job, uint64_t since, std::optional<QueuedJob>* seen);

  const SlurmOptions options_;
  const SlurmClient client_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  int in_flight_ = 0;
  std::map<std::string, int> watched_names_;  // job name -> active attempts
  std::map<std::string, QueuedJob> queue_;    // the last answer
  uint64_t poll_started_ = 0;                 // polls begun
  uint64_t answered_ = 0;                     // the latest poll that answered
  std::map<std::string, std::set<std::string>> failed_nodes_;  // step -> nodes
  std::map<std::string, int> lost_;                            // step -> infra retries used
  std::thread poller_;
};

}  // namespace af

#endif
