// Executor: decides what runs and when, Taskflow-style: a small core of nodes with a count of
// unfinished parents, a ready queue, and errors caught per node.
//
//   AssetGraph::Plan(selection) -> nodes (parents first) -> workers pop ready nodes ->
//   a StepSpec per attempt -> a StepRunner (in-process, or a child process) -> its records ->
//   retry per the asset's RetryPolicy, or the CommitQueue (data visible with its durable
//   record) -> children become ready; a failed node's descendants are skipped while
//   independent branches go on.
//
// Where a step runs is the runner's business (step_runner.h): the executor only chooses one
// per asset. Every event goes to the EventLog (the single writer) and, first, to an optional
// observer (the CLI's progress and JSON output). One run at a time per Executor; the graph,
// registry and event log must outlive it.
#ifndef ASSETFLOW_HOST_ENGINE_EXECUTOR_H_
#define ASSETFLOW_HOST_ENGINE_EXECUTOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/retry.h"
#include "eventlog/event_log.h"
#include "graph/asset_graph.h"
#include "engine/step_runner.h"
#include "plugin/plugin_registry.h"

namespace af {

// Receives every event of a run as it happens, including PROGRESS events that are not stored
// (type "PROGRESS", data {"done":d,"total":t}, at most every 100 ms per step, and the last
// one). Calls are serialized (never two at once) but come from worker threads; keep it quick.
using EventObserver = std::function<void(const EventRecord&)>;

enum class ExecutorKind { kInProcess, kMultiprocess };

struct ResumeState;  // below

struct RunOptions {
  std::vector<size_t> selection;  // asset indices, any order, no duplicates
  std::string selection_text;     // as the user typed it; stored with the run
  int parallelism = 0;            // worker threads; <= 0: std::thread::hardware_concurrency()
  // Set (e.g. by a SIGINT handler) to cancel: no new steps start, running ones see
  // is_canceled, the run ends CANCELED. May be null.
  const std::atomic<bool>* cancel = nullptr;
  // Once canceled, how long running steps may take to stop: then a child process gets
  // SIGTERM (SIGKILL 2 s later), and in-process steps still running are recorded CANCELED and
  // abandoned (RunResult::abandoned).
  double grace_s = 10;
  // Set (a second signal) to end at once: steps still running are recorded CANCELED and
  // abandoned. May be null.
  const std::atomic<bool>* force_cancel = nullptr;
  // Where steps run by default: threads of this process, or a child process each. An asset
  // with `isolation: process`, a `timeout` or `max_rss_mb` always gets a child process (only
  // a process can be killed); one with `isolation: in_process` always runs on a thread.
  ExecutorKind executor = ExecutorKind::kInProcess;
  // The runners; null: the built-in InProcessRunner / ChildProcessRunner. A cluster runner
  // replaces `isolated_runner`.
  StepRunner* in_process_runner = nullptr;
  StepRunner* isolated_runner = nullptr;
  // How long to wait for assets another process is materializing before giving up (Busy).
  int64_t claim_wait_ms = 0;
  Clock* clock = nullptr;          // default SystemClock()
  RandomSource* random = nullptr;  // default DefaultRandom()
  EventObserver observer;
  const ResumeState* resume = nullptr;  // null: a new run
};

enum class StepState { kPending, kSucceeded, kFailed, kSkipped, kCanceled };
const char* StepStateName(StepState s);  // "PENDING" "SUCCEEDED" "FAILED" "SKIPPED" "CANCELED"

struct StepResult {
  std::string asset_key;
  StepState state = StepState::kPending;
  std::string message;       // the error, or why it was skipped
  uint32_t attempts = 0;
  std::string data_version;  // on success
};

// `assetflow resume`: the run goes on as the STARTED run `run_id` of a host that died (adopted
// by this process: EventLog::AdoptRun), not as a new one. No RUN_STARTED again.
struct ResumeState {
  std::string run_id;
  std::map<std::string, std::string> succeeded;    // asset -> data version: done, not rerun
  // asset -> the attempt it goes on with (its STEP_STARTED is recorded already); a runner may
  // reattach to that attempt (slurm/slurm_runner.h) instead of starting it.
  std::map<std::string, uint32_t> first_attempt;
  // asset -> how it ended without success (failed, skipped): recorded already, not rerun;
  // its descendants not started yet are skipped.
  std::map<std::string, StepResult> ended;
};

struct RunResult {
  std::string run_id;
  RunStatus status = RunStatus::kStarted;
  std::vector<StepResult> steps;  // plan order
  int64_t started_ms = 0, ended_ms = 0;
  // The first error writing the run's history (the run itself went on); OK normally.
  Status history_error;
  // True when steps that did not stop were abandoned (force_cancel, or the grace period
  // ran out): they may still be running on threads of this process, which must therefore
  // end soon, with _exit (their state is leaked on purpose, never destroyed under them).
  bool abandoned = false;
};

class Executor {
 public:
  Executor(const AssetGraph& graph, const PluginRegistry& registry, EventLog& log,
           std::string home);

  // Runs the selection to the end (or cancellation). A non-OK status means the run could not
  // start: a definition's plugin or IO manager is missing, or another process holds one of
  // the assets (Busy); nothing was run or recorded then. Failed steps are not an error here:
  // they are in the result (status kFailed).
  Expected<RunResult> Run(const RunOptions& options);

 private:
  const AssetGraph& graph_;
  const PluginRegistry& registry_;
  EventLog& log_;
  std::string home_;
};

// A new random (version 4) UUID, the run id format.
std::string NewRunId();

}  // namespace af

#endif
