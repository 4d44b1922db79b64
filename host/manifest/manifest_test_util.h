// Shared fixtures for the manifest tests: a small catalog with realistic config schemas.
#ifndef ASSETFLOW_HOST_MANIFEST_MANIFEST_TEST_UTIL_H_
#define ASSETFLOW_HOST_MANIFEST_MANIFEST_TEST_UTIL_H_

#include <map>
#include <optional>
#include <string>

#include "manifest/definitions.h"
#include "manifest/manifest_loader.h"

namespace af::testing {

inline TypeCatalog TestCatalog() {
  TypeCatalog c;
  c.assets["hackernews/top_stories"] = {R"({
      "type": "object",
      "properties": {
        "count": {"type": "integer", "minimum": 1, "maximum": 500, "default": 500},
        "concurrency": {"type": "integer", "minimum": 1, "default": 16,
                        "x-assetflow-no-version": true},
        "base_url": {"type": "string", "default": "https://hacker-news.firebaseio.com/v0"}
      },
      "additionalProperties": false})",
                                        "1", false, {"concurrency"}};
  c.assets["wordcloud/markdown_report"] = {R"({
      "type": "object",
      "properties": {
        "width": {"type": "integer", "minimum": 16, "default": 800},
        "height": {"type": "integer", "minimum": 16, "default": 800},
        "format": {"enum": ["png", "svg"], "default": "png"},
        "title": {"type": "string", "minLength": 1, "pattern": "^[A-Z]"},
        "extra_stopwords": {"type": "array", "items": {"type": "string"}, "default": []},
        "font": {"type": "object",
                 "properties": {"family": {"type": "string", "default": "DejaVu Sans"},
                                "size": {"type": "number", "default": 12}},
                 "additionalProperties": false}
      },
      "additionalProperties": false})",
                                           "3", false, {}};
  c.assets["examples/constant"] = {"", "7", false, {}};
  c.assets["examples/anything"] = {R"({"type": "object"})", "", false, {}};
  c.io_managers["fs_io/fs_io_manager"] = {R"({
      "type": "object",
      "properties": {"base_dir": {"type": "string", "default": "/tmp/af/storage"}},
      "additionalProperties": false})",
                                          ""};
  c.io_managers["fs_io/file_writer"] = {R"({
      "type": "object",
      "properties": {"path": {"type": "string", "minLength": 1}},
      "required": ["path"],
      "additionalProperties": false})",
                                        ""};
  return c;
}

inline ManifestLoader::EnvLookup MapEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A malformed manifest and the exact diagnostics it must produce.
struct ErrorCase {
  const char* name;
  const char* yaml;
  const char* expected;  // FormatDiagnostics of Parse, then (if it passed) Resolve
};

// Parses `yaml` as "m.yaml" (with ASSETFLOW_HOME=/home/af), resolves it against `catalog` if
// it parsed, and returns every diagnostic, formatted.
inline std::string Diagnose(const std::string& yaml, const TypeCatalog& catalog) {
  ManifestLoader loader(MapEnv({{"ASSETFLOW_HOME", "/home/af"}}));
  if (loader.ParseText(yaml, "m.yaml")) {
    Definitions defs;
    loader.Resolve(catalog, &defs);
  }
  return FormatDiagnostics(loader.diagnostics());
}

}  // namespace af::testing

#endif
