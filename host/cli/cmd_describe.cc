// `assetflow describe TYPE [--json]`: one definition as a plugin author declared it (what it
// does, its inputs, its config keys with types and defaults, the full JSON Schema), so an
// option can be found from the CLI. `assetflow plugins --verbose` prints the same for every
// definition (PrintDefinitions, called from cmd_inspect.cc).
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "common/json_field.h"
#include "cli/describe.h"
#include "plugin/definition_description.h"

namespace af {

namespace {

using JsonWriter = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

const char* KindName(const DefinitionDescription& d) {
  return d.kind == DefinitionDescription::Kind::kAsset ? "asset" : "io_manager";
}

void WriteRawJson(JsonWriter& w, const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError()) {
    w.Null();
  } else {
    doc.Accept(w);
  }
}

void WriteJson(JsonWriter& w, const DefinitionDescription& d) {
  w.StartObject();
  JsonField(w, "type", d.type);
  JsonField(w, "kind", KindName(d));
  JsonField(w, "plugin", d.plugin);
  JsonField(w, "plugin_version", d.plugin_version);
  JsonField(w, "plugin_file", d.plugin_file);
  JsonField(w, "description", d.description);
  if (d.kind == DefinitionDescription::Kind::kAsset) {
    JsonField(w, "code_version", d.code_version);
    JsonField(w, "output_media_type", d.output_media_type);
    w.Key("observable");
    w.Bool(d.observable);
    w.Key("inputs");
    if (!d.inputs) {
      w.Null();  // undeclared: any inputs accepted
    } else {
      w.StartArray();
      for (const DeclaredInput& in : *d.inputs) {
        w.StartObject();
        JsonField(w, "name", in.name);
        JsonField(w, "description", in.description);
        w.Key("optional");
        w.Bool(in.optional);
        w.EndObject();
      }
      w.EndArray();
    }
  } else {
    w.Key("write_only");
    w.Bool(d.write_only);
  }
  w.Key("accepts_config");
  w.Bool(d.accepts_config);
  w.Key("config");
  w.StartArray();
  for (const ConfigKeyDescription& k : d.config_keys) {
    w.StartObject();
    JsonField(w, "name", k.name);
    JsonField(w, "type", k.type);
    w.Key("default");
    if (k.default_json.empty()) {
      w.Null();
    } else {
      WriteRawJson(w, k.default_json);
    }
    JsonField(w, "description", k.description);
    w.Key("required");
    w.Bool(k.required);
    w.Key("versioned");
    w.Bool(!k.unversioned);
    w.EndObject();
  }
  w.EndArray();
  w.Key("defaults");
  WriteRawJson(w, d.defaults_json);
  w.Key("config_schema");
  if (d.config_schema.empty()) {
    w.Null();
  } else {
    WriteRawJson(w, d.config_schema);
  }
  w.EndObject();
}

std::string Text(const DefinitionDescription& d) {
  std::ostringstream out;
  out << d.type << "  (" << (d.kind == DefinitionDescription::Kind::kAsset ? "asset" : "IO manager")
      << (d.observable ? ", observable source" : "") << (d.write_only ? ", write-only" : "")
      << ")\n";
  if (!d.description.empty()) out << "  " << d.description << "\n";
  out << "  plugin: " << d.plugin << " " << d.plugin_version << " (" << d.plugin_file << ")\n";
  if (!d.code_version.empty()) out << "  code version: " << d.code_version << "\n";
  if (!d.output_media_type.empty()) out << "  output: " << d.output_media_type << "\n";
  if (d.kind == DefinitionDescription::Kind::kAsset) {
    if (!d.inputs) {
      out << "  inputs: not declared (any)\n";
    } else if (d.inputs->empty()) {
      out << "  inputs: none\n";
    } else {
      out << "  inputs:\n";
      for (const DeclaredInput& in : *d.inputs)
        out << "    " << in.name << (in.optional ? " (optional)" : " (required)")
            << (in.description.empty() ? "" : "  " + in.description) << "\n";
    }
  }
  if (!d.accepts_config) {
    out << "  config: none accepted\n";
    return out.str();
  }
  out << "  config" << (d.closed_config ? " (no other keys)" : "") << ":\n";
  if (d.config_keys.empty()) out << "    (no keys declared)\n";
  for (const ConfigKeyDescription& k : d.config_keys) {
    out << "    " << k.name << ": " << (k.type.empty() ? "any" : k.type)
        << (k.required ? ", required" : "")
        << (k.default_json.empty() ? "" : ", default " + k.default_json)
        << (k.unversioned ? ", not versioned" : "") << "\n";
    if (!k.description.empty()) out << "      " << k.description << "\n";
  }
  out << "  defaults: " << d.defaults_json << "\n";
  return out.str();
}

}  // namespace

void PrintDefinitions(const std::vector<DefinitionDescription>& all, bool json, std::ostream& out) {
  if (json) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartArray();
    for (const DefinitionDescription& d : all) WriteJson(w, d);
    w.EndArray();
    out << buffer.GetString() << "\n";
    return;
  }
  std::string text;
  for (const DefinitionDescription& d : all) text += (text.empty() ? "" : "\n") + Text(d);
  out << text;
}

void AddDescribeCommand(CLI::App& app, const GlobalOptions* options, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "describe", "Show a definition: description, inputs, config keys with defaults");
  auto type = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("type", *type, "<plugin>/<definition>, as a manifest's type:")->required();
  cmd->add_flag("--json", *json, "Print JSON");
  cmd->callback([options, exit_code, type, json] {
    auto registry = LoadPlugins(options->plugin_dirs, {});
    std::optional<DefinitionDescription> d = DescribeDefinition(*registry, *type);
    if (!d) {
      std::vector<std::string> types;
      for (const DefinitionDescription& x : DescribeAll(*registry)) types.push_back(x.type);
      const std::string near = NearestName(*type, types);
      std::cerr << "error: no loaded plugin offers '" << *type << "'"
                << DidYouMean(near)
                << "; 'assetflow plugins' lists what is loaded\n";
      *exit_code = kExitUsage;
      return;
    }
    if (*json) {
      rapidjson::StringBuffer buffer;
      JsonWriter w(buffer);
      WriteJson(w, *d);
      std::cout << buffer.GetString() << "\n";
    } else {
      std::cout << Text(*d);
    }
  });
}

}  // namespace af
