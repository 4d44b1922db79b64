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
  enum class Kind {
    kCodeVersion,
    kConfig,
    kUpstreamData,
    kUpstreamMissing,
    kRemovedDependency
  } kind;
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
  //   "removed dependency on 'x'"  (an input the last materialization read is no longer one)
  // Config is compared as versioned config (VersionedConfigJson with the definition's
  // unversioned_config_keys, on both sides): unversioned keys never appear here.
  std::string detail;
};
// "code_version" "config" "upstream_data" "upstream_missing" "removed_dependency"
const char* StaleCauseKindName(StaleCause::Kind kind);

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
//   STALE   code version, versioned config or an upstream data version differs, an upstream
//           is missing, or an input was removed; causes in that order, upstreams in graph
//           order, removed inputs by key;
//   FRESH   otherwise.
// Staleness does not propagate: an asset whose upstream is STALE but unchanged is FRESH until
// that upstream is materialized again with a new data version.
AssetStatus ComputeStatus(const AssetGraph& graph, size_t asset, EventLog& log);

// ComputeStatus of every asset, indexed like graph.definitions().assets. Reads the log in two
// snapshots instead of a few queries per asset: use it for a whole graph.
std::vector<AssetStatus> ComputeAllStatuses(const AssetGraph& graph, EventLog& log);

// One root cause for `status --why`: a cause of the STALE asset path.back(), reached from the
// asset asked about (path.front()) through its upstreams; path[i+1] is an upstream of path[i].
struct StaleRootCause {
  std::vector<size_t> path;  // indices into graph.definitions().assets
  StaleCause cause;
};

// Why `asset` is stale, or will be once its upstreams are materialized again: every cause of
// every STALE asset among `asset` and its ancestors (all of them, whatever their own state:
// staleness does not propagate in ComputeStatus, but a stale ancestor's change reaches
// `asset` when the assets between are rematerialized). Each stale asset is reached once, by
// the shortest path (breadth first, upstreams in graph order), so a diamond gives one path
// per root cause. Order: by distance, then graph order, then the asset's cause order.
// `statuses` is ComputeAllStatuses(graph, log).
std::vector<StaleRootCause> StaleRootCauses(const AssetGraph& graph, size_t asset,
                                            const std::vector<AssetStatus>& statuses);

// "c <- b <- a: config changed: key 'count' 500 -> 100" (asset keys along the path, then
// the cause); just "c: ..." when the cause is c's own.
std::string RootCauseLine(const AssetGraph& graph, const StaleRootCause& root);

}  // namespace af

#endif
