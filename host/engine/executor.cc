#include "engine/executor.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <thread>

#include "engine/event_sink.h"
#include "engine/host_context.h"
#include "engine/io_managers.h"
#include "engine/step.h"
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

// A plan step and its scheduling state; `pending` and `result.state` are guarded by the run's
// mutex, the rest is fixed once the run starts.
struct Node {
  size_t asset = 0;               // index into Definitions::assets
  std::vector<size_t> children;   // node indices, ascending
  int pending = 0;                // in-run parents that have not succeeded yet
  const af_asset_descriptor* plugin = nullptr;
  std::string spool_path;  // set when children in the run cannot load it from its IO manager
  StepResult result;
};

// Logs and progress of one step's calls, progress rate-limited per step. [worker thread]
class StepListener : public CallListener {
 public:
  explicit StepListener(EventSink& sink) : sink_(sink) {}
  void OnLog(const std::string& asset, af_log_level level, const char* message) override {
    sink_.Log(asset, level, message);
  }
  void OnProgress(const std::string& asset, uint64_t done, uint64_t total) override {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < kProgressInterval && !(total && done >= total)) return;
    last_ = now;
    sink_.Progress(asset, done, total);
  }

 private:
  EventSink& sink_;
  std::chrono::steady_clock::time_point last_{};
};

// One run: built, executed once, discarded.
class RunState {
 public:
  RunState(const AssetGraph& graph, const IoManagerSet& io, EventLog& log,
           const std::string& home, const RunOptions& options, std::string run_id)
      : defs_(graph.definitions()),
        io_(io),
        log_(log),
        home_(home),
        options_(options),
        clock_(options.clock ? *options.clock : SystemClock()),
        random_(options.random ? *options.random : DefaultRandom()),
        run_id_(std::move(run_id)),
        sink_(log, options.observer, clock_, run_id_) {}

  std::vector<Node> nodes;
  std::vector<size_t> node_of;  // asset index -> node index, or npos when not in the run

  RunResult Execute(int workers);

 private:
  bool Canceled() const { return options_.cancel && options_.cancel->load(); }
  void Worker();
  void ExecuteNode(size_t n);
  // Fills spec.inputs and the upstream data versions; false with a message when an input's
  // asset is outside the run and was never materialized.
  bool BindInputs(const Node& node, StepSpec* spec, std::map<std::string, std::string>* versions,
                  std::string* error);
  std::optional<std::string> StoredVersion(const std::string& asset_key);
  void Finish(size_t n);  // REQUIRES: mu_ held
  void SkipDescendants(size_t n, const std::string& reason);  // REQUIRES: mu_ held

  const Definitions& defs_;
  const IoManagerSet& io_;
  EventLog& log_;
  const std::string& home_;
  const RunOptions& options_;
  Clock& clock_;
  RandomSource& random_;
  const std::string run_id_;
  EventSink sink_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> ready_;  // plan order first
  size_t finished_ = 0;

  std::mutex versions_mu_;
  std::map<std::string, std::optional<std::string>> stored_versions_;  // outside-the-run inputs
};

RunResult RunState::Execute(int workers) {
  RunResult result;
  result.run_id = run_id_;
  result.started_ms = clock_.NowMs();
  sink_.RunStarted(options_.selection_text, nodes.size(), workers);
  for (size_t n = 0; n < nodes.size(); ++n)
    if (nodes[n].pending == 0) ready_.push(n);
  {
    std::vector<std::thread> pool;
    const size_t count = std::max<size_t>(1, std::min<size_t>(workers, nodes.size()));
    for (size_t i = 0; i < count && !nodes.empty(); ++i) pool.emplace_back([this] { Worker(); });
    for (std::thread& t : pool) t.join();
  }
  size_t succeeded = 0, failed = 0, skipped = 0, canceled = 0;
  for (Node& node : nodes) {
    if (node.result.state == StepState::kPending) {  // never started: the run was canceled
      node.result.state = StepState::kSkipped;
      node.result.message = "skipped: run canceled";
      sink_.StepSkipped(node.result.asset_key, node.result.message);
    }
    switch (node.result.state) {
      case StepState::kSucceeded: ++succeeded; break;
      case StepState::kFailed: ++failed; break;
      case StepState::kSkipped: ++skipped; break;
      default: ++canceled; break;
    }
    result.steps.push_back(node.result);
  }
  const bool was_canceled = canceled > 0 || (Canceled() && succeeded < nodes.size());
  result.status = was_canceled                 ? RunStatus::kCanceled
                  : (failed > 0 || skipped > 0) ? RunStatus::kFailed
                                                : RunStatus::kSuccess;
  sink_.RunEnded(result.status, succeeded, failed, skipped, canceled);
  result.ended_ms = clock_.NowMs();
  Status ended = log_.EndRun(run_id_, result.status, result.ended_ms);
  result.history_error = sink_.first_error();
  if (result.history_error.ok()) result.history_error = ended;
  return result;
}

void RunState::Worker() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    while (ready_.empty() && finished_ < nodes.size() && !Canceled()) cv_.wait_for(lock, kCancelPoll);
    if (Canceled() || ready_.empty()) break;
    const size_t n = ready_.top();
    ready_.pop();
    lock.unlock();
    try {
      ExecuteNode(n);
    } catch (const std::exception& e) {  // a host bug must fail the step, not the process
      nodes[n].result.state = StepState::kFailed;
      nodes[n].result.message = std::string("internal error: ") + e.what();
      sink_.StepFailed(nodes[n].result.asset_key, AF_ERR_FATAL, nodes[n].result.message, 1);
    }
    lock.lock();
    Finish(n);
  }
  cv_.notify_all();
}

std::optional<std::string> RunState::StoredVersion(const std::string& asset_key) {
  std::lock_guard<std::mutex> lock(versions_mu_);
  auto it = stored_versions_.find(asset_key);
  if (it != stored_versions_.end()) return it->second;
  std::optional<std::string> version;
  if (auto m = log_.LatestMaterialization(asset_key)) version = m->data_version;
  stored_versions_.emplace(asset_key, version);
  return version;
}

bool RunState::BindInputs(const Node& node, StepSpec* spec,
                          std::map<std::string, std::string>* versions, std::string* error) {
  const AssetDef& asset = defs_.assets[node.asset];
  for (const InputDef& input : asset.inputs) {
    const size_t upstream = defs_.asset_index.at(input.asset_key);
    const AssetDef& up = defs_.assets[upstream];
    const IoManagerRef& io = io_.For(up);
    spec->inputs.push_back(InputSource{input.name, up.key, io.desc, &io.config, ""});
    if (node_of[upstream] != static_cast<size_t>(-1)) {  // ran in this run and succeeded
      const Node& parent = nodes[node_of[upstream]];
      spec->inputs.back().spool_path = parent.spool_path;
      (*versions)[up.key] = parent.result.data_version;
      continue;
    }
    std::optional<std::string> stored = StoredVersion(up.key);
    if (!stored) {
      *error = "input '" + input.name + "' of '" + asset.key + "': asset '" + up.key +
               "' was never materialized; run with --with-upstream (or select '+" + asset.key +
               "')";
      return false;
    }
    (*versions)[up.key] = *stored;
  }
  return true;
}

void RunState::ExecuteNode(size_t n) {
  Node& node = nodes[n];
  const AssetDef& asset = defs_.assets[node.asset];
  StepResult& r = node.result;
  const auto started = std::chrono::steady_clock::now();
  sink_.StepStarted(asset.key);

  StepListener listener(sink_);
  const ParsedConfig config(asset.config_json);
  StepSpec spec;
  spec.asset_key = &asset.key;
  spec.plugin = node.plugin;
  spec.config = &config;
  spec.io = &io_.For(asset);
  spec.run_id = &run_id_;
  spec.home = &home_;
  spec.cancel = options_.cancel;
  spec.listener = &listener;
  spec.spool_path = node.spool_path;
  std::map<std::string, std::string> upstream_versions;
  std::string error;
  if (!BindInputs(node, &spec, &upstream_versions, &error)) {
    r.attempts = 1;
    r.state = StepState::kFailed;
    r.message = error;
    sink_.StepFailed(asset.key, AF_ERR_FATAL, error, r.attempts);
    return;
  }

  const RetryPolicy policy = asset.retry_policy.value_or(RetryPolicy{});
  for (uint32_t attempt = 1;; ++attempt) {
    r.attempts = attempt;
    AttemptResult a = RunAttempt(spec, attempt);
    if (a.status == AF_OK) {
      MaterializationRecord m;
      m.asset_key = asset.key;
      m.run_id = run_id_;
      m.time_ms = clock_.NowMs();
      m.data_version = a.data_version;
      m.code_version = asset.code_version;
      m.config_json = CanonicalJson(asset.config_json);
      m.config_hash = Sha256Hex(m.config_json);  // = ConfigHash(asset.config_json)
      m.upstream_data_versions = std::move(upstream_versions);
      m.metadata = std::move(a.metadata);
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started).count();
      sink_.StepSucceeded(m, a.bytes, attempt, ms);
      r.state = StepState::kSucceeded;
      r.data_version = a.data_version;
      return;
    }
    if (Canceled()) {
      r.state = StepState::kCanceled;
      r.message = "canceled";
      sink_.StepCanceled(asset.key, attempt);
      return;
    }
    if (IsRetryable(a.status) && static_cast<int>(attempt) <= policy.max_retries) {
      const double delay = std::max(0.0, RetryDelaySeconds(policy, static_cast<int>(attempt), random_));
      sink_.StepRetry(asset.key, attempt, policy.max_retries, delay, a.status, a.message);
      clock_.Sleep(delay, options_.cancel);
      if (!Canceled()) continue;
      r.state = StepState::kCanceled;
      r.message = "canceled";
      sink_.StepCanceled(asset.key, attempt);
      return;
    }
    r.state = StepState::kFailed;
    r.message = a.message;
    sink_.StepFailed(asset.key, a.status, a.message, attempt);
    return;
  }
}

void RunState::Finish(size_t n) {
  ++finished_;
  Node& node = nodes[n];
  if (node.result.state == StepState::kSucceeded) {
    for (size_t c : node.children) {
      Node& child = nodes[c];
      if (--child.pending == 0 && child.result.state == StepState::kPending) ready_.push(c);
    }
  } else if (node.result.state == StepState::kFailed) {
    SkipDescendants(n, "skipped: upstream '" + node.result.asset_key + "' failed");
  }
  cv_.notify_all();
}

void RunState::SkipDescendants(size_t n, const std::string& reason) {
  std::vector<size_t> stack(nodes[n].children.begin(), nodes[n].children.end());
  while (!stack.empty()) {
    const size_t c = stack.back();
    stack.pop_back();
    Node& child = nodes[c];
    if (child.result.state != StepState::kPending) continue;  // already skipped via another path
    child.result.state = StepState::kSkipped;
    child.result.message = reason;
    ++finished_;
    sink_.StepSkipped(child.result.asset_key, reason);
    stack.insert(stack.end(), child.children.begin(), child.children.end());
  }
}

}  // namespace

Executor::Executor(const AssetGraph& graph, const PluginRegistry& registry, EventLog& log,
                   std::string home)
    : graph_(graph), registry_(registry), log_(log), home_(std::move(home)) {}

Expected<RunResult> Executor::Run(const RunOptions& options) {
  const Definitions& defs = graph_.definitions();
  auto io = IoManagerSet::Resolve(defs, registry_);
  if (!io.ok()) return io.status();

  const std::string run_id = NewRunId();
  RunState run(graph_, **io, log_, home_, options, run_id);
  const std::vector<size_t> plan = graph_.Plan(options.selection);
  run.node_of.assign(defs.assets.size(), static_cast<size_t>(-1));
  run.nodes.resize(plan.size());
  std::vector<std::string> keys;
  keys.reserve(plan.size());
  for (size_t n = 0; n < plan.size(); ++n) run.node_of[plan[n]] = n;
  for (size_t n = 0; n < plan.size(); ++n) {
    Node& node = run.nodes[n];
    const AssetDef& asset = defs.assets[plan[n]];
    node.asset = plan[n];
    node.result.asset_key = asset.key;
    node.plugin = registry_.FindAsset(asset.type);
    if (!node.plugin) {
      return Status::NotFound("asset '" + asset.key + "': type '" + asset.type +
                              "' is not offered by any loaded plugin");
    }
    for (size_t up : graph_.Upstream(plan[n]))
      if (run.node_of[up] != static_cast<size_t>(-1)) ++node.pending;
    for (size_t down : graph_.Downstream(plan[n]))
      if (run.node_of[down] != static_cast<size_t>(-1)) node.children.push_back(run.node_of[down]);
    std::sort(node.children.begin(), node.children.end());
    keys.push_back(asset.key);
  }
  // Children in the run read a write-only IO manager's asset from a copy the host keeps for
  // the run (what file_writer's error message promises); every other asset is read back
  // through its IO manager. One probe per IO manager.
  const std::string spool_dir = home_ + "/tmp/" + run_id;
  std::map<const IoManagerRef*, bool> can_load;
  for (Node& node : run.nodes) {
    if (node.children.empty()) continue;
    const AssetDef& asset = defs.assets[node.asset];
    const IoManagerRef& ref = (*io)->For(asset);
    auto it = can_load.find(&ref);
    if (it == can_load.end()) it = can_load.emplace(&ref, CanLoad(ref, asset.key, home_)).first;
    if (!it->second) node.spool_path = spool_dir + "/" + asset.key;
  }

  Status claimed = log_.ClaimAssets(run_id, keys, options.claim_wait_ms);
  if (!claimed.ok()) return claimed;
  Clock& clock = options.clock ? *options.clock : SystemClock();
  Status started = log_.StartRun(RunRecord{run_id, RunStatus::kStarted, options.selection_text,
                                           clock.NowMs(), 0});
  if (!started.ok()) {
    log_.ReleaseAssets(run_id);
    return started;
  }
  int workers = options.parallelism > 0 ? options.parallelism
                                        : static_cast<int>(std::thread::hardware_concurrency());
  RunResult result = run.Execute(std::max(1, workers));
  log_.ReleaseAssets(run_id);
  std::error_code ec;
  std::filesystem::remove_all(spool_dir, ec);
  return result;
}

}  // namespace af
