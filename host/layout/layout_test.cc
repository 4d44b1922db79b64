#include "layout/layout.h"

#include <doctest/doctest.h>

#include <map>

#include "graph/test_definitions.h"

namespace af {
namespace {

using testing::MakeDefinitions;

struct Built {
  Definitions defs;
  std::optional<AssetGraph> graph;
  explicit Built(Definitions d) : defs(std::move(d)) {
    auto g = AssetGraph::Build(defs);
    REQUIRE(g.ok());
    graph.emplace(std::move(*g));
  }
};

std::map<std::string, const LayoutNode*> ById(const Layout& layout) {
  std::map<std::string, const LayoutNode*> by_id;
  for (const LayoutNode& n : layout.nodes) by_id[n.id] = &n;
  return by_id;
}

// Edges whose endpoints' vertical order differs between the two layers (crossings between
// consecutive layers).
int Crossings(const Layout& layout) {
  int crossings = 0;
  for (size_t i = 0; i < layout.edges.size(); ++i) {
    for (size_t j = i + 1; j < layout.edges.size(); ++j) {
      const auto& a = layout.edges[i];
      const auto& b = layout.edges[j];
      const auto& a0 = layout.nodes[a.from];
      const auto& b0 = layout.nodes[b.from];
      const auto& a1 = layout.nodes[a.to];
      const auto& b1 = layout.nodes[b.to];
      if (a0.layer != b0.layer || a1.layer != b1.layer) continue;
      if ((a0.y - b0.y) * (a1.y - b1.y) < 0) ++crossings;
    }
  }
  return crossings;
}

TEST_CASE("longest-path layering puts every asset one layer right of its deepest input") {
  Built b(MakeDefinitions({{.key = "a"},
                           {.key = "b", .inputs = {"a"}},
                           {.key = "c", .inputs = {"b"}},
                           {.key = "d", .inputs = {"a", "c"}}}));
  const Layout layout = ComputeLayout(*b.graph, {});
  auto n = ById(layout);
  REQUIRE(n.size() == 4);
  CHECK(n["a"]->layer == 0);
  CHECK(n["b"]->layer == 1);
  CHECK(n["c"]->layer == 2);
  CHECK(n["d"]->layer == 3);
  CHECK(n["d"]->x == doctest::Approx(3 * (200 + 90)));
  CHECK(layout.edges.size() == 4);
  CHECK(layout.width == doctest::Approx(4 * 200 + 3 * 90));
}

TEST_CASE("barycenter sweeps remove the crossing of a twisted pair") {
  // b1 reads a1 and a3, b2 reads a2: discovery order puts b2 above b1, so a1 -> b1 crosses
  // a2 -> b2 until a sweep moves a2 to the top.
  Built b(MakeDefinitions({{.key = "a1"},
                           {.key = "a2"},
                           {.key = "a3"},
                           {.key = "b1", .inputs = {"a1", "a3"}},
                           {.key = "b2", .inputs = {"a2"}}}));
  LayoutOptions no_sweeps;
  no_sweeps.sweeps = 0;
  CHECK(Crossings(ComputeLayout(*b.graph, no_sweeps)) == 1);
  const Layout layout = ComputeLayout(*b.graph, {});
  CHECK(Crossings(layout) == 0);
  // No two nodes of a layer overlap.
  for (const auto& p : layout.nodes)
    for (const auto& q : layout.nodes)
      if (&p != &q && p.layer == q.layer) CHECK(std::abs(p.y - q.y) >= 36 + 14 - 1e-9);
}

TEST_CASE("collapsed groups become one node each; a cycle between groups still lays out") {
  // g1: a, c; g2: b. a -> b -> c makes g1 -> g2 -> g1 once collapsed.
  Built b(MakeDefinitions({{.key = "a", .group = "g1"},
                           {.key = "b", .inputs = {"a"}, .group = "g2"},
                           {.key = "c", .inputs = {"b"}, .group = "g1"}}));
  const LayoutOptions defaults = DefaultLayoutOptions(*b.graph);
  CHECK(defaults.collapsed_groups == std::set<std::string>{"g1", "g2"});
  const Layout layout = ComputeLayout(*b.graph, defaults);
  auto n = ById(layout);
  REQUIRE(n.size() == 2);
  CHECK(n["group:g1"]->assets == std::vector<size_t>{0, 2});
  CHECK(n["group:g2"]->assets == std::vector<size_t>{1});
  CHECK(n["group:g1"]->is_group);
  CHECK(layout.edges.size() == 2);  // both directions kept for drawing
  CHECK(n["group:g1"]->layer != n["group:g2"]->layer);
  CHECK(layout.node_of_asset[2] == layout.node_of_asset[0]);

  LayoutOptions one;
  one.collapsed_groups = {"g2"};
  CHECK(ComputeLayout(*b.graph, one).nodes.size() == 3);
}

TEST_CASE("a single group is not collapsed by default") {
  Built b(MakeDefinitions({{.key = "a", .group = "hn"}, {.key = "b", .inputs = {"a"}, .group = "hn"}}));
  CHECK(DefaultLayoutOptions(*b.graph).collapsed_groups.empty());
}

TEST_CASE("the hash follows structure and options; the cache returns the same layout") {
  Built x(MakeDefinitions({{.key = "a"}, {.key = "b", .inputs = {"a"}}}));
  Built y(MakeDefinitions({{.key = "a"}, {.key = "b"}}));
  CHECK(LayoutHash(*x.graph, {}) != LayoutHash(*y.graph, {}));
  LayoutOptions collapsed;
  collapsed.collapsed_groups = {"default"};
  CHECK(LayoutHash(*x.graph, {}) != LayoutHash(*x.graph, collapsed));
  CHECK(LayoutHash(*x.graph, {}).size() == 16);
  LayoutCache cache(2);
  auto first = cache.Get(*x.graph, {});
  CHECK(cache.Get(*x.graph, {}).get() == first.get());
  cache.Get(*y.graph, {});
  cache.Get(*x.graph, collapsed);  // capacity 2: evicts (x, {}), the least recently used
  CHECK(cache.Get(*x.graph, {}).get() != first.get());
  CHECK(first->hash == LayoutHash(*x.graph, {}));
}

TEST_CASE("SVG escapes labels and draws one arrow per edge") {
  Built b(MakeDefinitions({{.key = "a"}, {.key = "b", .inputs = {"a"}, .group = "<g&>"}}));
  LayoutOptions options;
  options.collapsed_groups = {"<g&>"};
  const std::string svg = RenderSvg(ComputeLayout(*b.graph, options));
  CHECK(svg.find("&lt;g&amp;&gt; (1 assets)") != std::string::npos);
  CHECK(svg.find("<g&>") == std::string::npos);
  size_t lines = 0;
  for (size_t p = svg.find("<line"); p != std::string::npos; p = svg.find("<line", p + 1)) ++lines;
  CHECK(lines == 1);
  CHECK(svg.rfind("</svg>\n") == svg.size() - 7);
}

}  // namespace
}  // namespace af
