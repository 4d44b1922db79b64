// Definitions: what the manifests say, after merging, expansion and validation. Produced by
// the manifest loader, read by the graph, planner and engine. Plain data, no behaviour.
#ifndef ASSETFLOW_HOST_MANIFEST_DEFINITIONS_H_
#define ASSETFLOW_HOST_MANIFEST_DEFINITIONS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/diagnostic.h"

namespace af {

// Dagster's RetryPolicy: delay before retry n (1-based) is
//   linear: n*delay; exponential: (2^n - 1)*delay; none: delay;
//   jitter full: random*computed; plus_minus: computed + (2*random - 1)*delay.
// A manifest's `retry_policy:` without `max_retries` means 1 (Dagster's default); this struct's
// own default, 0, is "no policy" (the executor's fallback).
struct RetryPolicy {
  enum class Backoff { kNone, kLinear, kExponential };
  enum class Jitter { kNone, kFull, kPlusMinus };
  int max_retries = 0;
  double delay_seconds = 0;
  Backoff backoff = Backoff::kNone;
  Jitter jitter = Jitter::kNone;
};

// Dagster's (legacy) FreshnessPolicy.
struct FreshnessPolicy {
  double maximum_lag_minutes = 0;
  std::string cron_schedule;  // empty = evaluated continuously
};

// A resource (today: an IO manager) instantiated from a plugin definition.
struct ResourceDef {
  std::string key;   // "io_manager", "hn_io_manager"
  std::string type;  // "<plugin>/<definition>"
  std::string config_json = "{}";  // validated against the definition's schema, defaults filled
  std::string description;
  SourceLocation location;         // of the resource's key
  SourceLocation type_location;
};

struct InputDef {
  std::string name;       // the name the plugin opens it by
  std::string asset_key;  // the upstream asset
  SourceLocation location;  // of the upstream key in the manifest
};

struct AssetDef {
  std::string key;                    // "a/b/c": segments of [A-Za-z0-9_-]
  std::vector<std::string> segments;  // {"a","b","c"}
  std::string type;                   // "<plugin>/<definition>"
  std::vector<InputDef> inputs;       // sorted by name
  std::string config_json = "{}";     // validated, defaults filled
  // Top-level config keys that cannot change the output (from the definition's schema, see
  // DefinitionInfo): left out of the config that is recorded, hashed and compared for
  // staleness (VersionedConfigJson in eventlog/hash.h). Sorted, unique.
  std::vector<std::string> unversioned_config_keys;
  std::string group = "default";
  std::map<std::string, std::string> tags;
  // `owners: [team:data, a@b.com]` and `kinds: [python, s3]`: strings, sorted and unique, as
  // Dagster's owners and kinds (selected by `owner:` and `kind:`).
  std::vector<std::string> owners;
  std::vector<std::string> kinds;
  std::string code_version;            // manifest's code_version, else the definition's, else ""
  std::string description;
  // Its own `retry_policy:`, else the manifests' top-level one, else none (no retries).
  std::optional<RetryPolicy> retry_policy;
  std::optional<FreshnessPolicy> freshness_policy;
  std::string io_manager_key = "io_manager";
  // Its definition is an observable source asset: it records a data version, stores nothing.
  bool observable = false;
  // Where the asset's steps run: `isolation: in_process | process`; kDefault leaves it to the
  // runner's choice.
  enum class Isolation { kDefault, kInProcess, kProcess };
  Isolation isolation = Isolation::kDefault;
  std::optional<double> timeout_seconds;  // `timeout: 30s` (a duration > 0); unset = no limit
  std::optional<int64_t> max_rss_mb;      // `max_rss_mb: 512` (> 0); unset = no limit
  SourceLocation location;       // of the asset's key
  SourceLocation type_location;
};

// Everything the manifests define. Assets are sorted by key; lookups by key go through
// `asset_index`.
struct Definitions {
  std::vector<AssetDef> assets;
  std::map<std::string, size_t> asset_index;
  std::map<std::string, ResourceDef> resources;
  std::vector<std::string> plugin_dirs;  // absolute, in manifest order
  std::vector<std::string> files;        // the manifest files read, in order

  const AssetDef* FindAsset(const std::string& key) const {
    auto it = asset_index.find(key);
    return it == asset_index.end() ? nullptr : &assets[it->second];
  }
};

// What the plugins offer, as the manifest loader needs it to validate types and config.
// Built by the plugin registry; the loader never sees plugin code.
// An input a definition declares (af_input_declaration).
struct DeclaredInput {
  std::string name;
  std::string description;
  bool optional = false;
};

struct DefinitionInfo {
  std::string config_schema;  // JSON Schema text; empty = no config allowed
  std::string code_version;
  bool observable = false;    // an observable source asset (AF_ASSET_OBSERVABLE)
  // The schema's top-level properties annotated "x-assetflow-no-version": true (sorted,
  // unique); the loader copies them to AssetDef::unversioned_config_keys.
  std::vector<std::string> unversioned_config_keys = {};
  // The inputs an asset definition declares (sorted by name); nullopt when it declares none
  // (an ABI 1.0 plugin): then any `inputs:` are accepted.
  std::optional<std::vector<DeclaredInput>> declared_inputs = std::nullopt;
  // An IO manager that stores but cannot load (AF_IO_MANAGER_WRITE_ONLY).
  bool write_only = false;
};
struct TypeCatalog {
  std::map<std::string, DefinitionInfo> assets;       // "<plugin>/<definition>"
  std::map<std::string, DefinitionInfo> io_managers;  // "<plugin>/<definition>"
};

}  // namespace af

#endif
