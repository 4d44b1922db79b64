#include "engine/executor.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <system_error>
#include <thread>

#include <fstream>
#include <set>
#include <sstream>

#include <unistd.h>

#include "common/fatal_signal.h"
#include "engine/child_process_runner.h"
#include "engine/commit_queue.h"
#include "engine/event_sink.h"
#include "engine/host_context.h"
#include "engine/in_process_runner.h"
#include "engine/io_managers.h"
#include "engine/recovery.h"
#include "engine/step.h"
#include "engine/worker_budget.h"
#include "eventlog/hash.h"

namespace af {

const char* StepStateName(StepState s) {
  switch (s) {
    case StepState::kPending: return "PENDING";
    case StepState::kSucceeded: return "SUCCEEDED";
    case StepState::kFailed: return "FAILED";
    case StepState::kSkipped: return "SKIPPED";
    case StepState::kCanceled: return "CANCELED";
  }
  return "?";
}

std::string NewRunId() {
  thread_local std::mt19937_64 engine{std::random_device{}() ^
                                      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
  const uint64_t hi = engine(), lo = engine();
  unsigned char b[16];
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<unsigned char>(hi >> (8 * i));
    b[8 + i] = static_cast<unsigned char>(lo >> (8 * i));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                b[14], b[15]);
  return out;
}

namespace {

constexpr auto kProgressInterval = std::chrono::milliseconds(100);
constexpr auto kCancelPoll = std::chrono::milliseconds(50);
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

// One attempt's records, as the executor consumes them: logs and progress (rate-limited per
// step) to the event sink, the ending record kept. [the runner's thread]
class AttemptRecords : public StepRecordSink {
 public:
  AttemptRecords(EventSink& sink, const std::string& asset, uint32_t attempt)
      : sink_(sink), asset_(asset), attempt_(attempt) {}
  void OnRecord(const StepRecord& r) override {
    switch (r.kind) {
      case StepRecord::Kind::kLog:
        if (r.sequence) sink_.WorkerLog(asset_, r.level, r.message, attempt_, r.sequence);
        else sink_.Log(asset_, r.level, r.message);
        break;
      case StepRecord::Kind::kProgress: {
        const auto now = std::chrono::steady_clock::now();
        if (now - last_ < kProgressInterval && !(r.total && r.done >= r.total)) return;
        last_ = now;
        sink_.Progress(asset_, r.done, r.total);
        break;
      }
      default:
        ending_ = r;
        ended_ = true;
    }
  }
  AttemptResult Result() const {
    if (ended_) return ResultOf(ending_);
    AttemptResult a;
    a.status = AF_ERR_FATAL;
    a.message = "the step runner reported no result";
    return a;
  }

 private:
  EventSink& sink_;
  const std::string& asset_;
  const uint32_t attempt_;
  std::chrono::steady_clock::time_point last_{};
  StepRecord ending_;
  bool ended_ = false;
};

// The secrets of every asset's and resource's config. All of them, not only the run's: a
// plugin may quote any config it can see, and the extra lookups are cheap.
Redactor RunRedactor(const Definitions& defs) {
  Redactor redactor;
  for (const AssetDef& asset : defs.assets)
    redactor.AddConfig(asset.config_json, asset.secret_config_keys());
  for (const auto& [key, resource] : defs.resources)
    redactor.AddConfig(resource.config_json, resource.secret_config_keys);
  return redactor;
}

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
thread_local size_t t_current_node = kNoNode;

RunResult RunState::Execute(int workers) {
  started_ms_ = clock_.NowMs();
  if (options_.resume)
    sink_.Log("", AF_LOG_INFO, "run resumed by pid " + std::to_string(::getpid()) + ": " +
                                   std::to_string(options_.resume->succeeded.size()) +
                                   " step(s) done before");
  else
  {
    std::vector<std::string> assets;
    assets.reserve(results.size());
    for (const StepResult& r : results) assets.push_back(r.asset_key);
    sink_.RunStarted(options_.selection_text, assets, workers);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t n = 0; n < nodes.size(); ++n) {
      if (results[n].state == StepState::kPending) continue;
      ++finished_;  // ended before a resume
      if (results[n].state == StepState::kFailed)
        SkipDescendants(n, "skipped: upstream '" + results[n].asset_key + "' failed");
    }
    for (size_t n = 0; n < nodes.size(); ++n)
      if (results[n].state == StepState::kPending && nodes[n].pending == 0) ready_.push(n);
  }
  std::vector<std::thread> pool;
  const WorkerBudget budget = BudgetWorkers(
      std::max<size_t>(1, std::min<size_t>(workers, nodes.size())), ThisProcessAddressSpace());
  const size_t count = budget.workers;
  if (!budget.note.empty()) sink_.Log("", AF_LOG_WARNING, budget.note);
  {
    std::lock_guard<std::mutex> lock(mu_);
    live_workers_ = nodes.empty() ? 0 : static_cast<int>(count);
  }
  // The OS may refuse threads (RLIMIT_NPROC, memory): the run goes on with the ones it got, and
  // with none on this thread, rather than leaving the run STARTED behind an exception.
  std::string refused;
  for (size_t i = 0; i < count && !nodes.empty(); ++i) {
    try {
      pool.emplace_back([this, i] { Worker(i); });
    } catch (const std::system_error& e) {
      refused = e.what();
      break;
    }
  }
  if (!refused.empty()) {
    // The refusal says the process is at its limit (threads, address space): half the threads
    // that did start are let go again, so that the steps and the host's own allocations have
    // room rather than failing next (a bad_alloc in a thread that cannot report it).
    const size_t keep = std::max<size_t>(1, pool.size() / 2);
    {
      std::lock_guard<std::mutex> lock(mu_);
      live_workers_ -= static_cast<int>(count - pool.size());
      surplus_workers_ = pool.size() > keep ? pool.size() - keep : 0;
    }
    cv_.notify_all();
    sink_.Log("", AF_LOG_WARNING,
              "started " + std::to_string(pool.size()) + " of " + std::to_string(count) +
                  " worker threads (" + refused + "); running with " + std::to_string(keep));
    if (pool.empty()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        live_workers_ = 1;
      }
      Worker(kNoWorker);
    }
  }
  // The main thread watches for the end, a second signal, and the grace period.
  std::optional<std::chrono::steady_clock::time_point> canceled_at;
  for (;;) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, kCancelPoll);
    if (!released_workers_.empty()) {
      std::vector<size_t> released;
      released.swap(released_workers_);
      lock.unlock();
      for (size_t i : released) pool[i].join();  // each has left its loop: returns at once
      continue;
    }
    if (live_workers_ == 0) break;
    if (Canceled() && !canceled_at) canceled_at = std::chrono::steady_clock::now();
    const bool grace_over =
        canceled_at && std::chrono::steady_clock::now() - *canceled_at >
                           std::chrono::duration<double>(options_.grace_s +
                                                         StepControl::kKillAfterTermSeconds + 1);
    if (Forced() || grace_over) {
      lock.unlock();
      for (std::thread& t : pool)
        if (t.joinable()) t.detach();
      return Abandon(RunStatus::kCanceled,
                     Forced() ? "canceled: the run was stopped at once (second signal)"
                              : "canceled: did not stop within the grace period",
                     "");
    }
  }
  for (std::thread& t : pool)
    if (t.joinable()) t.join();
  commits_.Drain();
  Status synced = commits_.SyncPublished();
  if (!synced.ok()) sink_.Log("", AF_LOG_ERROR, synced.message());
  return Summarize();
}

RunResult RunState::Summarize(std::optional<RunStatus> forced) {
  RunResult result;
  result.run_id = run_id_;
  result.started_ms = started_ms_;
  size_t succeeded = 0, failed = 0, skipped = 0, canceled = 0;
  // The results are handed over, not copied (100,000 steps' results are ~20 MB), unless the
  // run is abandoned (`forced`): then a step still running may yet write its own.
  const bool hand_over = !forced.has_value();
  for (StepResult& r : results) {
    if (r.state == StepState::kPending) {  // never started: the run was canceled
      r.state = StepState::kSkipped;
      r.message = "skipped: run canceled";
      sink_.StepSkipped(r.asset_key, r.message);
    }
    switch (r.state) {
      case StepState::kSucceeded: ++succeeded; break;
      case StepState::kFailed: ++failed; break;
      case StepState::kSkipped: ++skipped; break;
      default: ++canceled; break;
    }
  }
  if (hand_over) result.steps = std::move(results);
  else result.steps = results;
  const bool was_canceled = canceled > 0 || (Canceled() && succeeded < nodes.size());
  result.status = was_canceled                 ? RunStatus::kCanceled
                  : (failed > 0 || skipped > 0) ? RunStatus::kFailed
                                                : RunStatus::kSuccess;
  if (forced) result.status = *forced;
  // A run whose history went nowhere (the database deleted or replaced under it, or found
  // damaged) did not succeed, whatever its steps did.
  if (const Status damage = log_.Damage(); !damage.ok() && result.status == RunStatus::kSuccess) {
    sink_.Log("", AF_LOG_ERROR, damage.message());
    result.status = RunStatus::kFailed;
  }
  sink_.RunEnded(result.status, succeeded, failed, skipped, canceled);
  result.ended_ms = clock_.NowMs();
  Status ended = log_.EndRun(run_id_, result.status, result.ended_ms);
  result.history_error = sink_.first_error();
  if (result.history_error.ok()) result.history_error = ended;
  return result;
}

RunResult RunState::Abandon(RunStatus status, const std::string& why, const std::string& failure) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ended_) return RunResult{};
    ended_ = true;
  }
  commits_.Drain();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t n = 0; n < nodes.size(); ++n) {
      Node& node = nodes[n];
      StepResult& r = results[n];
      if (!node.running || r.state != StepState::kPending) continue;
      node.running = false;
      r.attempts = std::max<uint32_t>(1, r.attempts);
      if (n == t_current_node && !failure.empty()) {
        r.state = StepState::kFailed;
        r.message = failure;
        sink_.StepFailed(r.asset_key, AF_ERR_FATAL, failure, r.attempts);
      } else {
        r.state = StepState::kCanceled;
        r.message = why;
        sink_.StepCanceled(r.asset_key, r.attempts);
      }
    }
  }
  // What the abandoned steps wrote so far is swept; they write nothing more, as the process
  // ends right after (see RunResult::abandoned).
  for (const IoManagerRef* io : io_.All()) SweepRun(*io, run_id_, home_);
  std::error_code ec;
  std::filesystem::remove_all(home_ + "/tmp/" + run_id_, ec);
  RunResult result = Summarize(status);
  log_.Flush();
  result.abandoned = true;
  return result;
}

void RunState::OnPluginExit(const std::string& message) {
  Abandon(RunStatus::kFailed, "canceled: the process ended (" + message + ")", message);
  ::unlink(control_.crash_note_path.c_str());  // recorded already: nothing for the next start
  const std::string line = "assetflow: run " + run_id_ + " FAILED: " + message + "\n";
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

void RunState::Worker(size_t index) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    while (ready_.empty() && finished_ < nodes.size() && !Canceled()) cv_.wait_for(lock, kCancelPoll);
    if (Canceled() || ready_.empty() || ended_) break;
    if (surplus_workers_ > 0) {
      --surplus_workers_;
      if (index != kNoWorker) released_workers_.push_back(index);
      break;
    }
    const size_t n = ready_.top();
    ready_.pop();
    nodes[n].running = true;
    ++executing_;
    lock.unlock();
    bool committing = false;
    try {
      committing = ExecuteNode(n);
    } catch (const std::exception& e) {  // a host bug must fail the step, not the process
      results[n].state = StepState::kFailed;
      results[n].message = std::string("internal error: ") + e.what();
      sink_.StepFailed(results[n].asset_key, AF_ERR_FATAL, results[n].message, 1);
    }
    --executing_;
    lock.lock();
    if (!committing) Finish(n);
  }
  --live_workers_;
  cv_.notify_all();
}

std::optional<std::string> RunState::StoredVersion(const std::string& asset_key) {
  std::lock_guard<std::mutex> lock(lookups_mu_);
  auto it = stored_versions_.find(asset_key);
  if (it != stored_versions_.end()) return it->second;
  std::optional<std::string> version;
  if (auto m = log_.LatestMaterialization(asset_key)) version = m->data_version;
  stored_versions_.emplace(asset_key, version);
  return version;
}

const PluginFileSpec& RunState::PluginFile(const std::string& type) {
  const std::string name = type.substr(0, type.find('/'));
  std::lock_guard<std::mutex> lock(lookups_mu_);
  auto it = plugin_files_.find(name);
  if (it != plugin_files_.end()) return it->second;
  PluginFileSpec file;
  file.name = name;
  for (const PluginInfo& p : registry_.plugins()) {
    if (p.name != name) continue;
    file.path = p.path;
    std::string error;
    file.sha256 = FileSha256Hex(p.path, &error);
  }
  return plugin_files_.emplace(name, std::move(file)).first->second;
}

StepIoSpec IoSpecOf(const IoManagerRef& io) {
  return StepIoSpec{io.resource_key, io.type, io.config.text};
}

bool RunState::BuildSpec(const Node& node, StepSpec* spec,
                         std::map<std::string, std::string>* versions, std::string* error) {
  const AssetDef& asset = defs_.assets[node.asset];
  spec->run_id = run_id_;
  spec->step_key = asset.key;
  spec->asset_key = asset.key;
  spec->definition = asset.type;
  spec->code_version = asset.code_version;
  spec->config_json = asset.config_json;
  const IoManagerRef& out = io_.For(asset);
  spec->io = IoSpecOf(out);
  spec->home = home_;
  spec->spool_path = SpoolPath(node);
  spec->manifests_hash = manifests_hash;
  spec->timeout_s = asset.details().timeout_seconds.value_or(0);
  spec->max_rss_mb = asset.details().max_rss_mb.value_or(0);
  std::set<std::string> plugins = {asset.type, out.type};
  for (const InputDef& input : asset.inputs) {
    const size_t upstream = defs_.IndexOf(input.asset_key).value();
    const AssetDef& up = defs_.assets[upstream];
    const IoManagerRef& io = io_.For(up);
    plugins.insert(io.type);
    StepInputSpec in{input.name, up.key, IoSpecOf(io), "", "", up.observable};
    if (node_of[upstream] != kNoNode) {  // ran in this run and succeeded
      in.spool_path = SpoolPath(nodes[node_of[upstream]]);
      in.data_version = results[node_of[upstream]].data_version;
    } else {
      std::optional<std::string> stored = StoredVersion(up.key);
      if (!stored) {
        *error = "input '" + input.name + "' of '" + asset.key + "': asset '" + up.key +
                 "' was never materialized; run with --with-upstream (or select '+" +
                 asset.key + "')";
        return false;
      }
      in.data_version = *stored;
    }
    (*versions)[up.key] = in.data_version;
    spec->inputs.push_back(std::move(in));
  }
  if (node.isolated) {  // only a worker process loads plugins by file
    std::set<std::string> seen;
    for (const std::string& type : plugins) {
      const PluginFileSpec& file = PluginFile(type);
      if (seen.insert(file.name).second) spec->plugins.push_back(file);
    }
  }
  return true;
}

StepRunner& RunState::RunnerFor(const Node& node) {
  if (node.isolated) return options_.isolated_runner ? *options_.isolated_runner : child_;
  return options_.in_process_runner ? *options_.in_process_runner : in_process_;
}

bool RunState::ExecuteNode(size_t n) {
  Node& node = nodes[n];
  const AssetDef& asset = defs_.assets[node.asset];
  StepResult& r = results[n];
  const auto started = std::chrono::steady_clock::now();
  t_current_node = n;
  uint32_t first_attempt = 1;
  auto resumed = options_.resume ? options_.resume->first_attempt.find(asset.key)
                                 : std::map<std::string, uint32_t>::const_iterator{};
  if (options_.resume && resumed != options_.resume->first_attempt.end())
    first_attempt = resumed->second;  // started before the host died: STEP_STARTED recorded
  else
    sink_.StepStarted(asset.key);

  StepSpec spec;
  std::map<std::string, std::string> upstream_versions;
  std::string error;
  if (!BuildSpec(node, &spec, &upstream_versions, &error)) {
    r.attempts = 1;
    r.state = StepState::kFailed;
    r.message = error;
    sink_.StepFailed(asset.key, AF_ERR_FATAL, error, r.attempts);
    return false;
  }
  StepRunner& runner = RunnerFor(node);
  const IoManagerRef& io = io_.For(asset);
  const RetryPolicy policy = asset.retry_policy ? *asset.retry_policy : RetryPolicy{};
  const int64_t first_attempt_ms = clock_.NowMs();
  // Attempts lost to the infrastructure (the runner's own limit bounds them): retried at once,
  // and not counted against the asset's policy.
  uint32_t lost = 0;
  for (uint32_t attempt = first_attempt;; ++attempt) {
    r.attempts = attempt;
    spec.attempt = attempt;
    AttemptRecords records(sink_, asset.key, attempt);
    runner.Run(spec, control_, records);
    AttemptResult a = records.Result();
    a.message = redactor_.Redact(a.message);
    if (a.status == AF_OK) {
      CommitQueue::Item item;
      item.node = n;
      MaterializationRecord& m = item.record;
      m.asset_key = asset.key;
      m.run_id = run_id_;
      m.attempt = attempt;
      m.time_ms = clock_.NowMs();
      m.data_version = a.data_version;
      m.code_version = asset.code_version;
      RecordedConfig config =
          RecordConfig(asset.config_json, asset.unversioned_config_keys(),
                       asset.secret_config_keys());
      m.config_json = std::move(config.json);
      m.config_hash = std::move(config.hash);
      m.upstream_data_versions = std::move(upstream_versions);
      m.metadata = std::move(a.metadata);
      item.io = &io;
      item.staged = a.staged;
      item.observed = a.observed;
      item.bytes = a.bytes;
      item.started = started;
      r.data_version = a.data_version;
      commits_.Submit(std::move(item));
      return true;
    }
    // What a failed attempt left (a killed worker's temp file) goes now, not at recovery.
    DiscardStaged(io, asset.key, run_id_, attempt, home_);
    if (node.spooled) ::unlink(SpoolPath(node).c_str());
    if (Canceled()) {
      r.state = StepState::kCanceled;
      r.message = "canceled";
      sink_.StepCanceled(asset.key, attempt);
      return false;
    }
    if (a.infrastructure) {
      ++lost;
      sink_.Log(asset.key, AF_LOG_WARNING,
                "attempt " + std::to_string(attempt) + " was lost: " + a.message +
                    "; retrying (an infrastructure retry, not counted against the retry policy)");
      continue;
    }
    const int failures = static_cast<int>(attempt - lost);
    if (IsRetryable(a.status) && failures <= policy.max_retries) {
      const double delay = std::max(0.0, RetryDelaySeconds(policy, failures, random_));
      // A retry that could only begin after the deadline is not waited for.
      const double elapsed_s = static_cast<double>(clock_.NowMs() - first_attempt_ms) / 1000;
      if (elapsed_s + delay > policy.deadline_seconds) {
        r.state = StepState::kFailed;
        char deadline[32];
        std::snprintf(deadline, sizeof deadline, "%g s", policy.deadline_seconds);
        r.message = a.message + " (not retried: the retry deadline of " + deadline +
                    " would pass)";
        sink_.StepFailed(asset.key, a.status, r.message, attempt);
        return false;
      }
      sink_.StepRetry(asset.key, attempt, policy.max_retries, delay, a.status, a.message);
      clock_.Sleep(delay, options_.cancel);
      if (!Canceled()) continue;
      r.state = StepState::kCanceled;
      r.message = "canceled";
      sink_.StepCanceled(asset.key, attempt);
      return false;
    }
    r.state = StepState::kFailed;
    r.message = a.message;
    sink_.StepFailed(asset.key, a.status, a.message, attempt);
    return false;
  }
}

void RunState::OnCommitted(size_t n, const Status& s) {
  std::lock_guard<std::mutex> lock(mu_);
  StepResult& r = results[n];
  if (s.ok()) {
    r.state = StepState::kSucceeded;
  } else {
    r.state = StepState::kFailed;
    r.message = redactor_.Redact(s.message());
    r.data_version.clear();
  }
  Finish(n);
}

void RunState::Finish(size_t n) {
  ++finished_;
  Node& node = nodes[n];
  node.running = false;
  if (results[n].state == StepState::kSucceeded) {
    for (uint32_t e = node.first_child; e < node.end_child; ++e) {
      const size_t c = child_edges[e];
      if (--nodes[c].pending == 0 && results[c].state == StepState::kPending) ready_.push(c);
    }
  } else if (results[n].state == StepState::kFailed) {
    SkipDescendants(n, "skipped: upstream '" + results[n].asset_key + "' failed");
  }
  cv_.notify_all();
}

void RunState::SkipDescendants(size_t n, const std::string& reason) {
  const auto children = [&](size_t of) {
    return std::make_pair(child_edges.begin() + nodes[of].first_child,
                          child_edges.begin() + nodes[of].end_child);
  };
  std::vector<uint32_t> stack(children(n).first, children(n).second);
  while (!stack.empty()) {
    const size_t c = stack.back();
    stack.pop_back();
    StepResult& child = results[c];
    if (child.state != StepState::kPending) continue;  // already skipped via another path
    child.state = StepState::kSkipped;
    child.message = reason;
    ++finished_;
    sink_.StepSkipped(child.asset_key, reason);
    stack.insert(stack.end(), children(c).first, children(c).second);
  }
}

bool RunsIsolated(const AssetDef& asset, ExecutorKind executor) {
  if (asset.isolation == AssetDef::Isolation::kProcess || asset.details().timeout_seconds ||
      asset.details().max_rss_mb)
    return true;
  if (asset.isolation == AssetDef::Isolation::kInProcess) return false;
  return executor == ExecutorKind::kMultiprocess;
}

// sha256 of the manifest files, in order, each as its path and contents.
std::string ManifestsHash(const Definitions& defs) {
  Sha256 hash;
  for (const std::string& file : defs.files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream contents;
    contents << in.rdbuf();
    hash.Update(file);
    hash.Update(std::string_view("\0", 1));
    hash.Update(contents.str());
  }
  return hash.FinalHex();
}

}  // namespace

Executor::Executor(const AssetGraph& graph, const PluginRegistry& registry, EventLog& log,
                   std::string home)
    : graph_(graph), registry_(registry), log_(log), home_(std::move(home)) {}

Expected<RunResult> Executor::Run(const RunOptions& options) {
  const Definitions& defs = graph_.definitions();
  auto io = IoManagerSet::Resolve(defs, registry_);
  if (!io.ok()) return io.status();

  const std::string run_id = options.resume ? options.resume->run_id : NewRunId();
  // Leaked when the run is abandoned: its threads may still be using it.
  auto run = std::make_unique<RunState>(graph_, registry_, **io, log_, home_, options, run_id);
  const std::vector<size_t> plan = graph_.Plan(options.selection);
  run->node_of.assign(defs.assets.size(), kNoNode);
  run->nodes.resize(plan.size());
  run->results.resize(plan.size());
  std::vector<std::string> keys;
  keys.reserve(plan.size());
  size_t edges = 0;  // at most: a child outside the plan is not a child in the run
  for (size_t n = 0; n < plan.size(); ++n) {
    run->node_of[plan[n]] = static_cast<uint32_t>(n);
    edges += graph_.Downstream(plan[n]).size();
  }
  if (edges > std::numeric_limits<uint32_t>::max())
    return Status::InvalidArgument("a run of more than 2^32 dependencies between its steps");
  run->child_edges.reserve(edges);
  for (size_t n = 0; n < plan.size(); ++n) {
    Node& node = run->nodes[n];
    StepResult& result = run->results[n];
    const AssetDef& asset = defs.assets[plan[n]];
    node.asset = static_cast<uint32_t>(plan[n]);
    result.asset_key = asset.key;
    node.isolated = RunsIsolated(asset, options.executor);
    if (options.resume) {
      auto done = options.resume->succeeded.find(asset.key);
      if (done != options.resume->succeeded.end()) {
        result.state = StepState::kSucceeded;
        result.data_version = done->second;
      }
      auto ended = options.resume->ended.find(asset.key);
      if (ended != options.resume->ended.end()) result = ended->second;
    }
    if (!registry_.FindAsset(asset.type)) {
      return Status::NotFound("asset '" + asset.key + "': type '" + asset.type +
                              "' is not offered by any loaded plugin");
    }
    for (size_t up : graph_.Upstream(plan[n]))
      if (run->node_of[up] != kNoNode &&
          !(options.resume && options.resume->succeeded.count(defs.assets[up].key)))
        ++node.pending;
    node.first_child = static_cast<uint32_t>(run->child_edges.size());
    for (size_t down : graph_.Downstream(plan[n]))
      if (run->node_of[down] != kNoNode) run->child_edges.push_back(run->node_of[down]);
    std::sort(run->child_edges.begin() + node.first_child, run->child_edges.end());
    node.end_child = static_cast<uint32_t>(run->child_edges.size());
    keys.push_back(asset.key);
  }
  // Children in the run read a write-only IO manager's asset from a copy the host keeps for
  // the run (what file_writer's error message promises); every other asset is read back
  // through its IO manager. One probe per IO manager.
  run->spool_dir = home_ + "/tmp/" + run_id;
  std::map<const IoManagerRef*, bool> can_load;
  for (Node& node : run->nodes) {
    if (node.first_child == node.end_child) continue;
    const AssetDef& asset = defs.assets[node.asset];
    const IoManagerRef& ref = (*io)->For(asset);
    auto it = can_load.find(&ref);
    if (it == can_load.end()) it = can_load.emplace(&ref, CanLoad(ref, asset.key, home_)).first;
    if (!it->second) node.spooled = true;
  }
  for (const Node& node : run->nodes) {
    if (!node.isolated) continue;
    run->manifests_hash = ManifestsHash(defs);  // workers are told what they run for
    break;
  }

  std::error_code dir_error;  // the crash note's folder; without it only stderr is told
  std::filesystem::create_directories(home_ + "/runs", dir_error);
  Status claimed = log_.ClaimAssets(run_id, keys, options.claim_wait_ms);
  std::vector<std::string>().swap(keys);  // not needed past the claim: 3 MB at 100,000 steps
  if (!claimed.ok()) return claimed;
  Clock& clock = options.clock ? *options.clock : SystemClock();
  RunRecord record;
  record.run_id = run_id;
  record.selection = options.selection_text;
  record.started_ms = clock.NowMs();
  Status started = options.resume ? log_.AdoptRun(run_id) : log_.StartRun(record);
  if (!started.ok()) {
    log_.ReleaseAssets(run_id);
    return started;
  }
  int workers = options.parallelism > 0 ? options.parallelism
                                        : static_cast<int>(std::thread::hardware_concurrency());
  // While in-process plugins run, a fatal signal on a thread without a step of its own (one
  // the plugin started) is still named, and the handlers stay installed between steps.
  FatalReport report;
  report.subject = "assetflow: run " + run_id;
  report.activity = "while running in-process steps";
  report.exit_status = 1;
  report.record_path = CrashNotePath(home_, run_id);
  FatalSignalScope guard(report, FatalSignalScope::Reach::kProcess);
  RunResult result = run->Execute(std::max(1, workers));
  if (result.abandoned) {
    static_cast<void>(run.release());  // its threads may still run: see RunResult::abandoned
    (void)io->release();
    return result;
  }
  log_.ReleaseAssets(run_id);
  std::error_code ec;
  std::filesystem::remove_all(run->spool_dir, ec);
  return result;
}

}  // namespace af
