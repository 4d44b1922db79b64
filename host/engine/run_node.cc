// RunState's one step: its spec (inputs from this run or from the event log, the plugin files
// a worker process loads), its runner, its attempts and retries, and its commit.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <unistd.h>

#include "engine/retry.h"
#include "engine/run_state.h"
#include "eventlog/hash.h"

namespace af::engine_internal {

namespace {

StepIoSpec IoSpecOf(const IoManagerRef& io) {
  return StepIoSpec{io.resource_key, io.type, io.config.text};
}

}  // namespace

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

}  // namespace af::engine_internal
