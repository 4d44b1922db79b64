// Benchmark driver: renders a wordcloud with the built plugin module (dlopen, as the host does)
// through the SDK harness, so the timing covers JSON parsing, tokenizing, layout, rendering and
// PNG encoding, like Python's WordCloud(...).generate(text).to_image().save(...).
//
//   wordcloud_bench ITEMS.json WIDTH HEIGHT OUT.png [REPEAT [PLUGIN.so]]
//
// With REPEAT > 0, materializes that many times in this process (after one warm-up run) and
// prints the median wall seconds of one materialize (parse + tokenize + layout + render + PNG
// encode; the items file is read once, outside the timing), like bench/wordcloud_py.py does for
// Python's generate + to_image + save.
#include <assetflow/testing/harness.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: wordcloud_bench ITEMS.json WIDTH HEIGHT OUT.png [REPEAT [PLUGIN.so]]\n";
    return 2;
  }
  int repeat = argc > 5 ? std::atoi(argv[5]) : 0;
  const char* plugin = argc > 6 ? argv[6] : WORDCLOUD_PLUGIN_PATH;
  void* lib = dlopen(plugin, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    std::cerr << dlerror() << "\n";
    return 1;
  }
  using Entry = const af_plugin_entry* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(lib, "assetflow_plugin_entry"));
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const std::string items = text.str();
  const std::string config = std::string("{\"width\":") + argv[2] + ",\"height\":" + argv[3] + "}";
  std::string png;
  std::vector<double> times;
  for (int i = 0; i < std::max(repeat, 0) + 1; ++i) {
    assetflow::testing::AssetRun run(entry(), "wordcloud_png");
    run.config(config);
    run.input("stories", items);
    auto start = std::chrono::steady_clock::now();
    assetflow::testing::Result r = run.materialize();
    auto stop = std::chrono::steady_clock::now();
    if (r.status != AF_OK) {
      std::cerr << "wordcloud_png failed: " << r.error << "\n";
      return 1;
    }
    if (i > 0) times.push_back(std::chrono::duration<double>(stop - start).count());  // run 0 warms up
    png = std::move(r.output);
  }
  std::ofstream(argv[4], std::ios::binary) << png;
  if (repeat > 0) {
    std::sort(times.begin(), times.end());
    std::size_t n = times.size();
    double median = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
    std::printf("%.6f\n", median);
  }
  return 0;
}
