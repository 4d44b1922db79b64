#include "freshness/freshness.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "clock/clock.h"
#include "schedule/cron.h"

namespace af {

const char* FreshnessStateName(FreshnessState s) {
  switch (s) {
    case FreshnessState::kPass: return "PASS";
    case FreshnessState::kWarn: return "WARN";
    case FreshnessState::kFail: return "FAIL";
    case FreshnessState::kUnknown: break;
  }
  return "UNKNOWN";
}

namespace {

constexpr double kMsPerMinute = 60000.0;

std::optional<FreshnessState> ParseState(const std::string& name) {
  for (FreshnessState s : {FreshnessState::kPass, FreshnessState::kWarn, FreshnessState::kFail,
                           FreshnessState::kUnknown})
    if (name == FreshnessStateName(s)) return s;
  return std::nullopt;
}

// Dagster's overdue minutes against `lag_minutes` at `tick_ms` (available = now >= tick).
double OverdueMinutes(const UsedDataTimes& used, int64_t tick_ms, double lag_minutes) {
  const double required = static_cast<double>(tick_ms) - lag_minutes * kMsPerMinute;
  double overdue = 0;
  for (const auto& [root, time] : used)
    overdue = std::max(overdue, (required - static_cast<double>(*time)) / kMsPerMinute);
  return overdue;
}

}  // namespace

Expected<FreshnessEvaluation> EvaluatePolicy(const FreshnessPolicy& policy,
                                             const UsedDataTimes& used, int64_t now_ms,
                                             const std::string& unknown_reason) {
  FreshnessEvaluation e;
  e.evaluation_tick_ms = now_ms;
  std::optional<CronSchedule> cron;
  const date::time_zone* zone = nullptr;
  if (!policy.cron_schedule.empty()) {
    CronError error;
    cron = CronSchedule::Parse(policy.cron_schedule, &error);
    if (!cron) return Status::InvalidArgument(error.message);
    auto z = FindTimeZone(policy.cron_schedule_timezone);
    if (!z.ok()) return z.status();
    zone = *z;
    // Before the first tick there is nothing to be late for: the tick is "now" then.
    e.evaluation_tick_ms = cron->PreviousTick(now_ms, zone).value_or(now_ms);
  }
  if (used.empty()) {
    e.reason = unknown_reason.empty() ? "never materialized" : unknown_reason;
    return e;
  }
  for (const auto& [root, time] : used) {
    if (!time) {
      e.reason = unknown_reason.empty() ? "the data used from '" + root + "' is unknown"
                                        : unknown_reason;
      return e;
    }
    if (!e.data_time_ms || *time < *e.data_time_ms) e.data_time_ms = *time;
  }
  const double lag = policy.maximum_lag_minutes;
  e.overdue_minutes = OverdueMinutes(used, e.evaluation_tick_ms, lag);
  e.lag_minutes =
      std::max(0.0, static_cast<double>(e.evaluation_tick_ms - *e.data_time_ms) / kMsPerMinute);
  if (*e.overdue_minutes > 0) {
    e.state = FreshnessState::kFail;
    return e;
  }
  e.state = policy.warn_after_minutes &&
                    OverdueMinutes(used, e.evaluation_tick_ms, *policy.warn_after_minutes) > 0
                ? FreshnessState::kWarn
                : FreshnessState::kPass;
  // FAIL comes at the first evaluation tick T with T - lag > oldest used time.
  const double deadline = static_cast<double>(*e.data_time_ms) + lag * kMsPerMinute;
  if (!cron) {
    e.spare_minutes = (deadline - static_cast<double>(now_ms)) / kMsPerMinute;
  } else {
    const int64_t from = std::max(now_ms, static_cast<int64_t>(std::floor(deadline)));
    if (auto t = cron->NextTick(from, zone))
      e.spare_minutes = static_cast<double>(*t - now_ms) / kMsPerMinute;
  }
  return e;
}

void DataTimeResolver::MarkUnknown(size_t asset, UsedDataTimes* out) {
  std::vector<size_t> roots = graph_.Ancestors({asset});
  roots.push_back(asset);
  const auto& assets = graph_.definitions().assets;
  for (size_t r : roots)
    if (graph_.Upstream(r).empty()) (*out)[assets[r].key] = std::nullopt;
}

UsedDataTimes DataTimeResolver::Trace(size_t asset, const MaterializationRecord& m,
                                      std::string* reason) {
  auto key = std::make_pair(asset, m.data_version);
  if (auto it = memo_.find(key); it != memo_.end()) return it->second;
  const auto& assets = graph_.definitions().assets;
  UsedDataTimes used;
  if (graph_.Upstream(asset).empty()) {
    // The newest record of this data: identical bytes recorded later are as fresh as then.
    auto newest = log_.LatestMaterializationWithVersion(assets[asset].key, m.data_version);
    used[assets[asset].key] = newest ? std::max(newest->time_ms, m.time_ms) : m.time_ms;
  }
  for (size_t up : graph_.Upstream(asset)) {
    const std::string& up_key = assets[up].key;
    UsedDataTimes from;
    auto version = m.upstream_data_versions.find(up_key);
    std::optional<MaterializationRecord> input =
        version == m.upstream_data_versions.end()
            ? std::nullopt
            : log_.LatestMaterializationWithVersion(up_key, version->second);
    if (!input) {
      if (reason && reason->empty())
        *reason = version == m.upstream_data_versions.end()
                      ? "'" + assets[asset].key + "' was not built from '" + up_key + "'"
                      : "the data '" + assets[asset].key + "' used from '" + up_key +
                            "' is no longer recorded";
      MarkUnknown(up, &from);
    } else {
      from = Trace(up, *input, reason);
    }
    for (auto& [root, time] : from) {
      auto [it, inserted] = used.emplace(root, time);
      if (!inserted && it->second && (!time || *time < *it->second)) it->second = time;
    }
  }
  memo_[key] = used;
  return used;
}

UsedDataTimes DataTimeResolver::UsedDataTimesOf(size_t asset, std::string* reason) {
  auto latest = log_.LatestMaterialization(graph_.definitions().assets[asset].key);
  if (!latest) return {};
  return Trace(asset, *latest, reason);
}

std::vector<AssetFreshness> EvaluateFreshness(const AssetGraph& graph, EventLog& log,
                                              int64_t now_ms) {
  DataTimeResolver resolver(graph, log);
  std::vector<AssetFreshness> out;
  const auto& assets = graph.definitions().assets;
  for (size_t i = 0; i < assets.size(); ++i) {
    const std::optional<FreshnessPolicy>& policy = assets[i].details().freshness_policy;
    if (!policy) continue;
    std::string reason;
    UsedDataTimes used = resolver.UsedDataTimesOf(i, &reason);
    auto e = EvaluatePolicy(*policy, used, now_ms, reason);
    AssetFreshness f{i, assets[i].key, *policy, {}};
    if (e.ok()) {
      f.evaluation = *e;
    } else {
      f.evaluation.evaluation_tick_ms = now_ms;
      f.evaluation.reason = e.status().message();
    }
    out.push_back(std::move(f));
  }
  return out;
}

namespace {

template <class Writer>
void Number(Writer& w, const char* key, const std::optional<double>& x) {
  w.Key(key);
  if (x) {
    w.Double(std::round(*x * 1000) / 1000);  // ms precision, no float noise in the output
  } else {
    w.Null();
  }
}

template <class Writer>
void WriteFreshness(Writer& w, const AssetFreshness& f) {
  const FreshnessEvaluation& e = f.evaluation;
  w.Key("asset");
  w.String(f.asset_key.c_str());
  w.Key("state");
  w.String(FreshnessStateName(e.state));
  Number(w, "overdue_minutes", e.overdue_minutes);
  Number(w, "spare_minutes", e.spare_minutes);
  Number(w, "lag_minutes", e.lag_minutes);
  w.Key("evaluation_tick");
  w.String(FormatRfc3339(e.evaluation_tick_ms).c_str());
  w.Key("data_time");
  if (e.data_time_ms) {
    w.String(FormatRfc3339(*e.data_time_ms).c_str());
  } else {
    w.Null();
  }
  Number(w, "maximum_lag_minutes", f.policy.maximum_lag_minutes);
  Number(w, "warn_after_minutes", f.policy.warn_after_minutes);
  w.Key("cron_schedule");
  w.String(f.policy.cron_schedule.c_str());
  w.Key("reason");
  w.String(e.reason.c_str());
}

std::string Minutes(double m) {
  std::ostringstream out;
  out << std::round(m * 10) / 10;
  return out.str();
}

}  // namespace

std::string FreshnessJson(const AssetFreshness& f) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  WriteFreshness(w, f);
  w.EndObject();
  return buffer.GetString();
}

std::string FreshnessSummary(const FreshnessEvaluation& e) {
  const std::string state = FreshnessStateName(e.state);
  switch (e.state) {
    case FreshnessState::kFail: return state + " (" + Minutes(*e.overdue_minutes) + " min overdue)";
    case FreshnessState::kPass:
    case FreshnessState::kWarn:
      return e.spare_minutes ? state + " (" + Minutes(*e.spare_minutes) + " min to spare)" : state;
    case FreshnessState::kUnknown: break;
  }
  return state + " (" + e.reason + ")";
}

Expected<std::vector<FreshnessChange>> RecordFreshnessChanges(
    EventLog& log, const std::vector<AssetFreshness>& current, int64_t now_ms) {
  const std::map<std::string, EventRecord> last = log.LatestEventsOfType(kFreshnessEvent);
  std::vector<FreshnessChange> changes;
  std::vector<EventRecord> events;
  for (const AssetFreshness& f : current) {
    FreshnessState previous = FreshnessState::kUnknown;
    if (auto it = last.find(f.asset_key); it != last.end())
      previous = ParseState(it->second.message.substr(0, it->second.message.find(' ')))
                     .value_or(FreshnessState::kUnknown);
    if (previous == f.evaluation.state) continue;
    changes.push_back({previous, &f});
    std::string data = FreshnessJson(f);
    data.insert(data.size() - 1, std::string(",\"previous\":\"") + FreshnessStateName(previous) +
                                     "\"");
    events.push_back(EventRecord{0, "", f.asset_key, kFreshnessEvent, now_ms,
                                 FreshnessSummary(f.evaluation), data});
  }
  if (!events.empty()) {
    Status s = log.AppendEvents(events);
    if (s.ok()) s = log.Flush();
    if (!s.ok()) return s;
  }
  return changes;
}

}  // namespace af
