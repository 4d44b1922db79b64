// Layout: positions for drawing the asset graph left to right, computed in the host so that a
// browser (or `assetflow graph --format svg`) only paints. Sugiyama-style, linear-ish:
//   longest-path layering (O(V+E)) -> barycenter sweeps to reduce crossings (O(sweeps * E
//   log V)) -> packing: each node as close as possible to its neighbours' mean height, no
//   overlap inside a layer.
// Long edges get no dummy nodes (that is what makes dagre/ELK quadratic at 10k nodes); an
// edge is drawn straight from its tail to its head.
//
// Groups: a collapsed group is one node standing for all its assets; edges between
// collapsed groups and assets are merged, so the collapsed view can have cycles (a -> B -> c
// -> A): cycles are broken for layering only (the edge is still returned).
//
// Thread: ComputeLayout is a pure function; LayoutCache is safe from any thread.
#ifndef ASSETFLOW_HOST_LAYOUT_LAYOUT_H_
#define ASSETFLOW_HOST_LAYOUT_LAYOUT_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "graph/asset_graph.h"

namespace af {

struct LayoutOptions {
  // Groups drawn as one node each. Assets of other groups are drawn one by one.
  std::set<std::string> collapsed_groups;
  double node_width = 200, node_height = 36;
  double layer_gap = 90;  // horizontal space between layers
  double node_gap = 14;   // vertical space between nodes of a layer
  int sweeps = 4;         // barycenter passes (each pass: one down and one up)
};

// The default view: every group collapsed, unless the graph has a single group (then there
// is nothing to collapse into and the assets are shown).
LayoutOptions DefaultLayoutOptions(const AssetGraph& graph);

struct LayoutNode {
  // "a/b" for an asset; "group:<name>" for a collapsed group.
  std::string id;
  std::string label;
  bool is_group = false;
  std::string group;
  std::vector<size_t> assets;  // the asset indices it stands for (one for an asset node)
  int layer = 0;
  double x = 0, y = 0;  // top-left corner
  double width = 0, height = 0;
};

struct LayoutEdge {
  size_t from = 0, to = 0;  // indices into Layout::nodes
};

struct Layout {
  std::vector<LayoutNode> nodes;  // in no particular order
  std::vector<LayoutEdge> edges;  // unique, no self-loops
  double width = 0, height = 0;   // bounding box, from (0, 0)
  // Hex digest of the graph's structure (keys, groups, edges) and the options: the cache key,
  // and an ETag for clients.
  std::string hash;
  // Which node each asset is drawn in, indexed like definitions().assets.
  std::vector<size_t> node_of_asset;
};

// The digest ComputeLayout stores in Layout::hash, without laying anything out.
std::string LayoutHash(const AssetGraph& graph, const LayoutOptions& options);

Layout ComputeLayout(const AssetGraph& graph, const LayoutOptions& options);

// The layout as an SVG document: boxes with their labels, straight edges with arrows. Plain
// text escaped; no scripts; no external references.
std::string RenderSvg(const Layout& layout);

// Remembers the last few layouts by LayoutHash, so that every client of a server (and every
// reload of an unchanged graph) gets the same layout without recomputing it.
class LayoutCache {
 public:
  explicit LayoutCache(size_t capacity = 8) : capacity_(capacity) {}
  std::shared_ptr<const Layout> Get(const AssetGraph& graph, const LayoutOptions& options);

 private:
  std::mutex mu_;
  size_t capacity_;
  std::list<std::pair<std::string, std::shared_ptr<const Layout>>> entries_;  // newest first
};

}  // namespace af

#endif
