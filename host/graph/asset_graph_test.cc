#include "graph/asset_graph.h"

#include <algorithm>
#include <ctime>
#include <random>

#include <doctest/doctest.h>

#include "graph/test_definitions.h"

namespace af {

using testing::KeysOf;
using testing::MakeDefinitions;
using testing::MakeChain;

namespace {

// a -> b, a -> c, b -> d, c -> d
Definitions Diamond() {
  return MakeDefinitions({{.key = "d", .inputs = {"c", "b"}},
                          {.key = "b", .inputs = {"a"}},
                          {.key = "c", .inputs = {"a"}},
                          {.key = "a"}});
}

std::string CycleMessage(const Definitions& defs) {
  auto graph = AssetGraph::Build(defs);
  REQUIRE_FALSE(graph.ok());
  CHECK(graph.status().IsInvalidArgument());
  return graph.status().message();
}

// Every edge goes from an earlier to a later position of the order, which holds every asset.
bool IsTopological(const AssetGraph& graph) {
  const AssetGraph::Indices order = graph.TopologicalOrder();
  if (order.size() != graph.size()) return false;
  std::vector<size_t> rank(graph.size(), graph.size());
  for (size_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  for (size_t v = 0; v < graph.size(); ++v) {
    if (rank[v] == graph.size()) return false;
    for (size_t u : graph.Upstream(v)) {
      if (rank[u] >= rank[v]) return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("diamond: order, neighbours, ancestors and descendants by depth") {
  Definitions defs = Diamond();
  auto graph = AssetGraph::Build(defs);
  REQUIRE(graph.ok());
  const size_t a = 0, b = 1, c = 2, d = 3;
  CHECK(graph->size() == 4);
  CHECK(&graph->definitions() == &defs);
  CHECK(KeysOf(defs, graph->TopologicalOrder()) == "a b c d");
  CHECK(KeysOf(defs, graph->Upstream(d)) == "b c");
  CHECK(KeysOf(defs, graph->Upstream(a)) == "");
  CHECK(KeysOf(defs, graph->Downstream(a)) == "b c");
  CHECK(KeysOf(defs, graph->Downstream(d)) == "");

  CHECK(KeysOf(defs, graph->Ancestors({d})) == "a b c");
  CHECK(KeysOf(defs, graph->Ancestors({d}, 1)) == "b c");
  CHECK(KeysOf(defs, graph->Ancestors({d}, 2)) == "a b c");
  CHECK(KeysOf(defs, graph->Ancestors({d}, 0)) == "");
  CHECK(KeysOf(defs, graph->Ancestors({a})) == "");
  CHECK(KeysOf(defs, graph->Descendants({a})) == "b c d");
  CHECK(KeysOf(defs, graph->Descendants({a}, 1)) == "b c");
  CHECK(KeysOf(defs, graph->Descendants({b, c}, 1)) == "d");
  // The start set is never part of the answer, even when one start reaches another.
  CHECK(KeysOf(defs, graph->Descendants({a, b})) == "c d");
  CHECK(KeysOf(defs, graph->Ancestors({d, b}, 1)) == "a c");

  CHECK(KeysOf(defs, graph->Plan({d, a, c})) == "a c d");
  CHECK(KeysOf(defs, graph->Plan({c, b})) == "b c");
  CHECK(graph->Plan({}).empty());
}

TEST_CASE("topological ties are broken by key order, not by declaration order") {
  Definitions defs = MakeDefinitions(
      {{.key = "z"}, {.key = "a", .inputs = {"z"}}, {.key = "m"}, {.key = "b", .inputs = {"m"}}});
  auto graph = AssetGraph::Build(defs);
  REQUIRE(graph.ok());
  CHECK(KeysOf(defs, graph->TopologicalOrder()) == "m b z a");
}

TEST_CASE("two inputs reading one asset are one dependency") {
  Definitions defs = MakeDefinitions({{.key = "a"}, {.key = "b", .inputs = {"a", "a"}}});
  auto graph = AssetGraph::Build(defs);
  REQUIRE(graph.ok());
  CHECK(KeysOf(defs, graph->Upstream(1)) == "a");
  CHECK(KeysOf(defs, graph->Downstream(0)) == "b");
}

TEST_CASE("empty definitions make an empty graph") {
  Definitions defs;
  auto graph = AssetGraph::Build(defs);
  REQUIRE(graph.ok());
  CHECK(graph->size() == 0);
  CHECK(graph->TopologicalOrder().empty());
}

TEST_CASE("definitions not strictly sorted by key are refused: lookups are binary searches") {
  SUBCASE("out of order") {
    Definitions defs = MakeDefinitions({{.key = "a", .line = 2}, {.key = "b", .line = 5}});
    std::swap(defs.assets[0], defs.assets[1]);
    auto graph = AssetGraph::Build(defs);
    REQUIRE_FALSE(graph.ok());
    CHECK(graph.status().IsInvalidArgument());
    CHECK(graph.status().message() ==
          "assets not strictly sorted by key: 'b' (m.yaml:5:3) before 'a' (m.yaml:2:3)");
  }
  SUBCASE("a key twice") {
    Definitions defs = MakeDefinitions({{.key = "a", .line = 2}, {.key = "b", .line = 5}});
    defs.assets[1].key = "a";
    auto graph = AssetGraph::Build(defs);
    REQUIRE_FALSE(graph.ok());
    CHECK(graph.status().message() ==
          "assets not strictly sorted by key: 'a' (m.yaml:2:3) before 'a' (m.yaml:5:3)");
  }
}

TEST_CASE("an input naming no asset is an error at its location") {
  Definitions defs = MakeDefinitions({{.key = "a", .inputs = {"nope"}, .line = 4}});
  auto graph = AssetGraph::Build(defs);
  REQUIRE_FALSE(graph.ok());
  CHECK(graph.status().message() == "m.yaml:5:14: asset 'a' reads unknown asset 'nope'");
}

TEST_CASE("cycles print every edge with the location of the reading input") {
  SUBCASE("length 1: self-dependency") {
    CHECK(CycleMessage(MakeDefinitions({{.key = "a", .inputs = {"a"}, .line = 2}})) ==
          "dependency cycle: a -> a\n"
          "  a -> a: m.yaml:3:14");
  }
  SUBCASE("length 2") {
    CHECK(CycleMessage(MakeDefinitions({{.key = "b", .inputs = {"a"}, .line = 8},
                                        {.key = "a", .inputs = {"b"}, .line = 2}})) ==
          "dependency cycle: a -> b -> a\n"
          "  a -> b: m.yaml:9:14\n"
          "  b -> a: m.yaml:3:14");
  }
  SUBCASE("length 3") {
    CHECK(CycleMessage(MakeDefinitions({{.key = "a", .inputs = {"c"}, .line = 2},
                                        {.key = "b", .inputs = {"a"}, .line = 6},
                                        {.key = "c", .inputs = {"b"}, .line = 11}})) ==
          "dependency cycle: a -> b -> c -> a\n"
          "  a -> b: m.yaml:7:14\n"
          "  b -> c: m.yaml:12:14\n"
          "  c -> a: m.yaml:3:14");
  }
  SUBCASE("reached from outside, starts at its smallest key") {
    // a -> c -> d -> b -> c: the search enters the cycle at c, the message starts at b.
    CHECK(CycleMessage(MakeDefinitions({{.key = "a", .line = 2},
                                        {.key = "b", .inputs = {"d"}, .line = 3},
                                        {.key = "c", .inputs = {"a", "b"}, .line = 5},
                                        {.key = "d", .inputs = {"c"}, .line = 8}})) ==
          "dependency cycle: b -> c -> d -> b\n"
          "  b -> c: m.yaml:7:14\n"
          "  c -> d: m.yaml:9:14\n"
          "  d -> b: m.yaml:4:14");
  }
}

TEST_CASE("a cycle at the end of a 100,000-asset chain is found without deep recursion") {
  // c99999 reads c99998 ... reads c00000, and c99998 reads c99999 too: the depth-first search
  // from c00000 is 100,000 deep when it meets the cycle.
  Definitions defs = MakeChain(100000);
  defs.assets[99998].inputs.push_back({"in_z", "c99999", {"m.yaml", 7, 14}});
  CHECK(CycleMessage(defs) ==
        "dependency cycle: c99998 -> c99999 -> c99998\n"
        "  c99998 -> c99999: m.yaml:200000:14\n"
        "  c99999 -> c99998: m.yaml:7:14");
}

TEST_CASE("a 10,000-asset chain orders parents first") {
  Definitions defs = MakeChain(10000, /*reversed=*/true);
  auto graph = AssetGraph::Build(defs);
  REQUIRE(graph.ok());
  const AssetGraph::Indices order = graph->TopologicalOrder();
  REQUIRE(order.size() == 10000);
  bool reversed = true;
  for (size_t i = 0; i < order.size(); ++i) reversed = reversed && order[i] == 9999 - i;
  CHECK(reversed);
  CHECK(graph->Ancestors({0}).size() == 9999);
  CHECK(graph->Descendants({9999}, 3) == std::vector<size_t>{9996, 9997, 9998});
}

TEST_CASE("100,000 assets with 300,000 edges build in well under a second") {
  // Each asset reads up to three assets that come before it in a shuffled order.
  const size_t n = 100000;
  std::mt19937 rng(42);
  std::vector<size_t> position(n);
  for (size_t i = 0; i < n; ++i) position[i] = i;
  std::shuffle(position.begin(), position.end(), rng);
  std::vector<testing::TestAsset> assets(n);
  auto key = [](size_t i) {
    std::string k = "k";  // not "k" + to_string(i): GCC 12 warns falsely (-Wrestrict)
    return k += std::to_string(i);
  };
  for (size_t p = 0; p < n; ++p) {
    assets[p].key = key(position[p]);
    for (int j = 0; j < 3 && p > 0; ++j) assets[p].inputs.push_back(key(position[rng() % p]));
  }
  Definitions defs = MakeDefinitions(std::move(assets));

  // CPU time, not wall time: the build machines are shared, and a busy neighbour must not
  // fail this test.
  std::clock_t start = std::clock();
  auto graph = AssetGraph::Build(defs);
  double seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
  REQUIRE(graph.ok());
  MESSAGE("Build of 100,000 assets: " << seconds * 1000 << " ms");
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__)
  CHECK(seconds < 1.0);  // optimised builds only: a Debug or ASan build is several times slower
#endif
  CHECK(IsTopological(*graph));

  // Both directions hold exactly the inputs' edges, each list sorted and without duplicates.
  std::vector<std::vector<size_t>> parents(n), children(n);
  size_t edges = 0;
  for (size_t v = 0; v < n; ++v) {
    for (const InputDef& input : defs.assets[v].inputs) {
      parents[v].push_back(defs.IndexOf(input.asset_key).value());
    }
    std::sort(parents[v].begin(), parents[v].end());
    parents[v].erase(std::unique(parents[v].begin(), parents[v].end()), parents[v].end());
    for (size_t u : parents[v]) children[u].push_back(v);
    edges += parents[v].size();
  }
  REQUIRE(edges > 250000);  // the duplicates drawn by rng() are few
  size_t mismatches = 0;
  for (size_t v = 0; v < n; ++v) {
    const AssetGraph::Indices up = graph->Upstream(v), down = graph->Downstream(v);
    if (std::vector<size_t>(up.begin(), up.end()) != parents[v]) ++mismatches;
    if (std::vector<size_t>(down.begin(), down.end()) != children[v]) ++mismatches;
  }
  CHECK(mismatches == 0);
}

}  // namespace af
