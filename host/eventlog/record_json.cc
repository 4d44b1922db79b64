#include "eventlog/record_json.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <assetflow/cpp/json.hpp>

#include "common/json_field.h"

namespace af {

namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(JsonWriter& w, const std::string& s) { JsonString(w, s); }

std::string JsonString(const rapidjson::Value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : std::string();
}

}  // namespace

std::string UpstreamToJson(const std::map<std::string, std::string>& upstream) {
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartObject();
  for (const auto& [key, version] : upstream) {
    WriteString(w, key);
    WriteString(w, version);
  }
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

std::map<std::string, std::string> UpstreamFromJson(const std::string& json) {
  std::map<std::string, std::string> upstream;
  rapidjson::Document doc;
  if (!assetflow::ParseJson(doc, json) || !doc.IsObject()) return upstream;
  for (const auto& m : doc.GetObject()) upstream[JsonString(m.name)] = JsonString(m.value);
  return upstream;
}

std::string MetadataToJson(const std::vector<MetadataEntry>& metadata) {
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartArray();
  for (const MetadataEntry& e : metadata) {
    w.StartObject();
    w.Key("key");
    WriteString(w, e.key);
    w.Key("type");
    WriteString(w, e.type);
    w.Key("value");
    WriteString(w, e.value);
    w.EndObject();
  }
  w.EndArray();
  return std::string(out.GetString(), out.GetSize());
}

std::vector<MetadataEntry> MetadataFromJson(const std::string& json) {
  std::vector<MetadataEntry> metadata;
  rapidjson::Document doc;
  if (!assetflow::ParseJson(doc, json) || !doc.IsArray()) return metadata;
  for (const auto& e : doc.GetArray()) {
    if (!e.IsObject()) continue;
    auto field = [&](const char* name) {
      auto it = e.FindMember(name);
      return it == e.MemberEnd() ? std::string() : JsonString(it->value);
    };
    metadata.push_back({field("key"), field("type"), field("value")});
  }
  return metadata;
}

}  // namespace af
