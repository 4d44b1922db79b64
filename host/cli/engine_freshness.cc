// Freshness in `assetflow status`: a FRESHNESS column, and `status --freshness` (one line per
// asset with a policy; JSON lines with --log-format json). Evaluated now, by the host's clock
// (ASSETFLOW_NOW), and recorded as FRESHNESS_STATE_CHANGE events where the state changed.
#include <iostream>

#include "cli/engine_cli.h"
#include "clock/clock.h"
#include "freshness/freshness.h"

namespace af {

std::map<size_t, std::string> FreshnessColumn(const Workspace& ws, EventLog& log) {
  std::map<size_t, std::string> column;
  for (const AssetFreshness& f : EvaluateFreshness(ws.graph(), log, SystemClock().NowMs()))
    column[f.asset] = FreshnessSummary(f.evaluation);
  return column;
}

int PrintFreshness(const GlobalOptions& options, const Workspace& ws, EventLog& log) {
  const int64_t now = SystemClock().NowMs();
  const std::vector<AssetFreshness> all = EvaluateFreshness(ws.graph(), log, now);
  std::string out;
  for (const AssetFreshness& f : all) {
    out += options.log_format == "json" ? FreshnessJson(f)
                                        : f.asset_key + ": " + FreshnessSummary(f.evaluation);
    out += "\n";
  }
  if (all.empty() && options.log_format != "json") out = "no asset has a freshness_policy\n";
  std::cout << out;
  auto recorded = RecordFreshnessChanges(log, all, now);
  if (!recorded.ok())
    std::cerr << "warning: could not record freshness changes: " << recorded.status().message()
              << "\n";
  return kExitOk;
}

}  // namespace af
