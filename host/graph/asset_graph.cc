#include "graph/asset_graph.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/depth_first_search.hpp>

namespace af {

namespace {

// One direction of the DAG in compressed sparse row form: the neighbours of v are
// edges[offsets[v] .. offsets[v + 1]), sorted ascending. Two arrays for the whole graph
// instead of a heap block per asset (a vector per asset cost 8 MB in ~300,000 allocations at
// 100,000 assets; this is ~2.4 MB in four).
struct Csr {
  std::vector<uint32_t> offsets{0};  // size() + 1 entries
  std::vector<uint32_t> edges;

  size_t size() const { return offsets.size() - 1; }
  AssetGraph::Indices operator[](size_t v) const {
    return {edges.data() + offsets[v], edges.data() + offsets[v + 1]};
  }
};

// Boost.Graph's own CSR type for the depth-first search that describes a cycle: built only
// on that error path, from the downstream lists, so the search meets edges in the same order.
using CycleGraph = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property,
                                                      boost::no_property, boost::no_property,
                                                      uint32_t, uint32_t>;
using Vertex = boost::graph_traits<CycleGraph>::vertex_descriptor;
using Edge = boost::graph_traits<CycleGraph>::edge_descriptor;

// Records the first back edge a depth-first search meets, and the DFS tree that leads to it.
// Boost's depth_first_search keeps its own explicit stack (unless BOOST_RECURSIVE_DFS is
// defined), so a 100,000-asset chain cannot overflow ours.
class CycleFinder : public boost::default_dfs_visitor {
 public:
  CycleFinder(std::vector<Vertex>* parent, std::pair<Vertex, Vertex>* back_edge, bool* found)
      : parent_(parent), back_edge_(back_edge), found_(found) {}
  void tree_edge(Edge e, const CycleGraph& g) const { (*parent_)[target(e, g)] = source(e, g); }
  void back_edge(Edge e, const CycleGraph& g) const {
    if (*found_) return;
    *found_ = true;
    *back_edge_ = {source(e, g), target(e, g)};
  }

 private:
  // Pointers, not members: Boost copies visitors by value.
  std::vector<Vertex>* parent_;
  std::pair<Vertex, Vertex>* back_edge_;
  bool* found_;
};

const InputDef* InputReading(const AssetDef& reader, const std::string& upstream_key) {
  for (const auto& input : reader.inputs) {
    if (input.asset_key == upstream_key) return &input;
  }
  return nullptr;
}

// The assets `next` leads to from `start` in at most `depth` steps (< 0: any), minus `start`.
std::vector<size_t> Reach(const std::vector<size_t>& start, int depth, const Csr& next) {
  std::vector<char> seen(next.size(), 0);
  for (size_t s : start) seen[s] = 1;
  std::vector<size_t> frontier = start;
  std::vector<size_t> reached;
  // Breadth-first, one level per round, so `depth` counts edges from the start set.
  for (int level = 0; !frontier.empty() && (depth < 0 || level < depth); ++level) {
    std::vector<size_t> following;
    for (size_t u : frontier) {
      for (size_t v : next[u]) {
        if (seen[v]) continue;
        seen[v] = 1;
        following.push_back(v);
        reached.push_back(v);
      }
    }
    frontier = std::move(following);
  }
  std::sort(reached.begin(), reached.end());
  return reached;
}

}  // namespace

// Only what the queries read: the build's key index and scratch arrays are gone once Build
// returns.
struct AssetGraph::Impl {
  Csr upstream;
  Csr downstream;
  std::vector<uint32_t> topological_order;
  std::vector<uint32_t> topological_rank;  // inverse of topological_order

  // Fills upstream and downstream from the assets' inputs.
  Status Link(const Definitions& defs);
  // Fills the topological order and ranks; false if there is a cycle.
  bool Order();
  // The message for a graph known to have a cycle: the cycle that a depth-first search in
  // vertex order meets first, rotated to start at its smallest key.
  std::string DescribeCycle(const Definitions& defs) const;
};

std::string AssetGraph::Impl::DescribeCycle(const Definitions& defs) const {
  const size_t n = downstream.size();
  std::vector<std::pair<uint32_t, uint32_t>> edge_list;  // (u, v), sorted: as the CSR holds them
  edge_list.reserve(downstream.edges.size());
  for (size_t u = 0; u < n; ++u) {
    for (uint32_t v : downstream[u]) edge_list.emplace_back(static_cast<uint32_t>(u), v);
  }
  const CycleGraph g(boost::edges_are_sorted, edge_list.begin(), edge_list.end(), n);
  std::vector<Vertex> parent(n);
  std::pair<Vertex, Vertex> back_edge{};
  bool found = false;
  boost::depth_first_search(g, boost::visitor(CycleFinder(&parent, &back_edge, &found)));

  // The back edge u -> v closes the tree path v -> ... -> u.
  std::vector<size_t> cycle;
  for (Vertex x = back_edge.first;; x = parent[x]) {
    cycle.push_back(x);
    if (x == back_edge.second) break;
  }
  std::reverse(cycle.begin(), cycle.end());
  // Assets are sorted by key, so the smallest index is the smallest key.
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());

  std::string path;
  std::string edges;
  for (size_t i = 0; i < cycle.size(); ++i) {
    const AssetDef& from = defs.assets[cycle[i]];
    const AssetDef& to = defs.assets[cycle[(i + 1) % cycle.size()]];
    path += from.key + " -> ";
    edges += "\n  " + from.key + " -> " + to.key + ": " +
             InputReading(to, from.key)->location.ToString();
  }
  path += defs.assets[cycle.front()].key;
  return "dependency cycle: " + path + edges;
}

AssetGraph::AssetGraph() : impl_(std::make_unique<Impl>()) {}
AssetGraph::AssetGraph(AssetGraph&&) noexcept = default;
AssetGraph& AssetGraph::operator=(AssetGraph&&) noexcept = default;
AssetGraph::~AssetGraph() = default;

Status AssetGraph::Impl::Link(const Definitions& defs) {
  const size_t n = defs.assets.size();
  size_t inputs = 0;
  for (const AssetDef& asset : defs.assets) inputs += asset.inputs.size();
  // Offsets count edges and edges hold indices, both in 32 bits; the inputs bound the edges.
  if (n > kMaxSize || inputs > kMaxSize) {
    return Status::InvalidArgument("the graph is too large: " + std::to_string(n) +
                                   " assets with " + std::to_string(inputs) +
                                   " inputs (at most " + std::to_string(kMaxSize) + " of each)");
  }

  // A hash index rather than Definitions' binary search: a lookup touches a few cache lines
  // where a search of 100,000 keys touches ~17, once per input. Freed when Link returns.
  std::unordered_map<std::string_view, uint32_t> index_of(2 * n);
  for (size_t i = 0; i < n; ++i) index_of.emplace(defs.assets[i].key, static_cast<uint32_t>(i));

  upstream.offsets.assign(n + 1, 0);
  upstream.edges.reserve(inputs);
  downstream.offsets.assign(n + 1, 0);  // first the child counts, shifted by one
  for (size_t v = 0; v < n; ++v) {
    const AssetDef& asset = defs.assets[v];
    const size_t first = upstream.edges.size();
    for (const auto& input : asset.inputs) {
      auto it = index_of.find(input.asset_key);
      if (it == index_of.end()) {
        // The loader rejects these first, with suggestions; this keeps hand-built Definitions
        // honest. No "error:" prefix: like the cycle message, callers add their own.
        return Status::InvalidArgument(input.location.ToString() + ": asset '" + asset.key +
                                       "' reads unknown asset '" + input.asset_key + "'");
      }
      upstream.edges.push_back(it->second);
    }
    // Two inputs may read the same upstream asset; that is one dependency.
    auto parents = upstream.edges.begin() + static_cast<std::ptrdiff_t>(first);
    std::sort(parents, upstream.edges.end());
    upstream.edges.erase(std::unique(parents, upstream.edges.end()), upstream.edges.end());
    upstream.offsets[v + 1] = static_cast<uint32_t>(upstream.edges.size());
    for (size_t e = first; e < upstream.edges.size(); ++e) ++downstream.offsets[upstream.edges[e] + 1];
  }
  upstream.edges.shrink_to_fit();  // a no-op unless some inputs were duplicates

  for (size_t u = 0; u < n; ++u) downstream.offsets[u + 1] += downstream.offsets[u];
  downstream.edges.resize(upstream.edges.size());
  std::vector<uint32_t> fill(downstream.offsets.begin(), downstream.offsets.end() - 1);
  for (size_t v = 0; v < n; ++v) {
    // v ascends, so every child list comes out sorted.
    for (uint32_t u : upstream[v]) downstream.edges[fill[u]++] = static_cast<uint32_t>(v);
  }
  return Status::OK();
}

bool AssetGraph::Impl::Order() {
  // Kahn's algorithm with a min-heap: of all assets whose parents are done, the smallest
  // index (= smallest key) goes next, so the order depends only on the definitions.
  // O(E + V log V), no recursion.
  const size_t n = upstream.size();
  std::vector<uint32_t> pending_parents(n);
  std::priority_queue<uint32_t, std::vector<uint32_t>, std::greater<uint32_t>> ready;
  for (size_t v = 0; v < n; ++v) {
    pending_parents[v] = upstream[v].size();
    if (pending_parents[v] == 0) ready.push(static_cast<uint32_t>(v));
  }
  topological_order.reserve(n);
  while (!ready.empty()) {
    const uint32_t u = ready.top();
    ready.pop();
    topological_order.push_back(u);
    for (size_t v : downstream[u]) {
      if (--pending_parents[v] == 0) ready.push(v);
    }
  }
  if (topological_order.size() != n) return false;  // the rest lie on or behind a cycle
  topological_rank.resize(n);
  for (size_t i = 0; i < n; ++i) topological_rank[topological_order[i]] = static_cast<uint32_t>(i);
  return true;
}

Expected<AssetGraph> AssetGraph::Build(const Definitions& defs) {
  // Definitions::IndexOf (a binary search) and the smallest-key rule of cycle messages rely on
  // it; the loader guarantees it, a hand-built Definitions might not.
  for (size_t i = 1; i < defs.assets.size(); ++i) {
    const AssetDef& before = defs.assets[i - 1];
    const AssetDef& after = defs.assets[i];
    if (!(before.key < after.key)) {
      return Status::InvalidArgument(
          "assets not strictly sorted by key: '" + before.key + "' (" +
          before.location.ToString() + ") before '" + after.key + "' (" +
          after.location.ToString() + ")");
    }
  }
  AssetGraph graph;
  graph.defs_ = &defs;
  Status s = graph.impl_->Link(defs);
  if (!s.ok()) return s;
  if (!graph.impl_->Order()) return Status::InvalidArgument(graph.impl_->DescribeCycle(defs));
  return graph;
}

size_t AssetGraph::size() const { return impl_->upstream.size(); }

AssetGraph::Indices AssetGraph::Upstream(size_t i) const { return impl_->upstream[i]; }

AssetGraph::Indices AssetGraph::Downstream(size_t i) const { return impl_->downstream[i]; }

AssetGraph::Indices AssetGraph::TopologicalOrder() const { return impl_->topological_order; }

std::vector<size_t> AssetGraph::Plan(const std::vector<size_t>& selected) const {
  std::vector<size_t> plan = selected;
  const auto& rank = impl_->topological_rank;
  std::sort(plan.begin(), plan.end(), [&](size_t a, size_t b) { return rank[a] < rank[b]; });
  return plan;
}

std::vector<size_t> AssetGraph::Ancestors(const std::vector<size_t>& start, int depth) const {
  return Reach(start, depth, impl_->upstream);
}

std::vector<size_t> AssetGraph::Descendants(const std::vector<size_t>& start, int depth) const {
  return Reach(start, depth, impl_->downstream);
}

}  // namespace af
