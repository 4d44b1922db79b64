// Benchmark driver: renders a wordcloud with the built plugin module (dlopen, as the host does)
// through the SDK harness, so the timing covers JSON parsing, tokenizing, layout, rendering and
// PNG encoding, like Python's WordCloud(...).generate(text).to_image().save(...).
//
//   wordcloud_bench ITEMS.json WIDTH HEIGHT OUT.png [PLUGIN.so]
#include <assetflow/testing/harness.hpp>

#include <dlfcn.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: wordcloud_bench ITEMS.json WIDTH HEIGHT OUT.png [PLUGIN.so]\n";
    return 2;
  }
  const char* plugin = argc > 5 ? argv[5] : WORDCLOUD_PLUGIN_PATH;
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
  assetflow::testing::AssetRun run(entry(), "wordcloud_png");
  run.config(std::string("{\"width\":") + argv[2] + ",\"height\":" + argv[3] + "}");
  run.input("stories", text.str());
  assetflow::testing::Result r = run.materialize();
  if (r.status != AF_OK) {
    std::cerr << "wordcloud_png failed: " << r.error << "\n";
    return 1;
  }
  std::ofstream(argv[4], std::ios::binary) << r.output;
  return 0;
}
