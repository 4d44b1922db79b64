#include "engine/executor.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <system_error>
#include <thread>

#include "common/fatal_signal.h"
#include "engine/io_managers.h"
#include "engine/recovery.h"
#include "engine/run_state.h"
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

using engine_internal::kNoNode;
using engine_internal::Node;
using engine_internal::RunState;

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
