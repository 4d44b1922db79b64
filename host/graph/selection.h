// Asset selection with Dagster's syntax:
//   legacy clauses: "*a" (a and all ancestors), "a+" / "a++" (descendants, one level per '+'),
//   "+a+", "*" (everything), comma union "a,b+";
//   attributes: key:a/b (with '*' wildcards), group:g, tag:k, tag:k=v, combined with
//   and / or / not (any case) and parentheses.
#ifndef ASSETFLOW_HOST_GRAPH_SELECTION_H_
#define ASSETFLOW_HOST_GRAPH_SELECTION_H_

#include <string>
#include <vector>

#include "common/status.h"
#include "graph/asset_graph.h"

namespace af {

// The selected asset indices, ascending. An unknown asset, group or tag name, or a syntax
// error, is an InvalidArgument whose message names it, gives the column, and suggests the
// nearest valid name ("unknown asset 'hackernews_wordclod' (did you mean 'hackernews_wordcloud'?)").
Expected<std::vector<size_t>> SelectAssets(const AssetGraph& graph, const std::string& expression);

}  // namespace af

#endif
