#include "engine/step_spec.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/json_field.h"
#include <assetflow/cpp/json.hpp>

namespace af {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using Value = rapidjson::Value;

// A config is embedded as JSON; text that is not an object (never: the loader validated it)
// travels as {}.
void Config(Writer& w, const char* key, const std::string& json) {
  w.Key(key);
  rapidjson::Document d;
  if (!assetflow::ParseJson(d, json) || !d.IsObject()) {
    w.StartObject();
    w.EndObject();
  } else {
    d.Accept(w);
  }
}
void Io(Writer& w, const char* key, const StepIoSpec& io) {
  w.Key(key);
  w.StartObject();
  JsonField(w, "resource", io.resource_key);
  JsonField(w, "type", io.type);
  Config(w, "config", io.config_json);
  w.EndObject();
}

// Reads fields of one object, remembering the first problem.
class Reader {
 public:
  Reader(const Value& v, std::string where, std::string* error)
      : v_(v), where_(std::move(where)), error_(error) {}
  void Str(const char* key, std::string* out, bool required = true) {
    auto it = v_.FindMember(key);
    if (it == v_.MemberEnd()) return Missing(key, required);
    if (!it->value.IsString()) return Bad(key, "a string");
    out->assign(it->value.GetString(), it->value.GetStringLength());
  }
  void Bool(const char* key, bool* out) {
    auto it = v_.FindMember(key);
    if (it == v_.MemberEnd()) return;
    if (!it->value.IsBool()) return Bad(key, "a boolean");
    *out = it->value.GetBool();
  }
  template <class T>
  void Number(const char* key, T* out) {
    auto it = v_.FindMember(key);
    if (it == v_.MemberEnd()) return;
    if (!it->value.IsNumber()) return Bad(key, "a number");
    if constexpr (std::is_floating_point_v<T>) {
      *out = it->value.GetDouble();
    } else {
      if (!it->value.IsInt64() || it->value.GetInt64() < 0) return Bad(key, "a whole number >= 0");
      *out = static_cast<T>(it->value.GetInt64());
    }
  }
  void Config(const char* key, std::string* out) {
    auto it = v_.FindMember(key);
    if (it == v_.MemberEnd()) return;
    if (!it->value.IsObject()) return Bad(key, "an object");
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    it->value.Accept(w);
    *out = b.GetString();
  }
  void Io(const char* key, StepIoSpec* out) {
    auto it = v_.FindMember(key);
    if (it == v_.MemberEnd()) return Missing(key, true);
    if (!it->value.IsObject()) return Bad(key, "an object");
    Reader r(it->value, where_ + "." + key, error_);
    r.Str("resource", &out->resource_key);
    r.Str("type", &out->type);
    r.Config("config", &out->config_json);
  }
  template <class F>
  void Array(const char* key, F&& each) {
    auto it = v_.FindMember(key);
    if (it == v_.MemberEnd()) return;
    if (!it->value.IsArray()) return Bad(key, "an array");
    for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
      const Value& item = it->value[i];
      const std::string where = where_ + "." + key + "[" + std::to_string(i) + "]";
      if (!item.IsObject()) return Fail(where + " is not an object");
      Reader r(item, where, error_);
      each(r);
    }
  }

 private:
  void Missing(const char* key, bool required) {
    if (required) Fail(where_ + "." + key + " is missing");
  }
  void Bad(const char* key, const char* what) { Fail(where_ + "." + key + " is not " + what); }
  void Fail(const std::string& message) {
    if (error_->empty()) *error_ = message;
  }
  const Value& v_;
  std::string where_;
  std::string* error_;
};

}  // namespace

std::string StepSpecToJson(const StepSpec& s) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  JsonField(w, "run_id", s.run_id);
  JsonField(w, "step_key", s.step_key);
  w.Key("attempt");
  w.Uint(s.attempt);
  JsonField(w, "asset_key", s.asset_key);
  JsonField(w, "definition", s.definition);
  JsonField(w, "code_version", s.code_version);
  Config(w, "config", s.config_json);
  Io(w, "io", s.io);
  w.Key("inputs");
  w.StartArray();
  for (const StepInputSpec& in : s.inputs) {
    w.StartObject();
    JsonField(w, "name", in.name);
    JsonField(w, "asset_key", in.asset_key);
    Io(w, "io", in.io);
    JsonField(w, "data_version", in.data_version);
    JsonField(w, "spool_path", in.spool_path);
    w.Key("observed_only");
    w.Bool(in.observed_only);
    w.EndObject();
  }
  w.EndArray();
  w.Key("plugins");
  w.StartArray();
  for (const PluginFileSpec& p : s.plugins) {
    w.StartObject();
    JsonField(w, "name", p.name);
    JsonField(w, "path", p.path);
    JsonField(w, "sha256", p.sha256);
    w.EndObject();
  }
  w.EndArray();
  JsonField(w, "manifests_hash", s.manifests_hash);
  JsonField(w, "home", s.home);
  JsonField(w, "spool_path", s.spool_path);
  w.Key("timeout_s");
  w.Double(s.timeout_s);
  w.Key("max_rss_mb");
  w.Int64(s.max_rss_mb);
  w.EndObject();
  return buffer.GetString();
}

Expected<StepSpec> StepSpecFromJson(const std::string& json) {
  rapidjson::Document d;
  if (!assetflow::ParseJson(d, json) || !d.IsObject())
    return Status::InvalidArgument("step spec: not a JSON object");
  StepSpec s;
  std::string error;
  Reader r(d, "step spec", &error);
  r.Str("run_id", &s.run_id);
  r.Str("step_key", &s.step_key);
  r.Number("attempt", &s.attempt);
  r.Str("asset_key", &s.asset_key);
  r.Str("definition", &s.definition);
  r.Str("code_version", &s.code_version, false);
  r.Config("config", &s.config_json);
  r.Io("io", &s.io);
  r.Array("inputs", [&](Reader& in) {
    StepInputSpec& i = s.inputs.emplace_back();
    in.Str("name", &i.name);
    in.Str("asset_key", &i.asset_key);
    in.Io("io", &i.io);
    in.Str("data_version", &i.data_version, false);
    in.Str("spool_path", &i.spool_path, false);
    in.Bool("observed_only", &i.observed_only);
  });
  r.Array("plugins", [&](Reader& p) {
    PluginFileSpec& f = s.plugins.emplace_back();
    p.Str("name", &f.name);
    p.Str("path", &f.path);
    p.Str("sha256", &f.sha256);
  });
  r.Str("manifests_hash", &s.manifests_hash, false);
  r.Str("home", &s.home);
  r.Str("spool_path", &s.spool_path, false);
  r.Number("timeout_s", &s.timeout_s);
  r.Number("max_rss_mb", &s.max_rss_mb);
  if (!error.empty()) return Status::InvalidArgument(error);
  if (s.attempt == 0) return Status::InvalidArgument("step spec.attempt must be >= 1");
  return s;
}

}  // namespace af
