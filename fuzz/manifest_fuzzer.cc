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

namespace {

// A small catalog in the shape of the shipped plugins' types, so Resolve reaches the schema
// validator with the keywords the real schemas use (bounds, patterns, arrays, defaults).
const char kAssetSchema[] = R"json({
  "type": "object", "additionalProperties": false,
  "properties": {
    "base_url": {"type": "string", "pattern": "^https?://", "default": "http://x"},
    "count": {"type": "integer", "minimum": 1, "maximum": 500, "default": 5},
    "ratio": {"type": "number", "minimum": 0, "maximum": 1},
    "words": {"type": "array", "items": {"type": "string", "minLength": 1}},
    "mode": {"enum": ["a", "b"]},
    "nested": {"type": "object", "properties": {"k": {"type": "boolean"}}}
  }
})json";
const char kIoSchema[] = R"json({
  "type": "object", "additionalProperties": false,
  "properties": {"base_dir": {"type": "string", "default": "storage"},
                 "path": {"type": "string"}}
})json";

af::TypeCatalog MakeCatalog() {
  af::TypeCatalog c;
  c.assets["hackernews/top_stories"] = {kAssetSchema, "1", false, {"base_url"}};
  c.assets["wordcloud/wordcloud_png"] = {kAssetSchema, "1"};
  c.assets["examples/observed"] = {"", "1", true};
  c.io_managers["fs_io/fs_io_manager"] = {kIoSchema, "1"};
  c.io_managers["fs_io/file_writer"] = {kIoSchema, "1"};
  return c;
}

// A fixed environment: a set variable, an empty one, and everything else unset.
std::optional<std::string> Env(const std::string& name) {
  if (name == "ASSETFLOW_HOME") return std::string("/tmp/af-home");
  if (name == "EMPTY") return std::string();
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const af::TypeCatalog catalog = MakeCatalog();
  af::ManifestLoader loader(Env);
  std::string text(reinterpret_cast<const char*>(data), size);
  if (!loader.ParseText(text, "/fuzz/m.yaml")) return 0;
  (void)loader.PluginDirs();
  af::Definitions defs;
  if (!loader.Resolve(catalog, &defs)) return 0;
  (void)af::AssetGraph::Build(defs);
  return 0;
}
