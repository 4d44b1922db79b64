// What `assetflow describe TYPE` and `assetflow plugins --verbose` show of a definition: its
// description, declared inputs, and config keys with types, defaults and descriptions, read
// from the loaded plugin (its descriptor and its JSON Schema) and nothing else.
#ifndef ASSETFLOW_HOST_PLUGIN_DEFINITION_DESCRIPTION_H_
#define ASSETFLOW_HOST_PLUGIN_DEFINITION_DESCRIPTION_H_

#include <optional>
#include <string>
#include <vector>

#include "manifest/definitions.h"
#include "plugin/plugin_registry.h"

namespace af {

// One top-level property of a definition's config schema.
struct ConfigKeyDescription {
  std::string name;
  std::string type;          // the schema's "type" ("integer", "string or null"); "" if none
  std::string default_json;  // the default as JSON; "" when there is none
  std::string description;
  bool required = false;
  bool unversioned = false;  // "x-assetflow-no-version": true
};

struct DefinitionDescription {
  std::string type;  // "<plugin>/<definition>"
  enum class Kind { kAsset, kIoManager } kind = Kind::kAsset;
  std::string plugin, plugin_version, plugin_file;
  std::string description, code_version, output_media_type;
  bool observable = false;  // assets: AF_ASSET_OBSERVABLE
  bool write_only = false;  // IO managers: AF_IO_MANAGER_WRITE_ONLY
  // nullopt: the definition does not declare its inputs (any `inputs:` accepted).
  std::optional<std::vector<DeclaredInput>> inputs;
  bool accepts_config = false;  // false: the definition takes no config at all
  bool closed_config = false;   // additionalProperties: false (unknown keys refused)
  std::string config_schema;    // the schema's text, as the plugin gave it
  std::string defaults_json;    // the config an empty `config:` becomes (defaults filled)
  std::vector<ConfigKeyDescription> config_keys;  // in schema order
};

// The description of `type`, or nullopt when no loaded plugin offers it.
std::optional<DefinitionDescription> DescribeDefinition(const PluginRegistry& registry,
                                                        const std::string& type);

// Every definition the registry loaded, plugin by plugin, assets before IO managers.
std::vector<DefinitionDescription> DescribeAll(const PluginRegistry& registry);

}  // namespace af

#endif
