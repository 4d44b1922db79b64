#include "plugin/plugin_probe.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <utility>

#include "common/json_field.h"
#include "common/subprocess.h"
#include <assetflow/cpp/json.hpp>

namespace af {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr std::size_t kMaxAnswerBytes = 4 << 20;  // a plugin's schemas fit many times over
constexpr std::size_t kMaxLastLine = 400;         // of the child's stderr, in a diagnostic


void Strings(Writer& w, const char* key, const std::vector<std::string>& values) {
  w.Key(key);
  w.StartArray();
  for (const auto& v : values) JsonString(w, v);
  w.EndArray();
}

void WriteDefinitions(Writer& w, const char* key, const std::map<std::string, DefinitionInfo>& defs) {
  w.Key(key);
  w.StartObject();
  for (const auto& [type, info] : defs) {
    w.Key(type.data(), static_cast<rapidjson::SizeType>(type.size()));
    w.StartObject();
    JsonField(w, "config_schema", info.config_schema);
    JsonField(w, "code_version", info.code_version);
    Strings(w, "unversioned_config_keys", info.unversioned_config_keys);
    Strings(w, "secret_config_keys", info.secret_config_keys);
    if (info.declared_inputs) {
      w.Key("declared_inputs");
      w.StartArray();
      for (const DeclaredInput& in : *info.declared_inputs) {
        w.StartObject();
        JsonField(w, "name", in.name);
        JsonField(w, "description", in.description);
        w.Key("optional");
        w.Bool(in.optional);
        w.EndObject();
      }
      w.EndArray();
    }
    w.Key("write_only");
    w.Bool(info.write_only);
    w.EndObject();
  }
  w.EndObject();
}

// Readers: false when the value is missing or of the wrong type.
bool Str(const rapidjson::Value& o, const char* key, std::string* out) {
  if (!o.IsObject()) return false;
  auto it = o.FindMember(key);
  if (it == o.MemberEnd() || !it->value.IsString()) return false;
  out->assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

bool StrList(const rapidjson::Value& o, const char* key, std::vector<std::string>* out) {
  auto it = o.FindMember(key);
  if (it == o.MemberEnd() || !it->value.IsArray()) return false;
  for (const auto& v : it->value.GetArray()) {
    if (!v.IsString()) return false;
    out->emplace_back(v.GetString(), v.GetStringLength());
  }
  return true;
}

bool Uint16(const rapidjson::Value& o, const char* key, uint16_t* out) {
  auto it = o.FindMember(key);
  if (it == o.MemberEnd() || !it->value.IsUint() || it->value.GetUint() > 0xFFFF) return false;
  *out = static_cast<uint16_t>(it->value.GetUint());
  return true;
}

bool ReadDefinitions(const rapidjson::Value& catalog, const char* key,
                     std::map<std::string, DefinitionInfo>* out) {
  auto it = catalog.FindMember(key);
  if (it == catalog.MemberEnd() || !it->value.IsObject()) return false;
  for (const auto& m : it->value.GetObject()) {
    DefinitionInfo info;
    if (!Str(m.value, "config_schema", &info.config_schema) ||
        !Str(m.value, "code_version", &info.code_version) ||
        !StrList(m.value, "unversioned_config_keys", &info.unversioned_config_keys) ||
        // Optional: absent from the answers written before secrets were marked.
        (m.value.HasMember("secret_config_keys") &&
         !StrList(m.value, "secret_config_keys", &info.secret_config_keys)))
      return false;
    if (auto inputs = m.value.FindMember("declared_inputs"); inputs != m.value.MemberEnd()) {
      if (!inputs->value.IsArray()) return false;
      info.declared_inputs.emplace();
      for (const auto& v : inputs->value.GetArray()) {
        DeclaredInput in;
        auto optional = v.IsObject() ? v.FindMember("optional") : v.MemberEnd();
        if (!Str(v, "name", &in.name) || !Str(v, "description", &in.description) ||
            optional == v.MemberEnd() || !optional->value.IsBool())
          return false;
        in.optional = optional->value.GetBool();
        info.declared_inputs->push_back(std::move(in));
      }
    }
    if (auto wo = m.value.FindMember("write_only"); wo != m.value.MemberEnd() && wo->value.IsBool())
      info.write_only = wo->value.GetBool();
    (*out)[std::string(m.name.GetString(), m.name.GetStringLength())] = std::move(info);
  }
  return true;
}

bool ReadPlugin(const rapidjson::Value& v, PluginInfo* p) {
  return v.IsObject() && Str(v, "name", &p->name) && Str(v, "version", &p->version) &&
         Str(v, "toolchain", &p->toolchain) && Str(v, "description", &p->description) &&
         Str(v, "path", &p->path) && Uint16(v, "abi_major", &p->abi_major) &&
         Uint16(v, "abi_minor", &p->abi_minor) && StrList(v, "assets", &p->asset_definitions) &&
         StrList(v, "io_managers", &p->io_manager_definitions);
}

// The last non-empty line of `text`, without its line end; cut to `max` bytes (then "...").
std::string LastLine(const std::string& text, std::size_t max) {
  std::size_t end = text.find_last_not_of("\r\n");
  if (end == std::string::npos) return "";
  std::size_t start = text.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  std::string line = text.substr(start, end + 1 - start);
  if (line.size() > max) line = line.substr(0, max) + "...";
  return line;
}

// How a probe child that gave no answer ended, as the message of a diagnostic on the file.
std::string DescribeDeath(const CapturedRun& run, std::chrono::milliseconds timeout) {
  if (run.timed_out) {
    const auto ms = timeout.count();
    return "plugin hung while loading (no answer within " +
           (ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms") +
           "; the probe was killed)";
  }
  if (run.status.signal != 0) {
    return "plugin crashed while loading (signal " + std::to_string(run.status.signal) + ", " +
           SignalName(run.status.signal) + ")";
  }
  // The child's FatalSignalScope wrote "... called exit(N) while loading" (or quick_exit()).
  const std::string last = LastLine(run.err, kMaxLastLine);
  const std::size_t called = last.find(" called ");
  const std::size_t paren = last.find(')', called);
  if (called != std::string::npos && paren != std::string::npos) {
    return "plugin " + last.substr(called + 1, paren - called) + " while loading";
  }
  std::string message = "plugin probe " + run.status.Describe() + " without an answer";
  if (!last.empty()) message += ": " + last;
  return message;
}

}  // namespace

std::string ProbeAnswer(const PluginRegistry& registry) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("plugins");
  w.StartArray();
  for (const PluginInfo& p : registry.plugins()) {
    w.StartObject();
    JsonField(w, "name", p.name);
    JsonField(w, "version", p.version);
    JsonField(w, "toolchain", p.toolchain);
    JsonField(w, "description", p.description);
    JsonField(w, "path", p.path);
    w.Key("abi_major");
    w.Uint(p.abi_major);
    w.Key("abi_minor");
    w.Uint(p.abi_minor);
    Strings(w, "assets", p.asset_definitions);
    Strings(w, "io_managers", p.io_manager_definitions);
    w.EndObject();
  }
  w.EndArray();
  const TypeCatalog catalog = registry.Catalog();
  w.Key("catalog");
  w.StartObject();
  WriteDefinitions(w, "assets", catalog.assets);
  WriteDefinitions(w, "io_managers", catalog.io_managers);
  w.EndObject();
  w.Key("errors");
  w.StartArray();
  for (const Diagnostic& d : registry.errors()) {
    w.StartObject();
    JsonField(w, "file", d.location.file.str());
    JsonField(w, "message", d.message);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Expected<ProbeResult> ParseProbeAnswer(const std::string& file, const std::string& line) {
  rapidjson::Document doc;
  const bool parsed = assetflow::ParseJson(doc, line);
  const auto bad = [&] { return Status::InvalidArgument("not a plugin probe answer: " + line); };
  if (!parsed || !doc.IsObject()) return bad();
  ProbeResult result;
  result.file = file;
  auto plugins = doc.FindMember("plugins");
  auto catalog = doc.FindMember("catalog");
  auto errors = doc.FindMember("errors");
  if (plugins == doc.MemberEnd() || !plugins->value.IsArray() || catalog == doc.MemberEnd() ||
      !catalog->value.IsObject() || errors == doc.MemberEnd() || !errors->value.IsArray())
    return bad();
  for (const auto& v : plugins->value.GetArray()) {
    PluginInfo p;
    if (!ReadPlugin(v, &p)) return bad();
    result.plugins.push_back(std::move(p));
  }
  if (!ReadDefinitions(catalog->value, "assets", &result.catalog.assets) ||
      !ReadDefinitions(catalog->value, "io_managers", &result.catalog.io_managers))
    return bad();
  for (const auto& v : errors->value.GetArray()) {
    Diagnostic d;
    std::string file;
    if (!Str(v, "file", &file) || !Str(v, "message", &d.message)) return bad();
    d.location.file = file;
    result.errors.push_back(std::move(d));
  }
  return result;
}

ProbeResult ProbePluginFile(const ProbeOptions& options, const std::string& file) {
  ProbeResult result;
  result.file = file;
  auto fail = [&](std::string message) {
    Diagnostic d;
    d.location.file = file;
    d.message = std::move(message);
    result.errors.push_back(std::move(d));
    return result;
  };
  auto run = RunCaptured({{options.executable, "worker", "probe-plugin", file}, {}, {}},
                         options.timeout, kMaxAnswerBytes);
  if (!run.ok()) return fail("cannot start the plugin probe: " + run.status().message());
  if (run->timed_out || !run->status.exited || run->status.code != 0 || run->out_truncated)
    return fail(run->out_truncated && run->status.exited && run->status.code == 0
                    ? "plugin probe answer is larger than " + std::to_string(kMaxAnswerBytes) +
                          " bytes"
                    : DescribeDeath(run.value(), options.timeout));
  auto answer = ParseProbeAnswer(file, LastLine(run->out, kMaxAnswerBytes));
  if (!answer.ok()) return fail(answer.status().message());
  return std::move(answer.value());
}

}  // namespace af
