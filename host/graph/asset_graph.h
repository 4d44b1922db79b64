// AssetGraph: the dependency DAG of the manifests' assets. Vertices are indices into
// Definitions::assets; an edge u -> v means v reads u as an input. Stored compactly (CSR: one
// offsets and one edges array per direction, 32-bit indices; ~8 bytes per asset and per edge
// in all); Boost.Graph's depth-first search finds and describes a cycle.
// Immutable once built; safe to read from any thread.
#ifndef ASSETFLOW_HOST_GRAPH_ASSET_GRAPH_H_
#define ASSETFLOW_HOST_GRAPH_ASSET_GRAPH_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "common/status.h"
#include "manifest/definitions.h"

namespace af {

class AssetGraph {
 public:
  // Asset indices the graph stores, read-only; valid as long as the graph. Elements are 32-bit
  // (`for (size_t u : graph.Upstream(v))` reads them as indices).
  using Indices = std::span<const uint32_t>;
  // The most assets (and the most edges) a graph holds: indices and offsets are 32-bit.
  static constexpr size_t kMaxSize = UINT32_MAX;

  // Builds the graph of `defs` (which must outlive it; assets sorted by key, strictly, as the
  // loader makes them and as Definitions' lookups require: otherwise an InvalidArgument naming
  // the first pair out of order). More than kMaxSize assets or edges is an InvalidArgument too.
  // A cycle is an InvalidArgument whose message prints the cycle from its
  // smallest key, "dependency cycle: a -> b -> a", then one line per edge with the location
  // of the input that reads it ("  a -> b: m.yaml:7:14"). Inputs must name existing assets
  // (the loader has checked that; otherwise an InvalidArgument naming the input's location).
  static Expected<AssetGraph> Build(const Definitions& defs);

  size_t size() const;
  const Definitions& definitions() const { return *defs_; }
  // Direct parents / children of asset `i`, sorted ascending, no duplicates.
  Indices Upstream(size_t i) const;
  Indices Downstream(size_t i) const;
  // All assets in a topological order (parents first; ties broken by key order, i.e. the
  // lexicographically smallest order). Computed once by Build in O(E + V log V).
  Indices TopologicalOrder() const;
  // `selected` (any order, no duplicates) in topological order.
  std::vector<size_t> Plan(const std::vector<size_t>& selected) const;
  // Transitive parents (depth < 0: all) or children, not including the start set.
  std::vector<size_t> Ancestors(const std::vector<size_t>& start, int depth = -1) const;
  std::vector<size_t> Descendants(const std::vector<size_t>& start, int depth = -1) const;

  AssetGraph(AssetGraph&&) noexcept;
  AssetGraph& operator=(AssetGraph&&) noexcept;
  ~AssetGraph();

 private:
  struct Impl;
  AssetGraph();
  const Definitions* defs_ = nullptr;
  std::unique_ptr<Impl> impl_;
};

}  // namespace af

#endif
