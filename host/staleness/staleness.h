// Staleness: whether an asset's stored value still matches what its definition and its
// upstream assets would produce now, and if not, why, in words a user can act on. Dagster's
// StaleStatus (MISSING / STALE / FRESH) plus FAILED, so "materialize failed" is a selection.
//
// Reads the event log only; never writes. Cost: one indexed lookup for the asset's attempt,
// and one per materialization (the asset's and each direct upstream's).
#ifndef ASSETFLOW_HOST_STALENESS_STALENESS_H_
#define ASSETFLOW_HOST_STALENESS_STALENESS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "eventlog/event_log.h"
#include "graph/asset_graph.h"

namespace af {

enum class AssetState { kMissing, kFresh, kStale, kFailed };
const char* AssetStateName(AssetState state);  // "MISSING" "FRESH" "STALE" "FAILED"

struct StaleCause {
  enum class Kind { kCodeVersion, kConfig, kUpstreamData, kUpstreamMissing } kind;
  // One line for the user, e.g.
  //   "code version changed: 1 -> 2"          (an empty version prints as "(none)")
  //   "config changed: key 'count' 500 -> 100"  (one cause per changed top-level key; values
  //                                              as compact JSON, cut at 40 characters)
  //   "config changed: key 'extra' added: true" / "config changed: key 'old' removed (was 3)"
  //   "config changed (hash 1a2b3c4d -> 5e6f7a8b)"  (when the stored config cannot be compared
  //                                                   key by key, e.g. recorded before v2)
  //   "upstream 'a' has a new data version (3f2a9c1b -> 77aa01c2)"  (first 8 hex characters)
  //   "upstream 'a' is a new input (data version 77aa01c2)"
  //   "upstream 'a' was never materialized" / "upstream 'a' was wiped"
  std::string detail;
};

struct AssetStatus {
  AssetState state = AssetState::kMissing;
  std::vector<StaleCause> causes;  // non-empty exactly when state is kStale
  std::optional<MaterializationRecord> last;
  std::optional<AttemptRecord> last_attempt;
};

// The status of `graph.definitions().assets[asset]`, comparing its latest materialization
// (with the data versions of its upstreams recorded at that time, by upstream key) with the
// asset's current code_version and config (from the definitions) and with each direct
// upstream's latest data version. Precedence:
//   FAILED  the last attempt failed and is not older than the last materialization (also
//           when the asset was never materialized: the failure is the more useful news);
//   MISSING never materialized (or wiped);
//   STALE   code version, config hash or an upstream data version differs, or an upstream is
//           missing; causes in that order, upstreams in graph order;
//   FRESH   otherwise.
// Staleness does not propagate: an asset whose upstream is STALE but unchanged is FRESH until
// that upstream is materialized again with a new data version.
AssetStatus ComputeStatus(const AssetGraph& graph, size_t asset, EventLog& log);

// ComputeStatus of every asset, indexed like graph.definitions().assets. Reads the log in two
// snapshots instead of a few queries per asset: use it for a whole graph.
std::vector<AssetStatus> ComputeAllStatuses(const AssetGraph& graph, EventLog& log);

}  // namespace af

#endif
