// Benchmark driver for bench/hn_extract.sh: materializes hackernews/top_stories from the built
// plugin through the SDK harness (the same entry and config the host would use, minus the event
// log and IO manager), so the extract itself is timed without process start and plugin loading.
//
// usage: hn_extract_driver PLUGIN.so CONFIG.json EXPECTED_STORIES [REPEAT]
// Exits 0 only if every materialization succeeded with EXPECTED_STORIES rows; output is
// discarded. With REPEAT, materializes REPEAT + 1 times (the first is a warm-up: DNS, page
// cache) and prints the median wall time of the others in seconds; each one builds its own
// fetcher, so each opens its connections as a real run does.
#include <assetflow/testing/harness.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: %s PLUGIN.so CONFIG.json EXPECTED_STORIES [REPEAT]\n", argv[0]);
    return 2;
  }
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  auto entry = lib ? reinterpret_cast<af_plugin_entry_fn>(dlsym(lib, "assetflow_plugin_entry")) : nullptr;
  if (!entry) {
    std::fprintf(stderr, "cannot load %s: %s\n", argv[1], dlerror());
    return 2;
  }
  std::ifstream in(argv[2]);
  std::stringstream config;
  config << in.rdbuf();
  const int repeat = argc == 5 ? std::atoi(argv[4]) : 0;
  std::vector<double> seconds;
  for (int i = 0; i <= repeat; ++i) {
    assetflow::testing::AssetRun run(entry(), "top_stories");
    run.config(config.str());
    const auto t0 = std::chrono::steady_clock::now();
    auto r = run.materialize();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
    const auto* stories = r.find("stories");
    if (r.status != AF_OK || !stories || stories->value != argv[3]) {
      std::fprintf(stderr, "top_stories failed (status %d): %s; stories=%s\n", r.status,
                   r.error.c_str(), stories ? stories->value.c_str() : "?");
      return 1;
    }
    if (i > 0) seconds.push_back(took.count());
  }
  if (repeat > 0) {
    std::sort(seconds.begin(), seconds.end());
    const std::size_t n = seconds.size();
    std::printf("%.6f\n", n % 2 ? seconds[n / 2] : (seconds[n / 2 - 1] + seconds[n / 2]) / 2);
  }
  return 0;
}
