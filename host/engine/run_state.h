// RunState: one run of the Executor, internal to it (not a public header). executor.cc builds
// it from the plan (Executor::Run), run_scheduler.cc schedules its steps over the worker pool
// and records the run's end, run_node.cc builds and runs one step.
#ifndef ASSETFLOW_HOST_ENGINE_RUN_STATE_H_
#define ASSETFLOW_HOST_ENGINE_RUN_STATE_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "common/redact.h"
#include "engine/child_process_runner.h"
#include "engine/commit_queue.h"
#include "engine/event_sink.h"
#include "engine/executor.h"
#include "engine/in_process_runner.h"
#include "engine/io_managers.h"
#include "engine/recovery.h"
#include "engine/run_records.h"
#include "engine/step_runner.h"
#include "engine/step_spec.h"

namespace af::engine_internal {

constexpr uint32_t kNoNode = static_cast<uint32_t>(-1);

// A plan step's scheduling state; `pending` and `running` are guarded by the run's mutex, the
// rest is fixed once the run starts. Its result is RunState::results[n] (the same index), kept
// apart so that the run's summary takes the results over whole. 20 bytes: a run may have
// 100,000 of them (AssetGraph caps a graph at 2^32 - 1 assets, so indices are 32-bit).
struct Node {
  uint32_t asset = 0;             // index into Definitions::assets
  // Node indices of its children in the run, ascending: RunState::child_edges[first_child,
  // end_child).
  uint32_t first_child = 0, end_child = 0;
  int pending = 0;                // in-run parents that have not succeeded yet
  bool running = false;           // started, not finished (incl. waiting for its commit)
  bool isolated = false;          // runs in a child process
  // Its output is also copied to RunState::SpoolPath(): children in the run cannot load it
  // from its IO manager.
  bool spooled = false;
};

// One run: built, executed once, discarded (or leaked when abandoned: see RunResult).
class RunState {
 public:
  RunState(const AssetGraph& graph, const PluginRegistry& registry, const IoManagerSet& io,
           EventLog& log, const std::string& home, const RunOptions& options, std::string run_id)
      : defs_(graph.definitions()),
        redactor_(RunRedactor(graph.definitions())),
        registry_(registry),
        io_(io),
        log_(log),
        home_(home),
        options_(options),
        clock_(options.clock ? *options.clock : SystemClock()),
        random_(options.random ? *options.random : DefaultRandom()),
        run_id_(std::move(run_id)),
        sink_(log, options.observer, clock_, run_id_, redactor_),
        commits_(log, sink_, home, run_id_,
                 [this](size_t n, const Status& s) { OnCommitted(n, s); },
                 [this] { return executing_.load() > 0; }),
        in_process_(registry),
        child_() {
    control_.cancel = options.cancel;
    control_.grace_s = options.grace_s;
    control_.crash_note_path = CrashNotePath(home, run_id_);
    control_.on_plugin_exit = [this](const std::string& message) { OnPluginExit(message); };
  }

  std::vector<Node> nodes;
  // nodes[n]'s result; `state` is guarded by the run's mutex.
  std::vector<StepResult> results;
  std::vector<uint32_t> child_edges;  // see Node::first_child
  std::vector<uint32_t> node_of;  // asset index -> node index, or kNoNode
  std::string manifests_hash;
  std::string spool_dir;  // of the copies of spooled nodes' outputs

  // Where a spooled node's output is copied for its children; "" for the others.
  std::string SpoolPath(const Node& node) const {
    return node.spooled ? spool_dir + "/" + defs_.assets[node.asset].key : std::string();
  }

  RunResult Execute(int workers);

 private:
  bool Canceled() const { return options_.cancel && options_.cancel->load(); }
  bool Forced() const { return options_.force_cancel && options_.force_cancel->load(); }
  // `index`: the thread's place in the pool (kNoWorker for the run's own thread).
  void Worker(size_t index);
  static constexpr size_t kNoWorker = static_cast<size_t>(-1);
  // Runs node n's attempts; true when its success went to the commit queue (Finish comes
  // from OnCommitted), false when it is finished already.
  bool ExecuteNode(size_t n);
  // The node's spec for attempt 1; false with a message when an input's asset is outside the
  // run and was never materialized.
  bool BuildSpec(const Node& node, StepSpec* spec, std::map<std::string, std::string>* versions,
                 std::string* error);
  std::optional<std::string> StoredVersion(const std::string& asset_key);
  const PluginFileSpec& PluginFile(const std::string& type);
  StepRunner& RunnerFor(const Node& node);
  void OnCommitted(size_t n, const Status& s);
  void Finish(size_t n);  // REQUIRES: mu_ held
  void SkipDescendants(size_t n, const std::string& reason);  // REQUIRES: mu_ held
  // Records every running step CANCELED (`why`) or, for the one on this thread, FAILED
  // (`failure`), sweeps the run's temporary data and ends the run: the process is about to
  // end under steps that did not stop.
  RunResult Abandon(RunStatus status, const std::string& why, const std::string& failure);
  void OnPluginExit(const std::string& message);
  // Records the steps never started as skipped, RUN_<status> and the run's end; `status`
  // overrides the one the steps' states give.
  RunResult Summarize(std::optional<RunStatus> status = std::nullopt);

  const Definitions& defs_;
  // Every secret of the definitions' configs, masked in whatever the run reports.
  const Redactor redactor_;
  const PluginRegistry& registry_;
  const IoManagerSet& io_;
  EventLog& log_;
  const std::string& home_;
  const RunOptions& options_;
  Clock& clock_;
  RandomSource& random_;
  const std::string run_id_;
  EventSink sink_;
  CommitQueue commits_;
  InProcessRunner in_process_;
  ChildProcessRunner child_;
  StepControl control_;
  int64_t started_ms_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> ready_;  // plan order first
  size_t finished_ = 0;
  int live_workers_ = 0;
  // Workers to let go at their next pick (under mu_): see the refusal in Execute.
  size_t surplus_workers_ = 0;
  // Pool indexes of workers that left as surplus, for the run's thread to join at once: a
  // joinable thread's stack stays mapped until it is joined, and the room is what they left for.
  std::vector<size_t> released_workers_;
  std::atomic<int> executing_{0};  // nodes between a worker's pop and ExecuteNode's return
  bool ended_ = false;  // the run's end was recorded (by Abandon); guarded by mu_

  std::mutex lookups_mu_;
  std::map<std::string, std::optional<std::string>> stored_versions_;  // outside-the-run inputs
  std::map<std::string, PluginFileSpec> plugin_files_;                  // by plugin name
};

// The node this thread is running, for OnPluginExit.
inline thread_local size_t t_current_node = kNoNode;

}  // namespace af::engine_internal

#endif  // ASSETFLOW_HOST_ENGINE_RUN_STATE_H_
