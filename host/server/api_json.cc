#include "server/api_json.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

#include "common/json_field.h"
#include "freshness/freshness.h"

namespace af {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

struct Json {
  rapidjson::StringBuffer buffer;
  Writer w{buffer};
  void Str(const char* key, const std::string& value) { JsonField(w, key, value); }
  void Int(const char* key, int64_t value) {
    w.Key(key);
    w.Int64(value);
  }
  void Bool(const char* key, bool value) {
    w.Key(key);
    w.Bool(value);
  }
  void Null(const char* key) {
    w.Key(key);
    w.Null();
  }
  // A JSON text from a trusted writer (the event log's data_json), or {} if it does not parse.
  void Raw(const char* key, const std::string& json) {
    w.Key(key);
    rapidjson::Document d;
    d.Parse(json.c_str(), json.size());
    if (json.empty() || d.HasParseError() || !d.IsObject()) {
      w.StartObject();
      w.EndObject();
      return;
    }
    w.RawValue(json.c_str(), json.size(), rapidjson::kObjectType);
  }
  std::string Done() { return std::string(buffer.GetString(), buffer.GetSize()); }
};

std::string StateName(const AssetStatus& s, const std::string& key,
                      const std::map<std::string, std::string>& in_progress) {
  if (in_progress.count(key)) return "MATERIALIZING";
  return AssetStateName(s.state);
}

// The one line the graph shows under a status: the first stale cause, or the failure.
std::string FirstCause(const AssetStatus& s) {
  if (s.state == AssetState::kStale && !s.causes.empty()) return s.causes.front().detail;
  if (s.state == AssetState::kFailed && s.last_attempt) return s.last_attempt->message;
  return "";
}

// {"state":"PASS"|"WARN"|"FAIL"|"UNKNOWN","overdue_minutes":..,"spare_minutes":..,...} of
// host/freshness, or null for an asset without a policy. The UI shows FAIL as "overdue".
void FreshnessField(Json& j, const FreshnessByAsset& freshness, size_t asset) {
  auto it = freshness.find(asset);
  if (it == freshness.end()) return j.Null("freshness");
  j.w.Key("freshness");
  j.w.RawValue(it->second.data(), it->second.size(), rapidjson::kObjectType);
}

void Materialization(Json& j, const MaterializationRecord& m, bool with_metadata) {
  j.w.StartObject();
  j.Str("run_id", m.run_id);
  j.Int("time_ms", m.time_ms);
  j.Str("data_version", m.data_version);
  j.Str("code_version", m.code_version);
  j.Str("artifact", ArtifactId(m));
  if (with_metadata) {
    j.w.Key("metadata");
    j.w.StartArray();
    for (const MetadataEntry& e : m.metadata) {
      j.w.StartObject();
      j.Str("key", e.key);
      j.Str("type", e.type);
      j.Str("value", e.value);
      j.w.EndObject();
    }
    j.w.EndArray();
  }
  j.w.EndObject();
}

void EventFields(Json& j, const EventRecord& e) {
  j.Int("id", e.id);
  j.Str("run_id", e.run_id);
  j.Str("asset", e.asset_key);
  j.Str("type", e.type);
  j.Int("time_ms", e.time_ms);
  j.Str("message", e.message);
  j.Raw("data", e.data_json);
}

void RunFields(Json& j, const RunRecord& run) {
  j.Str("run_id", run.run_id);
  j.Str("status", RunStatusName(run.status));
  j.Str("selection", run.selection);
  j.Int("started_ms", run.started_ms);
  j.Int("ended_ms", run.ended_ms);
  j.Int("pid", run.pid);
  j.Str("host", run.host);
}

}  // namespace

std::map<std::string, std::string> AssetsInProgress(EventLog& log) {
  std::map<std::string, std::string> running;
  for (const RunRecord& run : log.RecentRuns(20)) {
    if (run.status != RunStatus::kStarted) continue;
    for (const EventRecord& e : log.RunEvents(run.run_id)) {
      if (e.asset_key.empty()) continue;
      if (e.type == "STEP_STARTED") {
        running[e.asset_key] = run.run_id;
      } else if (e.type == "STEP_SUCCESS" || e.type == "STEP_FAILED" ||
                 e.type == "STEP_SKIPPED" || e.type == "STEP_CANCELED") {
        auto it = running.find(e.asset_key);
        if (it != running.end() && it->second == run.run_id) running.erase(it);
      }
    }
  }
  return running;
}

std::string ArtifactId(const MaterializationRecord& m) { return m.data_version; }

FreshnessByAsset FreshnessJsonByAsset(const AssetGraph& graph, EventLog& log, int64_t now_ms) {
  FreshnessByAsset out;
  for (const AssetFreshness& f : EvaluateFreshness(graph, log, now_ms))
    out[f.asset] = FreshnessJson(f);
  return out;
}

std::string AssetsJson(const Workspace& ws, const std::vector<AssetStatus>& statuses,
                       const std::map<std::string, std::string>& in_progress, int64_t cursor,
                       const FreshnessByAsset& freshness) {
  Json j;
  j.w.StartObject();
  j.w.Key("assets");
  j.w.StartArray();
  const auto& assets = ws.definitions().assets;
  for (size_t i = 0; i < assets.size(); ++i) {
    const AssetStatus& s = statuses[i];
    j.w.StartObject();
    j.Str("key", assets[i].key);
    j.Str("group", assets[i].group);
    j.Str("status", StateName(s, assets[i].key, in_progress));
    if (auto it = in_progress.find(assets[i].key); it != in_progress.end()) {
      j.Str("running_run_id", it->second);
    }
    j.Str("cause", FirstCause(s));
    if (s.last) {
      j.Int("last_ms", s.last->time_ms);
      j.Str("last_run_id", s.last->run_id);
    }
    FreshnessField(j, freshness, i);
    j.w.EndObject();
  }
  j.w.EndArray();
  j.Int("cursor", cursor);
  j.w.EndObject();
  return j.Done();
}

std::string AssetDetailJson(const Workspace& ws, size_t asset, const AssetStatus& s,
                            const std::map<std::string, std::string>& in_progress,
                            const std::vector<EventRecord>& history, bool loadable,
                            const std::string& media_type, const FreshnessByAsset& freshness) {
  const AssetDef& def = ws.definitions().assets[asset];
  Json j;
  j.w.StartObject();
  j.Str("key", def.key);
  j.Str("group", def.group);
  j.Str("type", def.type);
  j.Str("description", def.details().description);
  j.Str("code_version", def.code_version);
  j.Str("status", StateName(s, def.key, in_progress));
  if (auto it = in_progress.find(def.key); it != in_progress.end()) {
    j.Str("running_run_id", it->second);
  }
  j.w.Key("upstream");
  j.w.StartArray();
  for (size_t u : ws.graph().Upstream(asset)) j.w.String(ws.definitions().assets[u].key.c_str());
  j.w.EndArray();
  j.w.Key("downstream");
  j.w.StartArray();
  for (size_t d : ws.graph().Downstream(asset)) j.w.String(ws.definitions().assets[d].key.c_str());
  j.w.EndArray();
  j.w.Key("causes");
  j.w.StartArray();
  for (const StaleCause& c : s.causes) {
    j.w.StartObject();
    j.Str("kind", StaleCauseKindName(c.kind));
    j.Str("detail", c.detail);
    j.w.EndObject();
  }
  j.w.EndArray();
  j.w.Key("last");
  if (s.last) {
    Materialization(j, *s.last, true);
  } else {
    j.w.Null();
  }
  j.w.Key("last_attempt");
  if (s.last_attempt) {
    j.w.StartObject();
    j.Str("run_id", s.last_attempt->run_id);
    j.Int("time_ms", s.last_attempt->time_ms);
    j.Bool("failed", s.last_attempt->failed);
    j.Str("message", s.last_attempt->message);
    j.w.EndObject();
  } else {
    j.w.Null();
  }
  j.Bool("loadable", loadable);
  j.Str("media_type", media_type);
  FreshnessField(j, freshness, asset);
  j.w.Key("history");
  j.w.StartArray();
  for (const EventRecord& e : history) {
    j.w.StartObject();
    EventFields(j, e);
    j.w.EndObject();
  }
  j.w.EndArray();
  j.w.EndObject();
  return j.Done();
}

std::string LayoutJson(const Layout& layout, const Workspace& ws) {
  Json j;
  j.w.StartObject();
  j.Str("hash", layout.hash);
  j.Int("width", static_cast<int64_t>(layout.width));
  j.Int("height", static_cast<int64_t>(layout.height));
  j.w.Key("nodes");
  j.w.StartArray();
  for (const LayoutNode& n : layout.nodes) {
    j.w.StartObject();
    j.Str("id", n.id);
    j.Str("label", n.label);
    j.Str("group", n.group);
    j.Bool("is_group", n.is_group);
    j.Int("count", static_cast<int64_t>(n.assets.size()));
    j.Int("x", static_cast<int64_t>(n.x));
    j.Int("y", static_cast<int64_t>(n.y));
    j.Int("w", static_cast<int64_t>(n.width));
    j.Int("h", static_cast<int64_t>(n.height));
    j.w.EndObject();
  }
  j.w.EndArray();
  j.w.Key("edges");  // [from, to] node indices, flat: [f0, t0, f1, t1, ...]
  j.w.StartArray();
  for (const LayoutEdge& e : layout.edges) {
    j.w.Uint64(e.from);
    j.w.Uint64(e.to);
  }
  j.w.EndArray();
  j.w.Key("node_of_asset");  // by asset key, which node draws it
  j.w.StartObject();
  const auto& assets = ws.definitions().assets;
  for (size_t i = 0; i < assets.size() && i < layout.node_of_asset.size(); ++i) {
    j.w.Key(assets[i].key.c_str());
    j.w.Uint64(layout.node_of_asset[i]);
  }
  j.w.EndObject();
  j.w.EndObject();
  return j.Done();
}

std::string RunJson(const RunRecord& run) {
  Json j;
  j.w.StartObject();
  RunFields(j, run);
  j.w.EndObject();
  return j.Done();
}

std::string RunsJson(const std::vector<RunRecord>& runs) {
  Json j;
  j.w.StartObject();
  j.w.Key("runs");
  j.w.StartArray();
  for (const RunRecord& r : runs) {
    j.w.StartObject();
    RunFields(j, r);
    j.w.EndObject();
  }
  j.w.EndArray();
  j.w.EndObject();
  return j.Done();
}

std::string RunDetailJson(const RunRecord& run, const std::vector<EventRecord>& events) {
  struct Step {
    std::string state = "PENDING", message;
    int attempts = 0;
    int64_t started_ms = 0, ended_ms = 0;
  };
  std::vector<std::string> order;
  std::map<std::string, Step> steps;
  for (const EventRecord& e : events) {
    if (e.asset_key.empty() || e.type.rfind("STEP_", 0) != 0) continue;
    auto [it, inserted] = steps.try_emplace(e.asset_key);
    if (inserted) order.push_back(e.asset_key);
    Step& s = it->second;
    if (e.type == "STEP_STARTED") {
      ++s.attempts;
      s.state = "RUNNING";
      if (!s.started_ms) s.started_ms = e.time_ms;
    } else if (e.type == "STEP_RETRY") {
      s.state = "RETRYING";
      s.message = e.message;
    } else {
      s.state = e.type.substr(5);  // SUCCESS FAILED SKIPPED CANCELED
      s.message = e.message;
      s.ended_ms = e.time_ms;
    }
  }
  Json j;
  j.w.StartObject();
  j.w.Key("run");
  j.w.StartObject();
  RunFields(j, run);
  j.w.EndObject();
  j.w.Key("steps");
  j.w.StartArray();
  for (const std::string& key : order) {
    const Step& s = steps[key];
    j.w.StartObject();
    j.Str("asset", key);
    j.Str("state", s.state);
    j.Str("message", s.message);
    j.Int("attempts", s.attempts);
    j.Int("started_ms", s.started_ms);
    j.Int("ended_ms", s.ended_ms);
    j.w.EndObject();
  }
  j.w.EndArray();
  j.w.EndObject();
  return j.Done();
}

std::string EventJson(const EventRecord& e) {
  Json j;
  j.w.StartObject();
  EventFields(j, e);
  j.w.EndObject();
  return j.Done();
}

std::string EventsJson(const std::vector<EventRecord>& events, int64_t next, bool run_ended) {
  Json j;
  j.w.StartObject();
  j.w.Key("events");
  j.w.StartArray();
  for (const EventRecord& e : events) {
    j.w.StartObject();
    EventFields(j, e);
    j.w.EndObject();
  }
  j.w.EndArray();
  j.Int("next", next);
  j.Bool("ended", run_ended);
  j.w.EndObject();
  return j.Done();
}

std::string ErrorJson(const std::string& message) {
  Json j;
  j.w.StartObject();
  j.Str("error", message);
  j.w.EndObject();
  return j.Done();
}

}  // namespace af
