// ResolveSelection and SelectionText (workspace.h): what `materialize` and the daemon run.
#include <algorithm>
#include <utility>

#include "graph/selection.h"
#include "staleness/staleness.h"
#include "workspace/workspace.h"

namespace af {

Expected<std::vector<size_t>> ResolveSelection(const Workspace& workspace, EventLog& log,
                                               const SelectionRequest& request) {
  const AssetGraph& graph = workspace.graph();
  const bool by_status = request.missing || request.stale || request.failed;
  if (!request.all && request.expression.empty() && !by_status)
    return Status::InvalidArgument(
        "nothing selected: use --all, --select EXPR, or --missing / --stale / --failed");
  if (request.all && !request.expression.empty())
    return Status::InvalidArgument("--all and --select exclude each other");
  std::vector<size_t> selected;
  if (!request.expression.empty()) {
    auto s = SelectAssets(graph, request.expression);
    if (!s.ok()) return Status::InvalidArgument("--select: " + s.status().message());
    selected = *s;
  } else {
    selected.resize(graph.size());
    for (size_t i = 0; i < selected.size(); ++i) selected[i] = i;
  }
  if (by_status) {
    const std::vector<AssetStatus> statuses = ComputeAllStatuses(graph, log);
    std::vector<char> wanted(graph.size(), 0);
    std::vector<size_t> stale;
    for (size_t i = 0; i < graph.size(); ++i) {
      const AssetState state = statuses[i].state;
      if (request.stale && state == AssetState::kStale) stale.push_back(i);
      wanted[i] = (request.missing && state == AssetState::kMissing) ||
                  (request.stale && state == AssetState::kStale) ||
                  (request.failed && state == AssetState::kFailed);
    }
    // Re-materializing a stale asset gives it a new data version, which makes everything
    // downstream of it stale in turn: --stale runs those too, in the same run, instead of
    // leaving them for a second pass.
    for (size_t i : graph.Descendants(stale)) wanted[i] = 1;
    std::vector<size_t> kept;
    for (size_t i : selected)
      if (wanted[i]) kept.push_back(i);
    selected = std::move(kept);
  }
  if (request.with_upstream) {
    for (size_t i : graph.Ancestors(selected)) selected.push_back(i);
    std::sort(selected.begin(), selected.end());
    selected.erase(std::unique(selected.begin(), selected.end()), selected.end());
  }
  return selected;
}

std::string SelectionText(const SelectionRequest& r) {
  std::string s = r.all ? "--all" : r.expression;
  for (auto [on, flag] : {std::pair{r.missing, "--missing"}, {r.stale, "--stale"},
                          {r.failed, "--failed"}, {r.with_upstream, "--with-upstream"}})
    if (on) s += (s.empty() ? "" : " ") + std::string(flag);
  return s;
}

}  // namespace af
