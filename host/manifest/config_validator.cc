#include "manifest/config_validator.h"

#include <assetflow/cpp/json.hpp>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include "common/redact.h"

namespace af {

namespace rj = rapidjson;

struct ConfigValidator::Compiled {
  rj::Document schema;  // kept to read keywords (maximum, properties, ...) for messages
  std::unique_ptr<rj::SchemaDocument> schema_doc;
  std::unique_ptr<rj::SchemaValidator> validator;  // reused: Reset() is cheaper than building
  std::string error;       // why the schema text is unusable; empty when fine
  bool no_config = false;  // empty schema text: the definition takes no config
};

namespace {

using Allocator = rj::Document::AllocatorType;
using PointerToken = rj::Pointer::Token;

std::string_view NameOf(const rj::Value& v) { return {v.GetString(), v.GetStringLength()}; }

std::string ToJson(const rj::Value& v) {
  rj::StringBuffer buffer;
  rj::Writer<rj::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Objects with their keys in byte order, so equal configs serialize (and hash) equally.
void WriteSorted(const rj::Value& v, rj::Writer<rj::StringBuffer>* w) {
  if (v.IsObject()) {
    std::vector<const rj::Value::Member*> members;
    for (const auto& m : v.GetObject()) members.push_back(&m);
    std::sort(members.begin(), members.end(),
              [](auto* a, auto* b) { return NameOf(a->name) < NameOf(b->name); });
    w->StartObject();
    for (auto* m : members) {
      w->Key(m->name.GetString(), m->name.GetStringLength());
      WriteSorted(m->value, w);
    }
    w->EndObject();
  } else if (v.IsArray()) {
    w->StartArray();
    for (const auto& item : v.GetArray()) WriteSorted(item, w);
    w->EndArray();
  } else {
    v.Accept(*w);
  }
}

// Fills missing properties' `default`s, recursing into nested objects. An absent nested
// object without a default of its own is created when its defaults make it non-empty and it
// requires nothing, as Dagster fills an optional shape: a plugin can then rely on every
// default being present.
void FillDefaults(const rj::Value& schema, rj::Value* instance, Allocator& a) {
  if (!schema.IsObject() || !instance->IsObject()) return;
  auto props = schema.FindMember("properties");
  if (props == schema.MemberEnd() || !props->value.IsObject()) return;
  for (const auto& p : props->value.GetObject()) {
    auto member = instance->FindMember(p.name);
    if (member != instance->MemberEnd()) {
      FillDefaults(p.value, &member->value, a);
      continue;
    }
    if (!p.value.IsObject()) continue;
    auto def = p.value.FindMember("default");
    if (def != p.value.MemberEnd()) {
      instance->AddMember(rj::Value(p.name, a), rj::Value(def->value, a), a);
    } else if (p.value.HasMember("properties") && !p.value.HasMember("required")) {
      rj::Value nested(rj::kObjectType);
      FillDefaults(p.value, &nested, a);
      if (nested.MemberCount() > 0) instance->AddMember(rj::Value(p.name, a), nested, a);
    }
  }
}

std::string JsonTypeName(const rj::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "boolean";
  if (v.IsObject()) return "object";
  if (v.IsArray()) return "array";
  if (v.IsString()) return "string";
  return v.IsDouble() ? "number" : "integer";
}

// A scalar for a message: strings quoted, everything else as JSON.
std::string Shown(const rj::Value& v) {
  return v.IsString() ? "'" + std::string(NameOf(v)) + "'" : ToJson(v);
}

// "a.b[2]" for the pointer /a/b/2 (the first `count` tokens).
std::string DisplayPath(const PointerToken* tokens, size_t count) {
  std::string path;
  for (size_t i = 0; i < count; ++i) {
    if (tokens[i].index != rj::kPointerInvalidIndex) {
      path += "[" + std::to_string(tokens[i].index) + "]";
    } else {
      if (!path.empty()) path += ".";
      path.append(tokens[i].name, tokens[i].length);
    }
  }
  return path;
}

const rj::Value* Member(const rj::Value* v, const char* name) {
  if (v == nullptr || !v->IsObject()) return nullptr;
  auto it = v->FindMember(name);
  return it == v->MemberEnd() ? nullptr : &it->value;
}

// Converts YAML config to JSON: plain scalars typed by the core schema, quoted ones strings.
class YamlToJson {
 public:
  YamlToJson(const ConfigSite& site, Diagnostics* diagnostics)
      : site_(site), doc_(*site.doc), diagnostics_(diagnostics) {}

  bool Convert(YamlId id, rj::Value* out, Allocator& a) {
    const YamlNode& n = doc_.node(id);
    switch (n.kind) {
      case YamlNode::Kind::kNull:
        out->SetNull();
        return true;
      case YamlNode::Kind::kScalar:
        // Plugins read integers as int64 (config_get_int): a larger one would pass the schema
        // and then fail every run.
        if (n.plain && ResolvePlainScalar(n.value).kind == PlainScalar::Kind::kUint)
          return Fail(id, "integer " + n.value +
                              " is out of range (config integers are 64-bit signed: at most "
                              "9223372036854775807)");
        SetScalar(n, out, a);
        return true;
      case YamlNode::Kind::kSequence:
        out->SetArray();
        for (YamlId child : doc_.children(id)) {
          rj::Value item;
          if (!Convert(child, &item, a)) return false;
          out->PushBack(item, a);
        }
        return true;
      case YamlNode::Kind::kMap: {
        out->SetObject();
        std::span<const YamlId> c = doc_.children(id);
        for (size_t i = 0; i + 1 < c.size(); i += 2) {
          const YamlNode& key = doc_.node(c[i]);
          if (key.kind == YamlNode::Kind::kSequence || key.kind == YamlNode::Kind::kMap)
            return Fail(c[i], "config keys must be strings, not " + doc_.KindName(c[i]));
          for (size_t j = 0; j < i; j += 2) {
            if (doc_.node(c[j]).value == key.value)
              return Fail(c[i], "duplicate config key '" + key.value + "' (first at " +
                                    doc_.Location(c[j]).ToString() + ")");
          }
          rj::Value value;
          if (!Convert(c[i + 1], &value, a)) return false;
          out->AddMember(rj::Value(key.value.data(), key.value.size(), a), value, a);
        }
        return true;
      }
    }
    return true;
  }

 private:
  static void SetScalar(const YamlNode& n, rj::Value* out, Allocator& a) {
    if (!n.plain) {
      out->SetString(n.value.data(), n.value.size(), a);
      return;
    }
    PlainScalar s = ResolvePlainScalar(n.value);
    switch (s.kind) {
      case PlainScalar::Kind::kNull:
        out->SetNull();
        break;
      case PlainScalar::Kind::kBool:
        out->SetBool(s.b);
        break;
      case PlainScalar::Kind::kInt:
        out->SetInt64(s.i);
        break;
      case PlainScalar::Kind::kUint:
        out->SetUint64(s.u);
        break;
      case PlainScalar::Kind::kDouble:
        out->SetDouble(s.d);
        break;
      case PlainScalar::Kind::kString:
        out->SetString(n.value.data(), n.value.size(), a);
        break;
    }
  }

  bool Fail(YamlId at, const std::string& message) {
    diagnostics_->push_back(
        {doc_.Location(at), message + " for " + site_.owner_name + " (" + site_.type + ")", ""});
    return false;
  }

  const ConfigSite& site_;
  const YamlDocument& doc_;
  Diagnostics* diagnostics_;
};

// Turns the validator's first violation into a Diagnostic at the offending YAML node.
class ErrorReporter {
 public:
  // The values under `secret_keys` (top-level) are never quoted.
  ErrorReporter(const ConfigSite& site, const rj::Value& instance,
                const std::vector<std::string>& secret_keys)
      : site_(site), instance_(instance), secret_keys_(secret_keys) {}

  Diagnostic Report(const rj::SchemaValidator& v, const rj::Document& schema) const {
    std::string keyword = v.GetInvalidSchemaKeyword();
    const rj::Value* sub = v.GetInvalidSchemaPointer().Get(schema);
    const auto& pointer = v.GetInvalidDocumentPointer();
    const PointerToken* tokens = pointer.GetTokens();
    size_t count = pointer.GetTokenCount();
    const rj::Value* value = pointer.Get(instance_);
    const rj::Value* limit = Member(sub, keyword.c_str());

    Diagnostic d;
    d.location = Where(tokens, count, /*at_key=*/false);
    const bool secret =
        count > 0 && std::find(secret_keys_.begin(), secret_keys_.end(),
                               std::string(tokens[0].name, tokens[0].length)) != secret_keys_.end();
    // A secret's value is named, never shown; any other value is shown with URL credentials
    // masked (RedactUrls below).
    auto ShownValue = [&](const rj::Value& v) { return secret ? std::string("the secret value") : Shown(v); };
    auto JsonValue = [&](const rj::Value& v) { return secret ? std::string("the secret value") : ToJson(v); };
    std::string what;
    if (keyword == "additionalProperties" && count > 0) {
      // RapidJSON's pointer already includes the key it refused.
      std::string name(tokens[count - 1].name, tokens[count - 1].length);
      d.location = Where(tokens, count, /*at_key=*/true);
      count -= 1;
      what = "unknown key '" + name + "'";
      if (const rj::Value* props = Member(sub, "properties"); props && props->IsObject()) {
        std::vector<std::string> names;
        for (const auto& p : props->GetObject()) names.emplace_back(NameOf(p.name));
        d.suggestion = NearestName(name, names);
      }
    } else if (keyword == "required" && limit && limit->IsArray() && value) {
      d.location = Where(tokens, count, /*at_key=*/true);
      what = "missing required key";
      for (const auto& r : limit->GetArray()) {
        if (r.IsString() && value->IsObject() && !value->HasMember(r)) {
          what += " '" + std::string(NameOf(r)) + "'";
          break;
        }
      }
    } else if (keyword == "type" && limit && value) {
      std::string expected;
      if (limit->IsArray()) {
        for (const auto& t : limit->GetArray())
          expected += (expected.empty() ? "" : " or ") + std::string(NameOf(t));
      } else {
        expected = NameOf(*limit);
      }
      what = "expected " + expected + ", got " + JsonTypeName(*value);
    } else if ((keyword == "maximum" || keyword == "minimum") && limit && value) {
      bool max = keyword == "maximum";
      const rj::Value* exclusive = Member(sub, max ? "exclusiveMaximum" : "exclusiveMinimum");
      bool strict = exclusive && exclusive->IsBool() && exclusive->GetBool();
      what =
          JsonValue(*value) + " is " +
          (max ? (strict ? "not less than the exclusive maximum " : "greater than the maximum ")
               : (strict ? "not greater than the exclusive minimum " : "less than the minimum ")) +
          ToJson(*limit);
    } else if (keyword == "multipleOf" && limit && value) {
      what = JsonValue(*value) + " is not a multiple of " + ToJson(*limit);
    } else if ((keyword == "maxLength" || keyword == "minLength") && limit && value) {
      what = ShownValue(*value) + " is " + (keyword == "maxLength" ? "longer" : "shorter") +
             " than the " + (keyword == "maxLength" ? "maximum" : "minimum") + " length " +
             ToJson(*limit);
    } else if (keyword == "pattern" && limit && value) {
      what = ShownValue(*value) + " does not match the pattern " + Shown(*limit);
    } else if (keyword == "enum" && limit && limit->IsArray() && value) {
      std::vector<std::string> names;
      std::string allowed;
      for (const auto& e : limit->GetArray()) {
        allowed += (allowed.empty() ? "" : ", ") + Shown(e);
        if (e.IsString()) names.emplace_back(NameOf(e));
      }
      what = ShownValue(*value) + " is not one of " + allowed;
      if (value->IsString()) d.suggestion = NearestName(std::string(NameOf(*value)), names);
    } else if ((keyword == "maxItems" || keyword == "minItems") && limit && value &&
               value->IsArray()) {
      what = "has " + std::to_string(value->Size()) + " items, " +
             (keyword == "maxItems" ? "more than the maximum " : "fewer than the minimum ") +
             ToJson(*limit);
    } else if ((keyword == "maxProperties" || keyword == "minProperties") && limit && value &&
               value->IsObject()) {
      d.location = Where(tokens, count, /*at_key=*/true);
      what = "has " + std::to_string(value->MemberCount()) + " keys, " +
             (keyword == "maxProperties" ? "more than the maximum " : "fewer than the minimum ") +
             ToJson(*limit);
    } else if (keyword == "uniqueItems") {
      what = "has duplicate items";
    } else {
      what = "does not match the schema ('" + keyword + "')";
    }
    std::string path = DisplayPath(tokens, count);
    d.message = RedactUrls((path.empty() ? "config: " : "config '" + path + "': ") + what +
                           " for " + site_.owner_name + " (" + site_.type + ")");
    return d;
  }

 private:
  // The YAML node a pointer names: its value, or with `at_key` the key that holds it (the
  // `config:` key itself for the root). Without YAML config, the owner's key.
  SourceLocation Where(const PointerToken* tokens, size_t count, bool at_key) const {
    if (site_.doc == nullptr) return site_.owner;
    const YamlDocument& doc = *site_.doc;
    YamlId key = site_.key, node = site_.value;
    bool via_key = true;
    for (size_t t = 0; t < count; ++t) {
      const YamlNode& n = doc.node(node);
      std::span<const YamlId> c = doc.children(node);
      std::string_view name(tokens[t].name, tokens[t].length);
      bool found = false;
      if (n.IsMap()) {
        for (size_t i = 0; i + 1 < c.size() && !found; i += 2) {
          if (doc.node(c[i]).value == name) {
            key = c[i];
            node = c[i + 1];
            via_key = found = true;
          }
        }
      } else if (n.kind == YamlNode::Kind::kSequence && tokens[t].index < c.size()) {
        node = c[tokens[t].index];
        via_key = false;
        found = true;
      }
      if (!found) break;  // a default-filled value: report at its nearest ancestor
    }
    return doc.Location(at_key && via_key ? key : node);
  }

  const ConfigSite& site_;
  const rj::Value& instance_;
  const std::vector<std::string>& secret_keys_;
};

// RapidJSON 1.1 stops at the first violation. To report more than one, a member that failed
// (a bad value, or a key the schema does not allow) is removed and the rest validated again.
// Object-level violations (a missing key, too few keys) end it: after a removal they may be
// echoes of it, as a compiler stops at a cascade.
bool Exhaust(rj::SchemaValidator* validator, const rj::Document& schema, const ConfigSite& site,
             const std::vector<std::string>& secret_keys, rj::Document* instance,
             Diagnostics* diagnostics) {
  constexpr int kMaxErrors = 8;
  bool valid = true;
  for (int round = 0; round < kMaxErrors; ++round) {
    validator->Reset();
    if (instance->Accept(*validator)) break;
    valid = false;
    std::string keyword = validator->GetInvalidSchemaKeyword();
    bool object_level = keyword == "required" || keyword == "minProperties" ||
                        keyword == "maxProperties" || keyword == "dependencies";
    if (round > 0 && object_level) break;
    diagnostics->push_back(ErrorReporter(site, *instance, secret_keys).Report(*validator, schema));
    const auto& pointer = validator->GetInvalidDocumentPointer();
    size_t count = pointer.GetTokenCount();
    if (object_level || count == 0) break;
    rj::Pointer parent_pointer(pointer.GetTokens(), count - 1);
    rj::Value* parent = parent_pointer.Get(*instance);
    const PointerToken& last = pointer.GetTokens()[count - 1];
    if (parent == nullptr || !parent->IsObject() ||
        !parent->EraseMember(rj::StringRef(last.name, last.length)))
      break;  // array items would shift the positions of later errors: stop there
  }
  return valid;
}

}  // namespace

ConfigValidator::ConfigValidator() = default;
ConfigValidator::~ConfigValidator() = default;

ConfigValidator::Compiled* ConfigValidator::Compile(const DefinitionInfo& info) {
  auto& slot = cache_[&info];
  if (slot) return slot.get();
  slot = std::make_unique<Compiled>();
  Compiled* c = slot.get();
  if (info.config_schema.empty()) {
    c->no_config = true;
    return c;
  }
  std::string parse_error;
  if (!assetflow::ParseJson(c->schema, info.config_schema, &parse_error)) {
    c->error = "invalid JSON: " + parse_error;
    return c;
  }
  if (!c->schema.IsObject()) {
    c->error = "not a JSON object";
    return c;
  }
  c->schema_doc = std::make_unique<rj::SchemaDocument>(c->schema);
  c->validator = std::make_unique<rj::SchemaValidator>(*c->schema_doc);
  return c;
}

std::optional<std::string> ConfigValidator::Validate(const DefinitionInfo& info,
                                                     const ConfigSite& site,
                                                     Diagnostics* diagnostics) {
  Compiled* c = Compile(info);
  const std::string suffix = " for " + site.owner_name + " (" + site.type + ")";
  bool has_config = site.doc && !site.doc->children(site.value).empty();
  SourceLocation config_at = site.doc ? site.doc->Location(site.key) : site.owner;
  if (c->no_config) {
    if (!has_config) return "{}";
    diagnostics->push_back({config_at, "config: no config is accepted" + suffix, ""});
    return std::nullopt;
  }
  if (!c->error.empty()) {
    diagnostics->push_back(
        {site.owner, "the definition's config schema is unusable (" + c->error + ")" + suffix, ""});
    return std::nullopt;
  }

  // A pool on the stack: the default allocator takes a 64 KiB chunk per document, which for
  // 10,000 small configs is mostly page faults.
  char pool[4096];
  rj::MemoryPoolAllocator<> allocator(pool, sizeof(pool));
  rj::Document instance(&allocator);
  instance.SetObject();
  if (has_config &&
      !YamlToJson(site, diagnostics).Convert(site.value, &instance, instance.GetAllocator()))
    return std::nullopt;
  if (!Exhaust(c->validator.get(), c->schema, site, info.secret_config_keys, &instance, diagnostics))
    return std::nullopt;
  FillDefaults(c->schema, &instance, instance.GetAllocator());
  rj::StringBuffer buffer;
  rj::Writer<rj::StringBuffer> writer(buffer);
  WriteSorted(instance, &writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace af
