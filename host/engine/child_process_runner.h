// ChildProcessRunner: runs each attempt in a child process, `assetflow worker run-step -` (the
// same binary), so that whatever the plugin does (crash, exit, hang, grow) ends only that
// process. The spec goes to the child's stdin as one JSON line; its records come back as JSON
// lines on fd 3; its stdout and stderr are the host's stderr. Later lines on stdin are
// "cancel" (stop cooperatively); EOF on stdin (the host died) also cancels.
//
// Limits, checked while the child runs: the spec's timeout_s (wall time) and max_rss_mb
// (resident memory, sampled every few milliseconds); past either the child gets SIGKILL and
// the attempt fails retryably, naming the limit. A child that dies without an ending record
// fails retryably with its signal or exit status. On cancellation: "cancel" at once, SIGTERM
// after the grace period, SIGKILL kKillAfterTermSeconds later.
//
// Thread-safe: each Run owns its child. Ignores SIGPIPE process-wide (a child that died must
// not kill the host when the host writes to it).
#ifndef ASSETFLOW_HOST_ENGINE_CHILD_PROCESS_RUNNER_H_
#define ASSETFLOW_HOST_ENGINE_CHILD_PROCESS_RUNNER_H_

#include <string>

#include "engine/step_runner.h"
#include "plugin/plugin_registry.h"

namespace af {

class ChildProcessRunner : public StepRunner {
 public:
  // `executable`: the assetflow binary; "" = this process's own.
  explicit ChildProcessRunner(std::string executable = "");
  void Run(const StepSpec& spec, const StepControl& control, StepRecordSink& sink) override;

 private:
  std::string executable_;
};

// The files of one attempt of a cluster worker, all in its attempt folder (see
// slurm/slurm_runner.h); an empty path is not used.
struct WorkerFiles {
  std::string result;     // the ending record, written last: a temp file, fsync, rename
  std::string heartbeat;  // its mtime is touched every kHeartbeatSeconds while the worker lives
  std::string claim;      // created O_EXCL right before the output is stored: when the host
                          // created it first (it gave up on the attempt), nothing is stored
  static constexpr double kHeartbeatSeconds = 1;
};
// <dir>/events.jsonl (the records), result.json, heartbeat, claim.
std::string WorkerRecordsIn(const std::string& dir);
WorkerFiles WorkerFilesIn(const std::string& dir);

// What `assetflow worker run-step SPEC` does: reads the spec (a file, or "-": the first line of
// stdin), loads the plugin files it names after checking their sha256, runs the step here and
// writes its records, one JSON line each, to `records_fd`. Returns the process's exit status:
// 0 once the ending record is written (success or failure alike), 2 when there was no spec to
// run. Never returns when a plugin calls exit() (an ending record naming it is written first).
// With `files`, also keeps the heartbeat, claims before storing and writes the result file.
int RunWorkerStep(const std::string& spec_source, int records_fd, const WorkerFiles& files = {});

}  // namespace af

#endif
