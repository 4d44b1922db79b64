// Freshness: Dagster's (legacy) FreshnessPolicy "overdue" rule over the graph and the event
// log, with a WARN threshold before FAIL.
//
// The rule (dagster/_core/definitions/freshness_policy.py, minutes_late / minutes_overdue):
// the data an asset's current value was built from, traced back to each of its root assets,
// must be no older than maximum_lag_minutes before the most recent available data, checked
// at the evaluation tick: now, or the most recent tick of cron_schedule (in its time zone).
//   required(root) = min(available(root), tick - lag)      available = now: a root can always
//                                                          be re-materialized
//   overdue        = max over roots of (required(root) - used(root)), at least 0, in minutes
//   lag            = max(0, tick - oldest used time)
//   unknown        = never materialized, or some root's used data cannot be traced
// PASS when not overdue, WARN when overdue against warn_after_minutes instead, FAIL when
// overdue. "Minutes to spare" is how long until it would be FAIL with nothing refreshed.
//
// A used time is the recorded time of the root's materialization (or observation) whose data
// version the chain of inputs recorded, taking the newest record with that version: data
// versions are content hashes, so a root re-materialized to identical bytes makes everything
// built from it as fresh as that new record, without re-running the downstream assets.
// Where two paths reach a root with different versions, the older one counts.
#ifndef ASSETFLOW_HOST_FRESHNESS_FRESHNESS_H_
#define ASSETFLOW_HOST_FRESHNESS_FRESHNESS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "eventlog/event_log.h"
#include "graph/asset_graph.h"
#include "manifest/definitions.h"

namespace af {

enum class FreshnessState { kPass, kWarn, kFail, kUnknown };
const char* FreshnessStateName(FreshnessState s);  // "PASS" "WARN" "FAIL" "UNKNOWN"

struct FreshnessEvaluation {
  FreshnessState state = FreshnessState::kUnknown;
  std::optional<double> overdue_minutes;  // FAIL: > 0; PASS / WARN: 0; UNKNOWN: unset
  std::optional<double> spare_minutes;    // PASS / WARN: minutes until FAIL; else unset
  std::optional<double> lag_minutes;      // unset when UNKNOWN
  int64_t evaluation_tick_ms = 0;         // now, or the last cron tick
  std::optional<int64_t> data_time_ms;    // the oldest used root data time
  std::string reason;                     // UNKNOWN: why ("never materialized", ...)
};

// Root key -> the time of the root data used (unset: not traceable).
using UsedDataTimes = std::map<std::string, std::optional<int64_t>>;

// The rule for one asset. An empty `used` (never materialized) is UNKNOWN. A bad cron or time
// zone (the manifest loader rejects them) is an InvalidArgument.
Expected<FreshnessEvaluation> EvaluatePolicy(const FreshnessPolicy& policy,
                                             const UsedDataTimes& used, int64_t now_ms,
                                             const std::string& unknown_reason = "");

struct AssetFreshness {
  size_t asset = 0;  // index into the definitions
  std::string asset_key;
  FreshnessPolicy policy;
  FreshnessEvaluation evaluation;
};

// Traces used data times through the event log, memoized per (asset, data version): one
// resolver per evaluation (it does not see writes made after it read something).
class DataTimeResolver {
 public:
  DataTimeResolver(const AssetGraph& graph, EventLog& log) : graph_(graph), log_(log) {}
  // Of the asset's latest materialization; empty when it has none. Sets `*reason` when some
  // root is untraceable (may be null).
  UsedDataTimes UsedDataTimesOf(size_t asset, std::string* reason);

 private:
  UsedDataTimes Trace(size_t asset, const MaterializationRecord& m, std::string* reason);
  void MarkUnknown(size_t asset, UsedDataTimes* out);

  const AssetGraph& graph_;
  EventLog& log_;
  std::map<std::pair<size_t, std::string>, UsedDataTimes> memo_;
};

// Every asset with a freshness policy, in key order, evaluated at `now_ms`.
std::vector<AssetFreshness> EvaluateFreshness(const AssetGraph& graph, EventLog& log,
                                              int64_t now_ms);

// One JSON object (no newline): {"asset":..,"state":..,"overdue_minutes":..,
// "spare_minutes":..,"lag_minutes":..,"evaluation_tick":"RFC 3339","data_time":..,
// "maximum_lag_minutes":..,"reason":..}; unset numbers are null.
std::string FreshnessJson(const AssetFreshness& f);
// "PASS (12.5 min to spare)", "WARN (3 min to spare)", "FAIL (7 min overdue)",
// "UNKNOWN (never materialized)".
std::string FreshnessSummary(const FreshnessEvaluation& e);

// The event type recorded on a change of state.
inline constexpr const char* kFreshnessEvent = "FRESHNESS_STATE_CHANGE";
// Appends a FRESHNESS_STATE_CHANGE event (run id empty, data = FreshnessJson plus
// "previous") for each of `current` whose state differs from the last one recorded (none
// recorded counts as UNKNOWN). Returns the changes, as {previous, current}.
struct FreshnessChange {
  FreshnessState previous = FreshnessState::kUnknown;
  const AssetFreshness* current = nullptr;
};
Expected<std::vector<FreshnessChange>> RecordFreshnessChanges(
    EventLog& log, const std::vector<AssetFreshness>& current, int64_t now_ms);

}  // namespace af

#endif
