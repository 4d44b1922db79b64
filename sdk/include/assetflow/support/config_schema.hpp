// assetflow SDK: config schemas as the host applies them. Header-only C++17 over RapidJSON.
//
// One implementation, used by three callers so that they cannot disagree:
//   - the host's plugin registry, which refuses a plugin whose schema is unusable (CheckSchema);
//   - the host's manifest loader, which validates a manifest's `config:` (Schema::Validate),
//     maps each Violation to a file:line:col and fills defaults (FillDefaults, WriteSorted);
//   - the SDK test harness, which does the same to the config a unit test passes, so that
//     `{"bogus":1}` fails in a test exactly as it fails in `assetflow check`.
// Nothing here crosses the plugin ABI; it is compiled into each caller.
//
// Thread: a Schema validates on one thread at a time (it reuses one RapidJSON validator).
#ifndef ASSETFLOW_SUPPORT_CONFIG_SCHEMA_HPP
#define ASSETFLOW_SUPPORT_CONFIG_SCHEMA_HPP

#include <assetflow/cpp/json.hpp>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace assetflow {
namespace support {

namespace rj = rapidjson;

// JSON Schema draft 4's meta-schema (json-schema.org/draft-04/schema, the draft RapidJSON
// implements), without its "id"/"$schema" so that RapidJSON never resolves them remotely.
inline const char* MetaSchemaDraft04() {
  return R"({
  "definitions": {
    "schemaArray": {"type": "array", "minItems": 1, "items": {"$ref": "#"}},
    "positiveInteger": {"type": "integer", "minimum": 0},
    "positiveIntegerDefault0": {"allOf": [{"$ref": "#/definitions/positiveInteger"}, {"default": 0}]},
    "simpleTypes": {"enum": ["array", "boolean", "integer", "null", "number", "object", "string"]},
    "stringArray": {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": true}
  },
  "type": "object",
  "properties": {
    "id": {"type": "string"},
    "$schema": {"type": "string"},
    "title": {"type": "string"},
    "description": {"type": "string"},
    "default": {},
    "multipleOf": {"type": "number", "minimum": 0, "exclusiveMinimum": true},
    "maximum": {"type": "number"},
    "exclusiveMaximum": {"type": "boolean", "default": false},
    "minimum": {"type": "number"},
    "exclusiveMinimum": {"type": "boolean", "default": false},
    "maxLength": {"$ref": "#/definitions/positiveInteger"},
    "minLength": {"$ref": "#/definitions/positiveIntegerDefault0"},
    "pattern": {"type": "string", "format": "regex"},
    "additionalItems": {"anyOf": [{"type": "boolean"}, {"$ref": "#"}], "default": {}},
    "items": {"anyOf": [{"$ref": "#"}, {"$ref": "#/definitions/schemaArray"}], "default": {}},
    "maxItems": {"$ref": "#/definitions/positiveInteger"},
    "minItems": {"$ref": "#/definitions/positiveIntegerDefault0"},
    "uniqueItems": {"type": "boolean", "default": false},
    "maxProperties": {"$ref": "#/definitions/positiveInteger"},
    "minProperties": {"$ref": "#/definitions/positiveIntegerDefault0"},
    "required": {"$ref": "#/definitions/stringArray"},
    "additionalProperties": {"anyOf": [{"type": "boolean"}, {"$ref": "#"}], "default": {}},
    "definitions": {"type": "object", "additionalProperties": {"$ref": "#"}, "default": {}},
    "properties": {"type": "object", "additionalProperties": {"$ref": "#"}, "default": {}},
    "patternProperties": {"type": "object", "additionalProperties": {"$ref": "#"}, "default": {}},
    "dependencies": {"type": "object",
                     "additionalProperties": {"anyOf": [{"$ref": "#"}, {"$ref": "#/definitions/stringArray"}]}},
    "enum": {"type": "array", "minItems": 1, "uniqueItems": true},
    "type": {"anyOf": [{"$ref": "#/definitions/simpleTypes"},
                       {"type": "array", "items": {"$ref": "#/definitions/simpleTypes"},
                        "minItems": 1, "uniqueItems": true}]},
    "format": {"type": "string"},
    "allOf": {"$ref": "#/definitions/schemaArray"},
    "anyOf": {"$ref": "#/definitions/schemaArray"},
    "oneOf": {"$ref": "#/definitions/schemaArray"},
    "not": {"$ref": "#"}
  },
  "dependencies": {"exclusiveMaximum": ["maximum"], "exclusiveMinimum": ["minimum"]},
  "default": {}
})";
}

inline std::string_view NameOf(const rj::Value& v) { return {v.GetString(), v.GetStringLength()}; }

inline std::string ToJson(const rj::Value& v) {
  rj::StringBuffer buffer;
  rj::Writer<rj::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Objects with their keys in byte order, so equal configs serialize (and hash) equally.
inline void WriteSorted(const rj::Value& v, rj::Writer<rj::StringBuffer>* w) {
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

inline std::string SortedJson(const rj::Value& v) {
  rj::StringBuffer buffer;
  rj::Writer<rj::StringBuffer> writer(buffer);
  WriteSorted(v, &writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Fills missing properties' `default`s, recursing into nested objects. An absent nested
// object without a default of its own is created when its defaults make it non-empty and it
// requires nothing, as Dagster fills an optional shape: a plugin can then rely on every
// default being present.
template <class Allocator>
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

inline std::string JsonTypeName(const rj::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "boolean";
  if (v.IsObject()) return "object";
  if (v.IsArray()) return "array";
  if (v.IsString()) return "string";
  return v.IsDouble() ? "number" : "integer";
}

// A scalar for a message: strings quoted, everything else as JSON.
inline std::string Shown(const rj::Value& v) {
  return v.IsString() ? "'" + std::string(NameOf(v)) + "'" : ToJson(v);
}

// "a.b[2]" for the pointer /a/b/2 (the first `count` tokens).
inline std::string DisplayPath(const rj::Pointer::Token* tokens, size_t count) {
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

inline const rj::Value* Member(const rj::Value* v, const char* name) {
  if (v == nullptr || !v->IsObject()) return nullptr;
  auto it = v->FindMember(name);
  return it == v->MemberEnd() ? nullptr : &it->value;
}

// One way a config breaks its schema.
struct Violation {
  std::string keyword;    // the schema keyword that failed ("type", "additionalProperties")
  rj::Pointer pointer;    // the value it failed at (for additionalProperties: the unknown key)
  size_t path_tokens = 0; // how many of the pointer's tokens name the place in messages
  bool at_key = false;    // report at the key that holds the value rather than at the value
  std::string what;       // "expected integer, got string", "unknown key 'bogus'"
  // For a suggestion: the name that was wrong and the names that would have been right.
  std::string near;
  std::vector<std::string> candidates;

  std::string Path() const { return DisplayPath(pointer.GetTokens(), path_tokens); }
  // "config 'a.b': what" or "config: what".
  std::string Text() const {
    const std::string path = Path();
    return (path.empty() ? "config: " : "config '" + path + "': ") + what;
  }
};

// Describes the validator's current violation of `instance`.
inline Violation Describe(const rj::SchemaValidator& v, const rj::Document& schema,
                          const rj::Value& instance) {
  Violation out;
  out.keyword = v.GetInvalidSchemaKeyword();
  out.pointer = v.GetInvalidDocumentPointer();
  const std::string& keyword = out.keyword;
  const rj::Value* sub = v.GetInvalidSchemaPointer().Get(schema);
  const rj::Pointer::Token* tokens = out.pointer.GetTokens();
  size_t count = out.pointer.GetTokenCount();
  const rj::Value* value = out.pointer.Get(instance);
  const rj::Value* limit = Member(sub, keyword.c_str());
  std::string& what = out.what;
  if (keyword == "additionalProperties" && count > 0) {
    // RapidJSON's pointer already includes the key it refused.
    out.near.assign(tokens[count - 1].name, tokens[count - 1].length);
    out.at_key = true;
    count -= 1;
    what = "unknown key '" + out.near + "'";
    if (const rj::Value* props = Member(sub, "properties"); props && props->IsObject())
      for (const auto& p : props->GetObject()) out.candidates.emplace_back(NameOf(p.name));
  } else if (keyword == "required" && limit && limit->IsArray() && value) {
    out.at_key = true;
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
    what = ToJson(*value) + " is " +
           (max ? (strict ? "not less than the exclusive maximum " : "greater than the maximum ")
                : (strict ? "not greater than the exclusive minimum " : "less than the minimum ")) +
           ToJson(*limit);
  } else if (keyword == "multipleOf" && limit && value) {
    what = ToJson(*value) + " is not a multiple of " + ToJson(*limit);
  } else if ((keyword == "maxLength" || keyword == "minLength") && limit && value) {
    what = Shown(*value) + " is " + (keyword == "maxLength" ? "longer" : "shorter") +
           " than the " + (keyword == "maxLength" ? "maximum" : "minimum") + " length " +
           ToJson(*limit);
  } else if (keyword == "pattern" && limit && value) {
    what = Shown(*value) + " does not match the pattern " + Shown(*limit);
  } else if (keyword == "enum" && limit && limit->IsArray() && value) {
    std::string allowed;
    for (const auto& e : limit->GetArray()) {
      allowed += (allowed.empty() ? "" : ", ") + Shown(e);
      if (e.IsString() && value->IsString()) out.candidates.emplace_back(NameOf(e));
    }
    what = Shown(*value) + " is not one of " + allowed;
    if (value->IsString()) out.near = NameOf(*value);
  } else if ((keyword == "maxItems" || keyword == "minItems") && limit && value &&
             value->IsArray()) {
    what = "has " + std::to_string(value->Size()) + " items, " +
           (keyword == "maxItems" ? "more than the maximum " : "fewer than the minimum ") +
           ToJson(*limit);
  } else if ((keyword == "maxProperties" || keyword == "minProperties") && limit && value &&
             value->IsObject()) {
    out.at_key = true;
    what = "has " + std::to_string(value->MemberCount()) + " keys, " +
           (keyword == "maxProperties" ? "more than the maximum " : "fewer than the minimum ") +
           ToJson(*limit);
  } else if (keyword == "uniqueItems") {
    what = "has duplicate items";
  } else {
    what = "does not match the schema ('" + keyword + "')";
  }
  out.path_tokens = count;
  return out;
}

// A definition's config schema, parsed and compiled once.
class Schema {
 public:
  // `text` empty: the definition takes no config. Check error() before validating.
  explicit Schema(const std::string& text) {
    if (text.empty()) {
      no_config_ = true;
      return;
    }
    // A schema is plugin-supplied text: parsed iteratively under the SDK's nesting limit, so
    // a hostile one cannot exhaust the host's stack (here or in the schema compiler).
    std::string failure;
    if (!ParseJson(schema_, text, &failure)) {
      error_ = "invalid JSON: " + failure;
      return;
    }
    if (!schema_.IsObject()) {
      error_ = "not a JSON object";
      return;
    }
    error_ = CheckAgainstMetaSchema();
    if (error_.empty()) error_ = CheckDefaults(schema_, "");
    if (!error_.empty()) return;
    compiled_ = std::make_unique<rj::SchemaDocument>(schema_);
    validator_ = std::make_unique<rj::SchemaValidator>(*compiled_);
  }
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;

  bool no_config() const { return no_config_; }
  // Why the schema is unusable ("invalid JSON: ... at offset 3", "'/properties/n/type': ...");
  // empty when it is usable.
  const std::string& error() const { return error_; }
  const rj::Document& document() const { return schema_; }

  // Validates `instance` (an object); returns its violations, up to `max`. RapidJSON 1.1 stops
  // at the first violation: to report more, a member that failed (a bad value, or a key the
  // schema does not allow) is removed from `instance` and the rest validated again. Object-
  // level violations (a missing key, too few keys) end it: after a removal they may be echoes
  // of it, as a compiler stops at a cascade. Requires error().empty() and !no_config().
  std::vector<Violation> Validate(rj::Document* instance, int max = 8) {
    std::vector<Violation> out;
    for (int round = 0; round < max; ++round) {
      validator_->Reset();
      if (instance->Accept(*validator_)) break;
      const std::string keyword = validator_->GetInvalidSchemaKeyword();
      const bool object_level = keyword == "required" || keyword == "minProperties" ||
                                keyword == "maxProperties" || keyword == "dependencies";
      if (round > 0 && object_level) break;
      out.push_back(Describe(*validator_, schema_, *instance));
      const auto& pointer = validator_->GetInvalidDocumentPointer();
      const size_t count = pointer.GetTokenCount();
      if (object_level || count == 0) break;
      rj::Pointer parent_pointer(pointer.GetTokens(), count - 1);
      rj::Value* parent = parent_pointer.Get(*instance);
      const rj::Pointer::Token& last = pointer.GetTokens()[count - 1];
      if (parent == nullptr || !parent->IsObject() ||
          !parent->EraseMember(rj::StringRef(last.name, last.length)))
        break;  // array items would shift the positions of later errors: stop there
    }
    return out;
  }

 private:
  std::string CheckAgainstMetaSchema() const {
    static const rj::Document* meta = [] {
      auto* d = new rj::Document;  // never freed: shared by every Schema of the process
      d->Parse(MetaSchemaDraft04());
      return d;
    }();
    thread_local rj::SchemaDocument meta_compiled(*meta);
    rj::SchemaValidator v(meta_compiled);
    if (schema_.Accept(v)) return "";
    Violation bad = Describe(v, *meta, schema_);
    std::string where = bad.pointer.GetTokenCount() == 0 ? "the schema" : "";
    if (where.empty()) {
      rj::StringBuffer b;
      bad.pointer.StringifyUriFragment(b);
      where = "'" + std::string(b.GetString() + 1) + "'";  // without the '#'
    }
    std::string what = bad.what;
    const rj::Value* value = bad.pointer.Get(schema_);
    const size_t n = bad.pointer.GetTokenCount();
    if (n > 0 && value != nullptr && std::string_view(bad.pointer.GetTokens()[n - 1].name,
                                                   bad.pointer.GetTokens()[n - 1].length) == "type" &&
        (bad.keyword == "anyOf" || bad.keyword == "enum")) {
      what = Shown(*value) +
             " is not a type (array, boolean, integer, null, number, object or string)";
    } else if (bad.keyword == "anyOf" || bad.keyword == "oneOf" || bad.keyword == "allOf" ||
               bad.keyword == "not" || bad.keyword == "enum") {
      what = value ? Shown(*value) + " is not allowed here" : "not allowed here";
    }
    return where + " is not valid JSON Schema (draft 4): " + what;
  }

  // Each `default` must pass its own property's schema, or the host would hand a plugin a
  // config its schema forbids.
  static std::string CheckDefaults(const rj::Value& schema, const std::string& at) {
    const rj::Value* props = Member(&schema, "properties");
    if (props == nullptr || !props->IsObject()) return "";
    for (const auto& p : props->GetObject()) {
      const std::string here = at + "/properties/" + std::string(NameOf(p.name));
      if (const rj::Value* def = Member(&p.value, "default")) {
        rj::Document sub;
        sub.CopyFrom(p.value, sub.GetAllocator());
        rj::SchemaDocument compiled(sub);
        rj::SchemaValidator v(compiled);
        if (!def->Accept(v)) {
          return "'" + here + "/default' " + ToJson(*def) +
                 " does not match its own schema: " + Describe(v, sub, *def).what;
        }
      }
      std::string nested = CheckDefaults(p.value, here);
      if (!nested.empty()) return nested;
    }
    return "";
  }

  rj::Document schema_;
  std::unique_ptr<rj::SchemaDocument> compiled_;
  std::unique_ptr<rj::SchemaValidator> validator_;
  std::string error_;
  bool no_config_ = false;
};

}  // namespace support
}  // namespace assetflow

#endif
