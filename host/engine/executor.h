// Executor: runs a plan of assets on a pool of worker threads, Taskflow-style: a small core of
// nodes with a count of unfinished parents, a ready queue, and errors caught per node.
//
//   AssetGraph::Plan(selection) -> nodes (parents first) -> workers pop ready nodes ->
//   RunAttempt (retrying per the asset's RetryPolicy) -> children become ready, or the failed
//   node's descendants are skipped while independent branches go on.
//
// Every event goes to the EventLog (which batches its writes) and, first, to an optional
// observer (the CLI's progress and JSON output). One run at a time per Executor; the graph,
// registry and event log must outlive it.
#ifndef ASSETFLOW_HOST_ENGINE_EXECUTOR_H_
#define ASSETFLOW_HOST_ENGINE_EXECUTOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/retry.h"
#include "eventlog/event_log.h"
#include "graph/asset_graph.h"
#include "plugin/plugin_registry.h"

namespace af {

// Receives every event of a run as it happens, including PROGRESS events that are not stored
// (type "PROGRESS", data {"done":d,"total":t}, at most every 100 ms per step, and the last
// one). Calls are serialized (never two at once) but come from worker threads; keep it quick.
using EventObserver = std::function<void(const EventRecord&)>;

struct RunOptions {
  std::vector<size_t> selection;  // asset indices, any order, no duplicates
  std::string selection_text;     // as the user typed it; stored with the run
  int parallelism = 0;            // worker threads; <= 0: std::thread::hardware_concurrency()
  // Set (e.g. by a SIGINT handler) to cancel: no new steps start, running ones see
  // is_canceled, the run ends CANCELED. May be null.
  const std::atomic<bool>* cancel = nullptr;
  // How long to wait for assets another process is materializing before giving up (Busy).
  int64_t claim_wait_ms = 0;
  Clock* clock = nullptr;          // default SystemClock()
  RandomSource* random = nullptr;  // default DefaultRandom()
  EventObserver observer;
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

struct RunResult {
  std::string run_id;
  RunStatus status = RunStatus::kStarted;
  std::vector<StepResult> steps;  // plan order
  int64_t started_ms = 0, ended_ms = 0;
  // The first error writing the run's history (the run itself went on); OK normally.
  Status history_error;
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
