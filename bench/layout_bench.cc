// bench/layout.sh's driver: lays out the bench's layered DAG (the shape of gen_manifest.py:
// `width` assets per layer, each reading two of the previous layer, 10 groups) with
// af::ComputeLayout, and prints the median wall time of REPEAT layouts in milliseconds.
//   layout_bench N [expanded|collapsed] [REPEAT]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "layout/layout.h"

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10000;
  const bool collapsed = argc > 2 && std::string(argv[2]) == "collapsed";
  const int repeat = argc > 3 ? std::atoi(argv[3]) : 11;
  const size_t width = 100;
  af::Definitions defs;
  char key[32];
  // Zero-padded keys pushed in index order are sorted, as Definitions requires (n < 10^6).
  for (size_t i = 0; i < n; ++i) {
    af::AssetDef a;
    std::snprintf(key, sizeof key, "a%06zu", i);
    a.key = key;
    a.type = "examples/noop";
    a.group = "g" + std::to_string(i % 10);
    const size_t layer = i / width, pos = i % width;
    if (layer > 0) {
      const size_t prev = (layer - 1) * width;
      std::set<size_t> ups = {prev + pos, prev + (pos + 1) % width};
      int k = 0;
      for (size_t u : ups) {
        std::snprintf(key, sizeof key, "a%06zu", u);
        a.inputs.push_back({"in" + std::to_string(k++), key, {}});
      }
    }
    defs.assets.push_back(std::move(a));
  }
  auto graph = af::AssetGraph::Build(defs);
  if (!graph.ok()) {
    std::fprintf(stderr, "%s\n", graph.status().message().c_str());
    return 1;
  }
  af::LayoutOptions options;
  if (collapsed) options = af::DefaultLayoutOptions(*graph);
  std::vector<double> ms;
  size_t nodes = 0;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const af::Layout layout = af::ComputeLayout(*graph, options);
    const auto t1 = std::chrono::steady_clock::now();
    nodes = layout.nodes.size();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("%.3f %zu\n", ms[ms.size() / 2], nodes);
  return 0;
}
