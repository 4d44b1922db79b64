// Manifest structure: walks a YamlDocument into asset and resource records, checking every
// key, value type, name and policy, but nothing that needs the plugins' TypeCatalog (types,
// config schemas) or other files (inputs, io_manager keys): ManifestLoader::Resolve does that.
// Internal to the manifest module.
#ifndef ASSETFLOW_HOST_MANIFEST_MANIFEST_PARSER_H_
#define ASSETFLOW_HOST_MANIFEST_MANIFEST_PARSER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "manifest/definitions.h"
#include "manifest/key_index.h"
#include "manifest/yaml_document.h"

namespace af {

// A `config:` entry; doc is null when the manifest gives none.
struct ConfigRef {
  const YamlDocument* doc = nullptr;
  YamlId key = 0;
  YamlId value = 0;
};

// What a manifest says about asset i beyond its definition (ParsedManifest::asset_defs[i]).
struct ParsedAsset {
  bool has_code_version = false;
  ConfigRef config;
  SourceLocation io_manager_location;  // of the value; line 0 when not given
};

struct ParsedResource {
  ResourceDef def;  // everything but config_json
  ConfigRef config;
};

// What every file parsed so far declares. Keys are unique across files: a duplicate is
// reported and dropped.
struct ParsedManifest {
  // Kept apart from `assets` (same index), so that a loader used once can sort and move them
  // into Definitions without a second copy: each is everything but config_json, and
  // code_version only if given.
  std::vector<AssetDef> asset_defs;
  std::vector<ParsedAsset> assets;
  std::vector<ParsedResource> resources;
  std::vector<std::string> plugin_dirs;  // absolute, normalized, first occurrence kept
  // The top-level `retry_policy:` (at most one across files): the policy of every asset that
  // has none of its own. Unset when absent or wrong; the location (of its key) is set as soon
  // as one is seen.
  // Shared, as it is, by those assets (AssetDef::retry_policy).
  std::shared_ptr<const RetryPolicy> default_retry_policy;
  SourceLocation default_retry_location;
  std::map<std::string, ScheduleDef> schedules;
  AlertSinks alerts;  // location.line != 0 once one is seen
  ExecutorDef executor;  // location.line != 0 once one is seen
  // Index in asset_defs / resources by key, while files are parsed (duplicates).
  KeyIndex asset_by_key;
  KeyIndex resource_by_key;
};

// Appends what `doc` declares to `out`; problems go to `diagnostics`. `doc` must outlive `out`.
void ParseManifestDocument(const YamlDocument& doc, ParsedManifest* out, Diagnostics* diagnostics);

// "a/b/c" with segments of [A-Za-z0-9_-]+ -> {"a","b","c"}; false if malformed.
bool SplitAssetKey(const std::string& key, std::vector<std::string>* segments);

}  // namespace af

#endif
