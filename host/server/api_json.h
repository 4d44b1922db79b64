// The JSON documents of the web API, built from the workspace and the event log. Internal to
// the server (web_server.cc routes to them).
#ifndef ASSETFLOW_HOST_SERVER_API_JSON_H_
#define ASSETFLOW_HOST_SERVER_API_JSON_H_

#include <map>
#include <string>
#include <vector>

#include "eventlog/event_log.h"
#include "layout/layout.h"
#include "staleness/staleness.h"
#include "workspace/workspace.h"

namespace af {

// Assets being materialized now, by any process (runs still STARTED in the log, steps started
// and not ended): asset key -> run id.
std::map<std::string, std::string> AssetsInProgress(EventLog& log);

// An artifact id: the data version of the asset's latest materialization, so that a URL
// names one immutable value (a newer materialization has another id; the old one is 404).
std::string ArtifactId(const MaterializationRecord& m);

// {"assets":[...],"cursor":N}: each asset's key, group, status (MISSING FRESH STALE FAILED, or
// MATERIALIZING with "run_id"), first cause, last materialization time and run, artifact id.
// Each asset's freshness evaluation as one JSON object (host/freshness FreshnessJson), by
// asset index; assets without a policy are absent (their "freshness" is null).
using FreshnessByAsset = std::map<size_t, std::string>;
FreshnessByAsset FreshnessJsonByAsset(const AssetGraph& graph, EventLog& log, int64_t now_ms);

std::string AssetsJson(const Workspace& ws, const std::vector<AssetStatus>& statuses,
                       const std::map<std::string, std::string>& in_progress, int64_t cursor,
                       const FreshnessByAsset& freshness);
// One asset in full: definition, status with every cause, last materialization with its
// metadata, last attempt, the history (`history`, newest first: materializations and
// failed attempts), `loadable` (whether its IO manager can read it back) and the
// definition's declared `media_type` ("image/png"; empty when none).
std::string AssetDetailJson(const Workspace& ws, size_t asset, const AssetStatus& status,
                            const std::map<std::string, std::string>& in_progress,
                            const std::vector<EventRecord>& history, bool loadable,
                            const std::string& media_type, const FreshnessByAsset& freshness);
std::string LayoutJson(const Layout& layout, const Workspace& ws);
std::string RunJson(const RunRecord& run);
std::string RunsJson(const std::vector<RunRecord>& runs);
// The run and one entry per asset it touched: state, attempts, the error of a failed step.
std::string RunDetailJson(const RunRecord& run, const std::vector<EventRecord>& events);
std::string EventJson(const EventRecord& e);
std::string EventsJson(const std::vector<EventRecord>& events, int64_t next, bool run_ended);
// {"error":message}
std::string ErrorJson(const std::string& message);

}  // namespace af

#endif
