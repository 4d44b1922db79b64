// Asset selection, as Dagster's AssetSelection.from_string reads it (the README's "Selection"
// section lists what is supported). Two syntaxes:
//  - Dagster's current grammar (AssetSelection.g4), tried first: attributes key:a/b (with '*'
//    wildcards), tag:k (the tag k with the empty value), tag:k=v (exact), owner:o, group:g
//    ('*' wildcards when quoted), kind:k; values quoted as "..."; traversals around an
//    attribute, a call or a parenthesis: "+x" / "x+" all ancestors / descendants, "2+x" / "x+1"
//    bounded; sinks(x), roots(x); not > and > or; "*" everything;
//  - else Dagster's legacy clauses, comma-separated: a bare name with "*" (all) or one level
//    per '+' on each side ("*a", "a++", "+a+", "*+a" and "a+*" are unbounded), "*" alone.
// In the grammar an attribute matching nothing is the empty set; a legacy bare name must name
// an asset.
#ifndef ASSETFLOW_HOST_GRAPH_SELECTION_H_
#define ASSETFLOW_HOST_GRAPH_SELECTION_H_

#include <string>
#include <vector>

#include "common/status.h"
#include "graph/asset_graph.h"

namespace af {

// The selected asset indices, ascending (possibly none: "key:a and key:b" may be empty).
// Errors are InvalidArgument with the 1-based column, and the nearest valid name when one is
// close: a legacy name that is no asset ("unknown asset 'hackernews_wordclod' at column 1
// (did you mean 'hackernews_wordcloud'?)"), a syntax error of the grammar ("unexpected 'and'
// at column 8", "expected ')' at column 12"), or, for text with none of the grammar's
// ':' '(' ')' '"' and / or / not, an invalid legacy clause ("invalid selection clause '+*a'
// at column 1"); "empty selection expression".
Expected<std::vector<size_t>> SelectAssets(const AssetGraph& graph, const std::string& expression);

}  // namespace af

#endif
