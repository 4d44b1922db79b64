// Benchmark driver for bench/hn_extract.sh until `assetflow materialize` exists: materializes
// hackernews/top_stories from the built plugin through the SDK harness (the same entry and
// config the host would use, minus the event log and IO manager).
//
// usage: hn_extract_driver PLUGIN.so CONFIG.json EXPECTED_STORIES
// Exits 0 only if the asset succeeded with EXPECTED_STORIES rows; output is discarded.
#include <assetflow/testing/harness.hpp>

#include <dlfcn.h>

#include <cstdio>
#include <fstream>
#include <sstream>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s PLUGIN.so CONFIG.json EXPECTED_STORIES\n", argv[0]);
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
  assetflow::testing::AssetRun run(entry(), "top_stories");
  run.config(config.str());
  auto r = run.materialize();
  const auto* stories = r.find("stories");
  if (r.status != AF_OK || !stories || stories->value != argv[3]) {
    std::fprintf(stderr, "top_stories failed (status %d): %s; stories=%s\n", r.status,
                 r.error.c_str(), stories ? stories->value.c_str() : "?");
    return 1;
  }
  return 0;
}
