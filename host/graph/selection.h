// Asset selection with Dagster's syntax:
//   legacy clauses: "*a" (a and all ancestors), "+a" / "a++" (parents / children, one level
//   per '+'), "a*" (all descendants), "+a+", "*" (everything), comma union "a,b+";
//   attributes: key:a/b (with '*' wildcards, as are group: and tag: values), group:g, tag:k
//   (has tag k), tag:k=v; values may be quoted ("key:\"a/b\""); a bare name is key:name;
//   combined with and / or / not (any case) and parentheses, not > and > or (',' = or).
// Traversals apply to a name, an attribute or a parenthesised expression: "+group:g",
// "(a or b)*". A '+' is one level everywhere, as in the legacy syntax (Dagster's newer syntax
// seems to read a bare '+' as unbounded); the "2+a" depth form, sinks()/roots() and other
// attributes (owner:, kind:, ...) are not supported.
#ifndef ASSETFLOW_HOST_GRAPH_SELECTION_H_
#define ASSETFLOW_HOST_GRAPH_SELECTION_H_

#include <string>
#include <vector>

#include "common/status.h"
#include "graph/asset_graph.h"

namespace af {

// The selected asset indices, ascending (possibly none: "a and b" may be empty). An unknown
// asset, group, tag or attribute, a pattern that matches nothing, or a syntax error is an
// InvalidArgument whose message names it and its 1-based column, with the nearest valid name
// when one is close: "unknown asset 'hackernews_wordclod' at column 1 (did you mean
// 'hackernews_wordcloud'?)", "no asset matches 'key:foo*' at column 1", "expected ')' at
// column 12", "empty selection expression". The first error from the left is reported.
Expected<std::vector<size_t>> SelectAssets(const AssetGraph& graph, const std::string& expression);

}  // namespace af

#endif
