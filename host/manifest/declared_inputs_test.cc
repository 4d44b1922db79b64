// `inputs:` against the inputs a definition declares (ABI 1.1), and inputs read from an asset
// stored with a write-only IO manager: caught by the loader (so by `assetflow check`), before
// anything runs.
#include <doctest/doctest.h>

#include "manifest/manifest_test_util.h"

namespace af {
namespace {

TypeCatalog CatalogWithDeclarations() {
  TypeCatalog c = testing::TestCatalog();
  DefinitionInfo join;
  join.declared_inputs = std::vector<DeclaredInput>{{"left", "", false}, {"right", "", true}};
  c.assets["c/join"] = join;
  DefinitionInfo source;
  source.declared_inputs = std::vector<DeclaredInput>{};
  c.assets["c/source"] = source;
  c.io_managers["fs_io/file_writer"].write_only = true;
  return c;
}

TEST_CASE("declared inputs: a missing required input and an unknown one, with the nearest name") {
  const std::string yaml = R"(assets:
  a: {type: c/source}
  b:
    type: c/join
    inputs: {rigth: a}
  c:
    type: c/source
    inputs: {x: a}
)";
  CHECK(testing::Diagnose(yaml, CatalogWithDeclarations()) ==
        "m.yaml:3:3: error: asset 'b' lacks required input 'left' of c/join (add it under "
        "inputs:, e.g. `inputs: { left: <upstream asset> }`)\n"
        "m.yaml:5:21: error: unknown input 'rigth' for asset 'b' (c/join declares 'left' and "
        "'right') (did you mean 'right'?)\n"
        "m.yaml:8:17: error: unknown input 'x' for asset 'c' (c/source takes no inputs)\n");
}

TEST_CASE("declared inputs: optional ones may be left out; undeclared definitions accept any") {
  const std::string yaml = R"(assets:
  a: {type: c/source}
  b:
    type: c/join
    inputs: {left: a}
  c:
    type: examples/anything
    inputs: {whatever: a}
)";
  CHECK(testing::Diagnose(yaml, CatalogWithDeclarations()) == "");
}

TEST_CASE("an input read from a write-only IO manager is a warning, not an error") {
  ManifestLoader loader(testing::MapEnv({{"ASSETFLOW_HOME", "/home/af"}}));
  REQUIRE(loader.ParseText(R"(resources:
  report: {type: fs_io/file_writer, config: {path: out.md}}
assets:
  a: {type: c/source, io_manager: report}
  b:
    type: c/join
    inputs: {left: a}
)",
                           "m.yaml"));
  Definitions defs;
  CHECK(loader.Resolve(CatalogWithDeclarations(), &defs));
  REQUIRE(loader.diagnostics().size() == 1);
  const Diagnostic& d = loader.diagnostics()[0];
  CHECK(d.severity == Diagnostic::Severity::kWarning);
  CHECK(d.location.line == 7);
  CHECK(d.message ==
        "input 'left' of asset 'b' reads asset 'a', which is stored with write-only IO manager "
        "'report' (fs_io/file_writer): it is never loaded from storage, so materialize both in "
        "one run (or store 'a' with a readable IO manager)");
  CHECK(defs.assets.size() == 2);
}

}  // namespace
}  // namespace af
