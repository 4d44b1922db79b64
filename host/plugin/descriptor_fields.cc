#include "plugin/descriptor_fields.h"

#include <assetflow/cpp/json.hpp>
#include <assetflow/support/config_schema.hpp>

#include <algorithm>
#include <set>
#include <string_view>

#include "plugin/plugin_registry.h"

namespace af {

std::string OrEmpty(const char* s) { return s ? s : ""; }

bool IsValidName(const char* name) {
  if (name == nullptr || *name == '\0') return false;
  for (const char* p = name; *p; ++p) {
    const char c = *p;
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string NameError(const char* what, const char* name) {
  if (name == nullptr) return std::string(what) + " name is NULL";
  return std::string("invalid ") + what + " name '" + name +
         "' (allowed: one or more of A-Z a-z 0-9 _ -)";
}

std::optional<std::vector<DeclaredInput>> DeclaredInputsOf(const af_asset_descriptor* d) {
  if (d->struct_size < AF_END_OF(af_asset_descriptor, inputs) || d->inputs == nullptr)
    return std::nullopt;
  std::vector<DeclaredInput> out;
  for (uint32_t i = 0; i < d->input_count; ++i) {
    const af_input_declaration* in = d->inputs[i];
    DeclaredInput x;
    x.name = in->name;
    if (in->struct_size >= AF_END_OF(af_input_declaration, description))
      x.description = OrEmpty(in->description);
    if (in->struct_size >= AF_END_OF(af_input_declaration, flags))
      x.optional = (in->flags & AF_INPUT_OPTIONAL) != 0;
    out.push_back(std::move(x));
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

bool IsWriteOnly(const af_io_manager_descriptor* d) {
  return d->struct_size >= AF_END_OF(af_io_manager_descriptor, flags) &&
         (d->flags & AF_IO_MANAGER_WRITE_ONLY) != 0;
}

std::string CheckDeclaredInputs(const af_asset_descriptor* d) {
  if (d->struct_size < AF_END_OF(af_asset_descriptor, inputs) || d->inputs == nullptr) return "";
  std::set<std::string> seen;
  for (uint32_t i = 0; i < d->input_count; ++i) {
    const af_input_declaration* in = d->inputs[i];
    const std::string where = "declared input #" + std::to_string(i);
    if (in == nullptr) return where + " is NULL";
    if (in->struct_size < AF_END_OF(af_input_declaration, name))
      return where + ": struct_size " + std::to_string(in->struct_size) + " is too small";
    if (!IsValidName(in->name)) return where + ": " + NameError("input", in->name);
    if (!seen.insert(in->name).second) return "duplicate declared input '" + std::string(in->name) + "'";
  }
  return "";
}

std::string CheckConfigSchema(const char* schema_text) {
  if (schema_text == nullptr) return "";
  assetflow::support::Schema schema(schema_text);
  return schema.error().empty() ? "" : "config_schema is unusable: " + schema.error();
}

namespace {

// The top-level properties of `config_schema` for which `marked(property schema)` holds,
// sorted and unique.
template <class Marked>
std::vector<std::string> MarkedConfigKeys(const std::string& config_schema, Marked marked) {
  std::vector<std::string> keys;
  rapidjson::Document schema;
  if (!assetflow::ParseJson(schema, config_schema) || !schema.IsObject()) return keys;
  auto props = schema.FindMember("properties");
  if (props == schema.MemberEnd() || !props->value.IsObject()) return keys;
  for (const auto& p : props->value.GetObject()) {
    if (p.value.IsObject() && marked(p.value))
      keys.emplace_back(p.name.GetString(), p.name.GetStringLength());
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

bool IsTrue(const rapidjson::Value& property, const char* annotation) {
  auto mark = property.FindMember(annotation);
  return mark != property.MemberEnd() && mark->value.IsBool() && mark->value.GetBool();
}

}  // namespace

std::vector<std::string> UnversionedConfigKeys(const std::string& config_schema) {
  return MarkedConfigKeys(config_schema, [](const rapidjson::Value& p) {
    return IsTrue(p, kNoVersionAnnotation);
  });
}

std::vector<std::string> SecretConfigKeys(const std::string& config_schema) {
  return MarkedConfigKeys(config_schema, [](const rapidjson::Value& p) {
    auto format = p.FindMember("format");
    return IsTrue(p, kSecretAnnotation) || IsTrue(p, "writeOnly") ||
           (format != p.MemberEnd() && format->value.IsString() &&
            std::string_view(format->value.GetString()) == "password");
  });
}

bool IsObservable(const af_asset_descriptor* d) {
  return d->struct_size >= AF_END_OF(af_asset_descriptor, flags) &&
         (d->flags & AF_ASSET_OBSERVABLE) != 0;
}

}  // namespace af
