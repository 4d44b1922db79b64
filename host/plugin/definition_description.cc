#include "plugin/definition_description.h"

#include <assetflow/support/config_schema.hpp>

#include <algorithm>

#include "plugin/descriptor_fields.h"

namespace af {
namespace {

namespace rj = rapidjson;
namespace schema = assetflow::support;

std::string TypeText(const rj::Value& property) {
  const rj::Value* type = schema::Member(&property, "type");
  if (type == nullptr) return "";
  if (type->IsString()) return std::string(schema::NameOf(*type));
  std::string out;
  if (type->IsArray())
    for (const auto& t : type->GetArray())
      if (t.IsString()) out += (out.empty() ? "" : " or ") + std::string(schema::NameOf(t));
  return out;
}

// Fills the config part of `d` from its schema text. The registry refused unusable schemas at
// load, so the text parses.
void DescribeConfig(DefinitionDescription* d) {
  d->accepts_config = !d->config_schema.empty();
  if (!d->accepts_config) {
    d->defaults_json = "{}";
    return;
  }
  rj::Document doc;
  doc.Parse(d->config_schema.c_str(), d->config_schema.size());
  if (doc.HasParseError() || !doc.IsObject()) return;
  const rj::Value* closed = schema::Member(&doc, "additionalProperties");
  d->closed_config = closed && closed->IsBool() && !closed->GetBool();
  std::vector<std::string> required;
  if (const rj::Value* r = schema::Member(&doc, "required"); r && r->IsArray())
    for (const auto& name : r->GetArray())
      if (name.IsString()) required.emplace_back(schema::NameOf(name));
  const auto unversioned = UnversionedConfigKeys(d->config_schema);
  if (const rj::Value* props = schema::Member(&doc, "properties"); props && props->IsObject()) {
    for (const auto& p : props->GetObject()) {
      ConfigKeyDescription key;
      key.name = schema::NameOf(p.name);
      key.type = TypeText(p.value);
      if (const rj::Value* def = schema::Member(&p.value, "default")) key.default_json = schema::ToJson(*def);
      if (const rj::Value* text = schema::Member(&p.value, "description"); text && text->IsString())
        key.description = schema::NameOf(*text);
      key.required = std::find(required.begin(), required.end(), key.name) != required.end();
      key.unversioned = std::binary_search(unversioned.begin(), unversioned.end(), key.name);
      d->config_keys.push_back(std::move(key));
    }
  }
  rj::Document defaults(rj::kObjectType);
  schema::FillDefaults(doc, &defaults, defaults.GetAllocator());
  d->defaults_json = schema::SortedJson(defaults);
}

}  // namespace

std::optional<DefinitionDescription> DescribeDefinition(const PluginRegistry& registry,
                                                        const std::string& type) {
  const af_asset_descriptor* asset = registry.FindAsset(type);
  const af_io_manager_descriptor* io = asset ? nullptr : registry.FindIoManager(type);
  if (asset == nullptr && io == nullptr) return std::nullopt;
  DefinitionDescription d;
  d.type = type;
  const std::string plugin = type.substr(0, type.find('/'));
  for (const PluginInfo& p : registry.plugins()) {
    if (p.name != plugin) continue;
    d.plugin = p.name;
    d.plugin_version = p.version;
    d.plugin_file = p.path;
  }
  const TypeCatalog catalog = registry.Catalog();
  if (asset) {
    d.kind = DefinitionDescription::Kind::kAsset;
    d.description = OrEmpty(asset->description);
    d.code_version = OrEmpty(asset->code_version);
    d.output_media_type = OrEmpty(asset->output_media_type);
    d.config_schema = OrEmpty(asset->config_schema);
    d.observable = IsObservable(asset);
    d.inputs = catalog.assets.at(type).declared_inputs;
  } else {
    d.kind = DefinitionDescription::Kind::kIoManager;
    d.description = OrEmpty(io->description);
    d.config_schema = OrEmpty(io->config_schema);
    d.write_only = catalog.io_managers.at(type).write_only;
  }
  DescribeConfig(&d);
  return d;
}

std::vector<DefinitionDescription> DescribeAll(const PluginRegistry& registry) {
  std::vector<DefinitionDescription> out;
  for (const PluginInfo& p : registry.plugins()) {
    for (const std::string& a : p.asset_definitions)
      if (auto d = DescribeDefinition(registry, p.name + "/" + a)) out.push_back(std::move(*d));
    for (const std::string& m : p.io_manager_definitions)
      if (auto d = DescribeDefinition(registry, p.name + "/" + m)) out.push_back(std::move(*d));
  }
  return out;
}

}  // namespace af
