// Fuzzes asset selections (`materialize --select`, `status`): both grammars' parsers and the
// evaluation against a small graph with groups, tags, owners, kinds and multi-segment keys.
// Contract under test: any text is a selection or an InvalidArgument, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "graph/asset_graph.h"
#include "graph/selection.h"
#include "graph/selection_parser.h"
#include "graph/test_definitions.h"

namespace {

// The graph keeps a pointer to its Definitions: both live for the whole run.
af::AssetGraph MakeGraph() {
  using af::testing::TestAsset;
  static const af::Definitions defs = af::testing::MakeDefinitions({
      TestAsset{.key = "raw", .group = "ingest", .tags = {{"stage", "extract"}}},
      TestAsset{.key = "a/b/c", .inputs = {"raw"}, .owners = {"team:data"}},
      TestAsset{.key = "clean", .inputs = {"raw"}, .kinds = {"python"}},
      TestAsset{.key = "report", .inputs = {"a/b/c", "clean"}, .tags = {{"k", ""}}},
  });
  auto graph = af::AssetGraph::Build(defs);
  if (!graph.ok()) __builtin_trap();  // the fixture itself is wrong
  return std::move(graph.value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const af::AssetGraph graph = MakeGraph();
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)af::selection::ParseExpression(text);
  (void)af::selection::ParseLegacy(text);
  af::selection::Node node;
  (void)af::selection::ParseLegacyTag(text, &node);
  (void)af::selection::LooksLegacy(text);
  (void)af::SelectAssets(graph, text);
  return 0;
}
