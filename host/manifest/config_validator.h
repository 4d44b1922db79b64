// ConfigValidator: turns a manifest's `config:` mapping into JSON, validates it with
// RapidJSON's schema validator against the definition's JSON Schema, maps the validator's
// error back to the YAML node's file:line:col, fills schema defaults and returns canonical
// JSON (object keys sorted, so equal configs hash equally). Internal to the manifest module.
//
// Compiled schemas are cached per DefinitionInfo, so one validator must not outlive the
// TypeCatalog it was used with. Thread: one thread at a time.
#ifndef ASSETFLOW_HOST_MANIFEST_CONFIG_VALIDATOR_H_
#define ASSETFLOW_HOST_MANIFEST_CONFIG_VALIDATOR_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/diagnostic.h"
#include "manifest/definitions.h"
#include "manifest/yaml_document.h"

namespace af {

// Where a config comes from, for messages.
struct ConfigSite {
  const YamlDocument* doc = nullptr;  // null when the manifest gives no `config:`
  YamlId key = 0;                     // the `config` key node
  YamlId value = 0;                   // its value: a mapping or null
  SourceLocation owner;               // the asset's or resource's key
  std::string owner_name;             // "asset 'x'" or "resource 'y'"
  std::string type;                   // "<plugin>/<definition>"
};

class ConfigValidator {
 public:
  ConfigValidator();
  ~ConfigValidator();

  // Canonical JSON of the config with defaults filled, or nullopt after appending its
  // diagnostics (up to 8; see Exhaust in the .cc for how more than RapidJSON's first).
  std::optional<std::string> Validate(const DefinitionInfo& info, const ConfigSite& site,
                                      Diagnostics* diagnostics);

 private:
  struct Compiled;
  Compiled* Compile(const DefinitionInfo& info);
  std::map<const DefinitionInfo*, std::unique_ptr<Compiled>> cache_;
};

}  // namespace af

#endif
