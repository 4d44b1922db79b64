#include "staleness/staleness.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/redact.h"
#include "eventlog/hash.h"
#include <assetflow/cpp/json.hpp>

namespace af {

namespace {

constexpr size_t kShortVersion = 8;
constexpr size_t kMaxValueChars = 40;

std::string ShortVersion(const std::string& version) { return version.substr(0, kShortVersion); }

std::string OrNone(const std::string& version) { return version.empty() ? "(none)" : version; }

// Top-level members of a JSON object as canonical JSON text; nullopt if `json` is not an
// object (config is always one; older rows have "").
std::optional<std::map<std::string, std::string>> TopLevelValues(const std::string& json) {
  rapidjson::Document doc;
  if (!assetflow::ParseJson<rapidjson::kParseFullPrecisionFlag>(doc, json.data(), json.size()) ||
      !doc.IsObject())
    return std::nullopt;
  std::map<std::string, std::string> values;
  for (const auto& m : doc.GetObject()) {
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> writer(out);
    m.value.Accept(writer);
    values[std::string(m.name.GetString(), m.name.GetStringLength())] =
        CanonicalJson(std::string(out.GetString(), out.GetSize()));
  }
  return values;
}

// At most kMaxValueChars bytes, cut before a UTF-8 character rather than inside one.
std::string Shorten(const std::string& value) {
  if (value.size() <= kMaxValueChars) return value;
  size_t cut = kMaxValueChars - 3;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return value.substr(0, cut) + "...";
}

// The config causes of `def` against `last`. Both sides are compared as versioned configs
// with the definition's *current* unversioned keys, so a key marked unversioned since `last`
// was recorded (with the full config) is not a change either. Secrets are compared by the
// hash only (the record holds them masked, and a cause must not print them).
void AddConfigCauses(const AssetDef& def, const MaterializationRecord& last,
                     std::vector<StaleCause>& causes) {
  const RecordedConfig current =
      RecordConfig(def.config_json, def.unversioned_config_keys(), def.secret_config_keys());
  const std::string& now = current.json;
  const std::string& now_hash = current.hash;
  if (last.config_json.empty()) {
    // Recorded before v2: only the hash, of the full config or of the versioned one.
    if (last.config_hash == now_hash || last.config_hash == ConfigHash(def.config_json)) return;
    causes.push_back({StaleCause::Kind::kConfig, "config changed (hash " +
                                                     ShortVersion(last.config_hash) + " -> " +
                                                     ShortVersion(now_hash) + ")"});
    return;
  }
  const std::string then_recorded =
      VersionedConfigJson(last.config_json, def.unversioned_config_keys());
  // Masked before it is compared or shown: a record made before secrets were masked holds
  // them in clear, and a cause must not print them.
  const std::string masked_then = RedactConfigJson(then_recorded, def.secret_config_keys());
  const std::string then =
      masked_then == then_recorded ? then_recorded : VersionedConfigJson(masked_then, {});
  if (then == now) {
    // Equal as shown, but a masked secret may differ. A record that masked nothing (its hash
    // is of its own text) holds the values: compare them; one that did holds their hash.
    const bool record_masked = last.config_hash != Sha256Hex(last.config_json);
    const bool same =
        record_masked
            ? last.config_hash == now_hash
            : then_recorded == VersionedConfigJson(def.config_json, def.unversioned_config_keys());
    if (same) return;
    causes.push_back({StaleCause::Kind::kConfig, "config changed: a secret value (hash " +
                                                     ShortVersion(last.config_hash) + " -> " +
                                                     ShortVersion(now_hash) + ")"});
    return;
  }
  const size_t first = causes.size();
  auto before = TopLevelValues(then);
  auto after = TopLevelValues(now);
  if (before && after) {
    std::set<std::string> keys;
    for (const auto& [key, value] : *before) keys.insert(key);
    for (const auto& [key, value] : *after) keys.insert(key);
    for (const std::string& key : keys) {
      auto was = before->find(key);
      auto now_value = after->find(key);
      std::string change;
      if (was == before->end()) {
        change = "added: " + Shorten(now_value->second);
      } else if (now_value == after->end()) {
        change = "removed (was " + Shorten(was->second) + ")";
      } else if (was->second != now_value->second) {
        change = Shorten(was->second) + " -> " + Shorten(now_value->second);
      } else {
        continue;
      }
      causes.push_back({StaleCause::Kind::kConfig, "config changed: key '" + key + "' " + change});
    }
  }
  // No key to name (a config that is not an object): the hashes are the evidence.
  if (causes.size() == first) {
    causes.push_back({StaleCause::Kind::kConfig, "config changed (hash " +
                                                     ShortVersion(Sha256Hex(then)) + " -> " +
                                                     ShortVersion(now_hash) + ")"});
  }
}

using Materializations = std::map<std::string, MaterializationRecord>;
using Attempts = std::map<std::string, AttemptRecord>;

void AddUpstreamCauses(const AssetGraph& graph, size_t asset, const MaterializationRecord& last,
                       const Materializations& latest, std::vector<StaleCause>& causes) {
  const auto& assets = graph.definitions().assets;
  for (size_t parent : graph.Upstream(asset)) {
    const std::string& key = assets[parent].key;
    auto recorded = last.upstream_data_versions.find(key);
    const bool was_recorded = recorded != last.upstream_data_versions.end();
    auto current = latest.find(key);
    const std::string quoted = "upstream '" + key + "'";
    if (current == latest.end()) {
      causes.push_back({StaleCause::Kind::kUpstreamMissing,
                        quoted + (was_recorded ? " was wiped" : " was never materialized")});
    } else if (!was_recorded) {
      causes.push_back({StaleCause::Kind::kUpstreamData,
                        quoted + " is a new input (data version " +
                            ShortVersion(current->second.data_version) + ")"});
    } else if (recorded->second != current->second.data_version) {
      causes.push_back({StaleCause::Kind::kUpstreamData,
                        quoted + " has a new data version (" + ShortVersion(recorded->second) +
                            " -> " + ShortVersion(current->second.data_version) + ")"});
    }
  }
  // Inputs the last materialization read that are no longer inputs (Dagster's "removed
  // dependency"), by key.
  for (const auto& [key, version] : last.upstream_data_versions) {
    bool still_input = false;
    for (size_t parent : graph.Upstream(asset)) still_input = still_input || assets[parent].key == key;
    if (!still_input) {
      causes.push_back({StaleCause::Kind::kRemovedDependency, "removed dependency on '" + key + "'"});
    }
  }
}

// The status of `asset` given the latest materializations of (at least) it and its direct
// upstreams, and its last attempt.
AssetStatus StatusFrom(const AssetGraph& graph, size_t asset, const Materializations& latest,
                       const Attempts& attempts) {
  const AssetDef& def = graph.definitions().assets[asset];
  AssetStatus status;
  if (auto it = latest.find(def.key); it != latest.end()) status.last = it->second;
  if (auto it = attempts.find(def.key); it != attempts.end()) status.last_attempt = it->second;
  if (status.last_attempt && status.last_attempt->failed &&
      (!status.last || status.last_attempt->time_ms >= status.last->time_ms)) {
    status.state = AssetState::kFailed;
    return status;
  }
  if (!status.last) {
    status.state = AssetState::kMissing;
    return status;
  }
  const MaterializationRecord& last = *status.last;
  if (def.code_version != last.code_version) {
    status.causes.push_back({StaleCause::Kind::kCodeVersion,
                             "code version changed: " + OrNone(last.code_version) + " -> " +
                                 OrNone(def.code_version)});
  }
  AddConfigCauses(def, last, status.causes);
  AddUpstreamCauses(graph, asset, last, latest, status.causes);
  status.state = status.causes.empty() ? AssetState::kFresh : AssetState::kStale;
  return status;
}

}  // namespace

const char* AssetStateName(AssetState state) {
  switch (state) {
    case AssetState::kMissing: return "MISSING";
    case AssetState::kFresh: return "FRESH";
    case AssetState::kStale: return "STALE";
    case AssetState::kFailed: return "FAILED";
  }
  return "UNKNOWN";
}

const char* StaleCauseKindName(StaleCause::Kind kind) {
  switch (kind) {
    case StaleCause::Kind::kCodeVersion: return "code_version";
    case StaleCause::Kind::kConfig: return "config";
    case StaleCause::Kind::kUpstreamData: return "upstream_data";
    case StaleCause::Kind::kUpstreamMissing: return "upstream_missing";
    case StaleCause::Kind::kRemovedDependency: return "removed_dependency";
  }
  return "unknown";
}

AssetStatus ComputeStatus(const AssetGraph& graph, size_t asset, EventLog& log) {
  const auto& assets = graph.definitions().assets;
  std::vector<std::string> keys{assets[asset].key};
  for (size_t parent : graph.Upstream(asset)) keys.push_back(assets[parent].key);
  return StatusFrom(graph, asset, log.LatestMaterializations(keys),
                    log.LastAttempts({assets[asset].key}));
}

std::vector<AssetStatus> ComputeAllStatuses(const AssetGraph& graph, EventLog& log) {
  const auto& assets = graph.definitions().assets;
  std::vector<std::string> keys;
  keys.reserve(assets.size());
  for (const AssetDef& def : assets) keys.push_back(def.key);
  const Materializations latest = log.LatestMaterializations(keys);
  const Attempts attempts = log.LastAttempts(keys);
  std::vector<AssetStatus> statuses;
  statuses.reserve(assets.size());
  for (size_t i = 0; i < assets.size(); ++i) {
    statuses.push_back(StatusFrom(graph, i, latest, attempts));
  }
  return statuses;
}

std::vector<StaleRootCause> StaleRootCauses(const AssetGraph& graph, size_t asset,
                                            const std::vector<AssetStatus>& statuses) {
  constexpr size_t kNone = static_cast<size_t>(-1);
  std::vector<size_t> reached_from(statuses.size(), kNone);
  std::vector<size_t> queue{asset};
  reached_from[asset] = asset;
  std::vector<StaleRootCause> roots;
  for (size_t next = 0; next < queue.size(); ++next) {
    const size_t at = queue[next];
    if (statuses[at].state == AssetState::kStale) {
      std::vector<size_t> path;
      for (size_t i = at; i != asset; i = reached_from[i]) path.push_back(i);
      path.push_back(asset);
      std::reverse(path.begin(), path.end());
      for (const StaleCause& cause : statuses[at].causes) roots.push_back({path, cause});
    }
    for (size_t parent : graph.Upstream(at)) {
      if (reached_from[parent] != kNone) continue;
      reached_from[parent] = at;
      queue.push_back(parent);
    }
  }
  return roots;
}

std::string RootCauseLine(const AssetGraph& graph, const StaleRootCause& root) {
  std::string line;
  for (size_t i : root.path) {
    line += (line.empty() ? "" : " <- ") + graph.definitions().assets[i].key;
  }
  return line + ": " + root.cause.detail;
}

}  // namespace af
