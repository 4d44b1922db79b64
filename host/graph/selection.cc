// What a selection selects: evaluates selection_parser.h's trees and legacy clauses on a
// graph, with Dagster's meanings (AssetSelection and parse_clause in Dagster).
#include "graph/selection.h"

#include <algorithm>
#include <iterator>
#include <string_view>

#include "common/diagnostic.h"
#include "graph/selection_parser.h"

namespace af {

namespace {

using Set = std::vector<size_t>;  // sorted, unique asset indices
using selection::Clause;
using selection::Depth;
using selection::Node;

Set Union(const Set& a, const Set& b) {
  Set out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Set Intersection(const Set& a, const Set& b) {
  Set out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Set Difference(const Set& a, const Set& b) {
  Set out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// Whether `text` matches `pattern`, where '*' matches any run of characters ('/' included),
// as Dagster's wildcards do. Greedy with one backtrack point: O(|pattern| * |text|), no recursion.
bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool Contains(const std::vector<std::string>& sorted, const std::string& value) {
  return std::binary_search(sorted.begin(), sorted.end(), value);
}

class Evaluator {
 public:
  explicit Evaluator(const AssetGraph& graph) : graph_(graph), defs_(graph.definitions()) {}

  Set Evaluate(const Node& n) const {
    Set base = Base(n);
    Set out = base;
    if (n.up.present) out = Union(out, graph_.Ancestors(base, n.up.levels));
    if (n.down.present) out = Union(out, graph_.Descendants(base, n.down.levels));
    return out;
  }

  // The union of `clauses`; a name that is no asset is an error.
  Status EvaluateLegacy(const std::vector<Clause>& clauses, Set* out) const {
    out->clear();
    for (const Clause& c : clauses) {
      if (c.name.empty()) {  // "*"
        *out = All();
        continue;
      }
      const std::optional<size_t> asset = defs_.IndexOf(c.name);
      if (!asset) {
        std::vector<std::string> keys;
        keys.reserve(defs_.assets.size());
        for (const AssetDef& a : defs_.assets) keys.push_back(a.key);
        return Status::InvalidArgument("unknown asset '" + c.name + "' at column " +
                                       std::to_string(c.column) +
                                       DidYouMean(NearestName(c.name, keys)));
      }
      const Set base = {*asset};
      Set selected = base;
      if (c.up.present) selected = Union(selected, graph_.Ancestors(base, c.up.levels));
      if (c.down.present) selected = Union(selected, graph_.Descendants(base, c.down.levels));
      *out = Union(*out, selected);
    }
    return Status::OK();
  }

 private:
  // `n` without its traversals.
  Set Base(const Node& n) const {
    switch (n.kind) {
      case Node::Kind::kAll:
        return All();
      case Node::Kind::kKey:
        return Where([&](const AssetDef& a) { return GlobMatch(n.value, a.key); });
      case Node::Kind::kTag:  // exact: Dagster's "tag:k" is k with the empty value
        return Where([&](const AssetDef& a) {
          const std::map<std::string, std::string>& tags = a.details().tags;
          auto it = tags.find(n.value);
          return !n.null_value && it != tags.end() && it->second == n.tag_value;
        });
      case Node::Kind::kOwner:  // <null>: assets without owners
        return Where([&](const AssetDef& a) {
          const std::vector<std::string>& owners = a.details().owners;
          return n.null_value ? owners.empty() : Contains(owners, n.value);
        });
      case Node::Kind::kKind:
        return Where([&](const AssetDef& a) {
          const std::vector<std::string>& kinds = a.details().kinds;
          return n.null_value ? kinds.empty() : Contains(kinds, n.value);
        });
      case Node::Kind::kGroup:  // <null>: no group (every asset has one)
        return Where([&](const AssetDef& a) {
          return !n.null_value && (n.value.find('*') == std::string::npos
                                       ? a.group == n.value
                                       : GlobMatch(n.value, a.group.view()));
        });
      case Node::Kind::kNot:
        return Difference(All(), Evaluate(n.children[0]));
      case Node::Kind::kAnd:
        return Intersection(Evaluate(n.children[0]), Evaluate(n.children[1]));
      case Node::Kind::kOr:
        return Union(Evaluate(n.children[0]), Evaluate(n.children[1]));
      case Node::Kind::kParens:
        return Evaluate(n.children[0]);
      case Node::Kind::kSinks: {  // no descendant in the set, through any path
        Set s = Evaluate(n.children[0]);
        return Difference(s, Strict(s, /*up=*/true));
      }
      case Node::Kind::kRoots: {  // no ancestor in the set, through any path
        Set s = Evaluate(n.children[0]);
        return Difference(s, Strict(s, /*up=*/false));
      }
    }
    return {};
  }

  // The assets that are a proper ancestor (`up`) or descendant of a member of `s`: those
  // reached by at least one edge, members of `s` included.
  Set Strict(const Set& s, bool up) const {
    Set next;  // parents (children) of members, members included
    for (size_t i : s) {
      const AssetGraph::Indices edges = up ? graph_.Upstream(i) : graph_.Downstream(i);
      next.insert(next.end(), edges.begin(), edges.end());
    }
    std::sort(next.begin(), next.end());
    next.erase(std::unique(next.begin(), next.end()), next.end());
    return Union(next, up ? graph_.Ancestors(next) : graph_.Descendants(next));
  }

  template <class Pred>
  Set Where(Pred pred) const {
    Set out;
    for (size_t i = 0; i < defs_.assets.size(); ++i) {
      if (pred(defs_.assets[i])) out.push_back(i);
    }
    return out;
  }

  Set All() const {
    Set all(graph_.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    return all;
  }

  const AssetGraph& graph_;
  const Definitions& defs_;
};

}  // namespace

Expected<std::vector<size_t>> SelectAssets(const AssetGraph& graph, const std::string& expression) {
  Evaluator evaluator(graph);
  auto tree = selection::ParseExpression(expression);
  if (tree.ok()) return evaluator.Evaluate(*tree);
  // As Dagster's from_string: the grammar first, then legacy clauses, then "tag:k=v".
  auto clauses = selection::ParseLegacy(expression);
  if (clauses.ok()) {
    Set selected;
    Status s = evaluator.EvaluateLegacy(*clauses, &selected);
    if (!s.ok()) return selection::LooksLegacy(expression) ? s : tree.status();  // "not", "sinks"
    return selected;
  }
  Node tag;
  if (selection::ParseLegacyTag(expression, &tag)) return evaluator.Evaluate(tag);
  return selection::LooksLegacy(expression) ? clauses.status() : tree.status();
}

}  // namespace af
