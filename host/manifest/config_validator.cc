#include "manifest/config_validator.h"

#include <assetflow/support/config_schema.hpp>

#include <algorithm>
#include <string_view>
#include <vector>

#include "common/redact.h"

namespace af {

namespace rj = rapidjson;
namespace schema = assetflow::support;

// The schema logic (meta-schema check, violations and their wording, defaults, canonical
// JSON) is the SDK's, shared with the test harness; this file adds YAML: converting it, and
// mapping a violation back to the node's file:line:col.
struct ConfigValidator::Compiled {
  explicit Compiled(const std::string& text) : schema(text) {}
  schema::Schema schema;
};

namespace {

using Allocator = rj::Document::AllocatorType;
using PointerToken = rj::Pointer::Token;

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
        if (n.plain && ResolvePlainScalar(std::string(doc_.Value(id))).kind ==
                           PlainScalar::Kind::kUint)
          return Fail(id, "integer " + std::string(doc_.Value(id)) +
                              " is out of range (config integers are 64-bit signed: at most "
                              "9223372036854775807)");
        SetScalar(n, doc_.Value(id), out, a);
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
            if (doc_.Value(c[j]) == doc_.Value(c[i]))
              return Fail(c[i], "duplicate config key '" + std::string(doc_.Value(c[i])) +
                                    "' (first at " +
                                    doc_.Location(c[j]).ToString() + ")");
          }
          rj::Value value;
          if (!Convert(c[i + 1], &value, a)) return false;
          const std::string_view name = doc_.Value(c[i]);
          out->AddMember(rj::Value(name.data(), static_cast<rj::SizeType>(name.size()), a), value,
                         a);
        }
        return true;
      }
    }
    return true;
  }

 private:
  static void SetScalar(const YamlNode& n, std::string_view text, rj::Value* out, Allocator& a) {
    const auto length = static_cast<rj::SizeType>(text.size());
    if (!n.plain) {
      out->SetString(text.data(), length, a);
      return;
    }
    PlainScalar s = ResolvePlainScalar(std::string(text));
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
        out->SetString(text.data(), length, a);
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

// Places a Violation at the offending YAML node and words it for the manifest.
class ErrorReporter {
 public:
  // The values under `secret_keys` (top-level) of `written` (the config as written, before
  // validation removed what failed) are named, never quoted.
  ErrorReporter(const ConfigSite& site, const rj::Value& written,
                const std::vector<std::string>& secret_keys)
      : site_(site), written_(written), secret_keys_(secret_keys) {}

  Diagnostic Report(const schema::Violation& v) const {
    Diagnostic d;
    d.location = Where(v.pointer.GetTokens(), v.pointer.GetTokenCount(), v.at_key);
    if (!v.near.empty() && !v.candidates.empty()) d.suggestion = NearestName(v.near, v.candidates);
    // Any other value is shown with URL credentials masked.
    d.message = RedactUrls(MaskSecret(v) + " for " + site_.owner_name + " (" + site_.type + ")");
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
          if (doc.Value(c[i]) == name) {
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

  // The violation's text with the secret value it quotes (as a string or as JSON) replaced.
  std::string MaskSecret(const schema::Violation& v) const {
    std::string text = v.Text();
    const PointerToken* tokens = v.pointer.GetTokens();
    if (v.pointer.GetTokenCount() == 0 ||
        std::find(secret_keys_.begin(), secret_keys_.end(),
                  std::string(tokens[0].name, tokens[0].length)) == secret_keys_.end())
      return text;
    const rj::Value* value = v.pointer.Get(written_);
    if (value == nullptr) return text;
    for (const std::string& quoted : {schema::Shown(*value), schema::ToJson(*value)}) {
      if (quoted.empty()) continue;
      for (size_t at = text.find(quoted); at != std::string::npos; at = text.find(quoted, at))
        text.replace(at, quoted.size(), "the secret value");
    }
    return text;
  }

  const ConfigSite& site_;
  const rj::Value& written_;
  const std::vector<std::string>& secret_keys_;
};

}  // namespace

ConfigValidator::ConfigValidator() = default;
ConfigValidator::~ConfigValidator() = default;

ConfigValidator::Compiled* ConfigValidator::Compile(const DefinitionInfo& info) {
  auto& slot = cache_[&info];
  if (!slot) slot = std::make_unique<Compiled>(info.config_schema);
  return slot.get();
}

std::optional<std::string> ConfigValidator::Validate(const DefinitionInfo& info,
                                                     const ConfigSite& site,
                                                     Diagnostics* diagnostics) {
  schema::Schema& compiled = Compile(info)->schema;
  const std::string suffix = " for " + site.owner_name + " (" + site.type + ")";
  bool has_config = site.doc && !site.doc->children(site.value).empty();
  SourceLocation config_at = site.doc ? site.doc->Location(site.key) : site.owner;
  if (compiled.no_config()) {
    if (!has_config) return "{}";
    diagnostics->push_back({config_at, "config: no config is accepted" + suffix, ""});
    return std::nullopt;
  }
  if (!compiled.error().empty()) {
    diagnostics->push_back(
        {site.owner, "the definition's config schema is unusable (" + compiled.error() + ")" + suffix, ""});
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
  rj::Document written(&allocator);  // only for masking secrets in messages
  if (!info.secret_config_keys.empty()) written.CopyFrom(instance, written.GetAllocator());
  const std::vector<schema::Violation> violations = compiled.Validate(&instance);
  if (!violations.empty()) {
    ErrorReporter reporter(site, written, info.secret_config_keys);
    for (const schema::Violation& v : violations) diagnostics->push_back(reporter.Report(v));
    return std::nullopt;
  }
  schema::FillDefaults(compiled.document(), &instance, instance.GetAllocator());
  return schema::SortedJson(instance);
}

}  // namespace af
