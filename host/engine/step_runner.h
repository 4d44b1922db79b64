// StepRunner: where a step runs. The executor decides what runs and when (order, concurrency,
// retries, skipping, cancellation) and turns each attempt into a StepSpec; a runner runs that
// spec somewhere and reports StepRecords. Implementations:
//   InProcessRunner     worker threads of the host (in_process_runner.h; the default, fastest)
//   ChildProcessRunner  `assetflow worker run-step -` per attempt, records on a pipe; crash
//                       isolation, timeout and memory limit (child_process_runner.h)
// A cluster runner fits the same interface: write the spec to an attempt folder on shared
// storage, submit a job that runs `assetflow worker run-step SPEC_FILE --records FILE`, tail
// the records file, and report the ending record (or why the job ended without one).
#ifndef ASSETFLOW_HOST_ENGINE_STEP_RUNNER_H_
#define ASSETFLOW_HOST_ENGINE_STEP_RUNNER_H_

#include <atomic>
#include <functional>
#include <string>

#include "common/status.h"

#include "engine/step_record.h"
#include "engine/step_spec.h"

namespace af {

// Receives an attempt's records as they happen, in order, on the thread that called Run.
class StepRecordSink {
 public:
  virtual ~StepRecordSink() = default;
  virtual void OnRecord(const StepRecord& record) = 0;
};

struct StepControl {
  // Becomes true when the run is being canceled: the step should stop soon (cooperatively).
  const std::atomic<bool>* cancel = nullptr;
  // Once canceled, how long a step that can be killed (a child process) may take before it
  // gets SIGTERM, then SIGKILL kKillAfterTermSeconds later.
  double grace_s = 10;
  static constexpr double kKillAfterTermSeconds = 2;
  // In-process runs only. Where a fatal signal in a plugin call is noted for the next start
  // (besides one line on stderr): see CrashNotePath (recovery.h); "" = stderr only.
  std::string crash_note_path;
  // Called when a plugin calls exit()/quick_exit() during a step, with a message naming the
  // plugin, the asset and the status; the process then ends with status 1. It runs on the
  // exiting thread while others still run. Null: only the line on stderr.
  std::function<void(const std::string& message)> on_plugin_exit;
  // Worker processes of a cluster runner: called right before the output is stored; an error
  // (this attempt was superseded) aborts it (StepBinding::claim_commit). Empty: no check.
  std::function<Status()> claim_commit;
};

class StepRunner {
 public:
  virtual ~StepRunner() = default;
  // Runs one attempt of `spec`. Every record goes to `sink`; the last is the ending record
  // (output or failure): a runner that loses its step (a crash, a limit, a lost job) makes
  // one up that says why. Never throws. [any thread; many attempts at once]
  virtual void Run(const StepSpec& spec, const StepControl& control, StepRecordSink& sink) = 0;
};

}  // namespace af

#endif
