// SlurmClient: the one seam between assetflow and Slurm's commands (sbatch, squeue, scancel).
// Every call runs the real command as a child process with a timeout and parses its output;
// nothing else in the host talks to Slurm. Only the queue is asked (squeue), never the
// accounting database (sacct/slurmdbd): a job's outcome is read from the files it writes.
//
// Thread-safe: calls are independent child processes.
#ifndef ASSETFLOW_HOST_SLURM_SLURM_CLIENT_H_
#define ASSETFLOW_HOST_SLURM_SLURM_CLIENT_H_

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/subprocess.h"

namespace af {

struct CommandOutcome {
  ExitStatus status;
  bool timed_out = false;
  std::string out, err;
  bool ok() const { return !timed_out && status.exited && status.code == 0; }
  // "sbatch exited with status 1: <first line of stderr>" (for messages).
  std::string Describe(const std::string& name) const;
};

// Runs a command by name: looked up in `bin_dir` when set (tests put a shim there), else in
// PATH. Blocks for at most about `timeout`; output is capped at 1 MiB per stream.
class CommandRunner {
 public:
  explicit CommandRunner(std::string bin_dir = "",
                         std::chrono::milliseconds timeout = std::chrono::seconds(30))
      : bin_dir_(std::move(bin_dir)), timeout_(timeout) {}
  Expected<CommandOutcome> Run(const std::string& name, const std::vector<std::string>& args) const;

 private:
  std::string bin_dir_;
  std::chrono::milliseconds timeout_;
};

// A job as squeue shows it.
struct QueuedJob {
  std::string state;  // PENDING RUNNING COMPLETING COMPLETED FAILED CANCELLED NODE_FAIL ...
  std::string node;   // "" while pending
};

// Slurm's job states, by what they mean to assetflow: the node or the cluster lost the job
// (NODE_FAIL BOOT_FAIL PREEMPTED); a limit ended it (TIMEOUT OUT_OF_MEMORY DEADLINE); it is
// over (those, COMPLETED FAILED CANCELLED SPECIAL_EXIT REVOKED).
bool IsInfraJobState(const std::string& state);
bool IsLimitJobState(const std::string& state);
bool IsTerminalJobState(const std::string& state);

// Backoff for transient sbatch errors (the controller busy or unreachable): `attempts` tries,
// the delay doubling from `first_delay_s` up to `max_delay_s`.
struct SubmitBackoff {
  int attempts = 5;
  double first_delay_s = 0.5;
  double max_delay_s = 8;
};

class SlurmClient {
 public:
  explicit SlurmClient(CommandRunner runner, SubmitBackoff backoff = {})
      : runner_(std::move(runner)), backoff_(backoff) {}

  // `sbatch --parsable <args>`: the job id. Transient errors are retried with backoff (unless
  // `cancel` becomes true); the others (a bad partition, an invalid option) at once: Failed.
  Expected<std::string> Submit(const std::vector<std::string>& args,
                               const std::atomic<bool>* cancel = nullptr) const;
  // One `squeue --states=all` for every job named in `names`: job id -> job. A job missing from
  // the answer has left the queue (finished over MinJobAge ago, or lost). An error means
  // nothing is known (the controller did not answer): never "every job is gone".
  Expected<std::map<std::string, QueuedJob>> Queue(const std::vector<std::string>& names) const;
  // `scancel <ids>`; ids already gone are not an error.
  Status Cancel(const std::vector<std::string>& ids) const;

  // True for sbatch's errors that a later try may not get (exposed for tests).
  static bool IsTransientSubmitError(const std::string& stderr_text);

 private:
  CommandRunner runner_;
  SubmitBackoff backoff_;
};

}  // namespace af

#endif
