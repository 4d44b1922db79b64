// Fuzzes the manifest loader on one hand-edited file: YAML parse, structure checks, ${VAR}
// expansion, config validation against a JSON Schema, then the graph built from the result.
// Contract under test: any bytes give diagnostics or definitions, never a crash, a hang or an
// uncaught exception.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "graph/asset_graph.h"
#include "manifest/manifest_loader.h"
// The manifest tests' catalog: realistic config schemas (bounds, patterns, enums, arrays,
// nested objects, defaults), so Resolve reaches the schema validator.
#include "manifest/manifest_test_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const af::TypeCatalog catalog = af::testing::TestCatalog();
  // A fixed environment: a set variable, an empty one, everything else unset.
  af::ManifestLoader loader(af::testing::MapEnv({{"ASSETFLOW_HOME", "/home/af"}, {"EMPTY", ""}}));
  std::string text(reinterpret_cast<const char*>(data), size);
  if (!loader.ParseText(text, "/fuzz/m.yaml")) return 0;
  (void)loader.PluginDirs();
  af::Definitions defs;
  if (!loader.Resolve(catalog, &defs)) return 0;
  (void)af::AssetGraph::Build(defs);
  return 0;
}
