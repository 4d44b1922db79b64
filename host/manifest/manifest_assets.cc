// The Walker's keyed records: `resources:` and `assets:` (with their inputs).
#include <algorithm>
#include <span>

#include "manifest/manifest_walker.h"

namespace af::manifest_internal {

const std::vector<std::string> kResourceKeys = {"type", "config", "description"};
const std::vector<std::string> kAssetKeys = {
    "type",         "inputs",           "config",     "group",     "tags",    "code_version",
    "description",  "retry_policy",     "freshness_policy", "io_manager", "isolation",
    "timeout",      "max_rss_mb",       "owners",     "kinds",   "resources"};

// A key segment is a file name of the fs IO manager (255 bytes at most on every Linux file
// system), and its staged temp file adds ".<segment>.af-<run id>-<attempt>.tmp", 50 bytes.
constexpr size_t kMaxKeySegmentBytes = 200;

void Walker::Resources(YamlId v) {
  if (!Expect(v, Kind::kMap, {"'resources'"})) return;
  std::span<const YamlId> c = doc_.children(v);
  for (size_t i = 0; i + 1 < c.size(); i += 2) {
    const std::string key(doc_.Value(c[i]));
    if (!IsName(key)) {
      Error(c[i], "invalid resource key '" + key + "' (want letters, digits and '_')");
      continue;
    }
    if (!Claim(&out_->resource_by_key, out_->resources, key, c[i], "resource")) continue;
    ParsedResource r;
    r.def.key = key;
    r.def.location = doc_.Location(c[i]);
    Resource(c[i], c[i + 1], &r);
    out_->resources.push_back(std::move(r));
  }
}

void Walker::Resource(YamlId key_id, YamlId v, ParsedResource* r) {
  const std::string owner = "resource '" + r->def.key + "'";
  if (!Expect(v, Kind::kMap, {owner})) return;
  bool has_type = false;
  Keys(v, &kResourceKeys, {"in ", owner}, [&](const std::string& key, YamlId k, YamlId value) {
    What what{"'", key, "' of ", owner};
    if (key == "type" && Scalar(value, what, &r->def.type)) {
      has_type = true;
      r->def.type_location = doc_.Location(value);
    }
    if (key == "config" && Expect(value, Kind::kMap, what)) r->config = {&doc_, k, value};
    if (key == "description") Scalar(value, what, &r->def.description);
  });
  if (!has_type) Error(key_id, "missing required key 'type' in " + owner);
}

void Walker::Assets(YamlId v) {
  if (!Expect(v, Kind::kMap, {"'assets'"})) return;
  std::span<const YamlId> c = doc_.children(v);
  out_->assets.reserve(out_->assets.size() + c.size() / 2);
  out_->asset_defs.reserve(out_->asset_defs.size() + c.size() / 2);
  out_->asset_by_key.Reserve(out_->asset_by_key.size() + c.size() / 2,
                             [this](uint32_t i) { return KeyOf(out_->asset_defs[i]); });
  std::vector<std::string> segments;  // only to validate: AssetDef::segments() derives them
  for (size_t i = 0; i + 1 < c.size(); i += 2) {
    const std::string key(doc_.Value(c[i]));
    ParsedAsset a;
    AssetDef def;
    if (!SplitAssetKey(key, &segments)) {
      Error(c[i], "invalid asset key '" + key +
                      "' (want segments of letters, digits, '_' "
                      "and '-', separated by '/')");
      continue;
    }
    auto too_long = std::find_if(segments.begin(), segments.end(),
                                 [](const std::string& s) { return s.size() > kMaxKeySegmentBytes; });
    if (too_long != segments.end()) {
      Error(c[i], "asset key segment of " + std::to_string(too_long->size()) +
                      " bytes is too long (at most " + std::to_string(kMaxKeySegmentBytes) +
                      ": stored as a file name, with room for its temp file's suffix)");
      continue;
    }
    if (!Claim(&out_->asset_by_key, out_->asset_defs, key, c[i], "asset")) continue;
    def.key = key;
    def.location = doc_.Location(c[i]);
    Asset(c[i], c[i + 1], &def, &a);
    out_->assets.push_back(std::move(a));
    out_->asset_defs.push_back(std::move(def));
  }
}

void Walker::Asset(YamlId key_id, YamlId v, AssetDef* asset, ParsedAsset* a) {
  AssetDef& def = *asset;
  const std::string owner = "asset '" + def.key + "'";
  if (!Expect(v, Kind::kMap, {owner})) return;
  bool has_type = false;
  Keys(v, &kAssetKeys, {"in ", owner}, [&](const std::string& key, YamlId k, YamlId value) {
    What what{"'", key, "' of ", owner};
    if (key == "type" && Scalar(value, what, &def.type)) {
      has_type = true;
      def.type_location = doc_.Location(value);
    } else if (key == "inputs") {
      Inputs(value, owner, &def.inputs);
    } else if (key == "config" && Expect(value, Kind::kMap, what)) {
      a->config = {&doc_, k, value};
    } else if (key == "group" && Scalar(value, what, &def.group) && !IsName(def.group)) {
      Error(value, "invalid group name '" + def.group + "' in " + owner +
                       " (want letters, digits and '_')");
    } else if (key == "tags" && Expect(value, Kind::kMap, what)) {
      Keys(value, nullptr, {"in tags of ", owner}, [&](const std::string& tag, YamlId, YamlId t) {
        Scalar(t, {"tag '", tag, "' of ", owner}, &def.mutable_details().tags[tag]);
      });
    } else if (key == "owners" || key == "kinds") {
      AssetDetails& details = def.mutable_details();
      StringList(value, what, key == "owners" ? &details.owners : &details.kinds);
    } else if (key == "code_version") {
      a->has_code_version = Scalar(value, what, &def.code_version);
    } else if (key == "description") {
      Scalar(value, what, &def.mutable_details().description);
    } else if (key == "retry_policy") {
      Retry(value, owner, &def.retry_policy);
    } else if (key == "freshness_policy") {
      Freshness(k, value, owner, &def.mutable_details().freshness_policy);
    } else if (key == "io_manager" && Scalar(value, what, &def.io_manager_key)) {
      a->io_manager_location = doc_.Location(value);
    } else if (key == "isolation") {
      Choice(value, what, {"in_process", "process"},
             {AssetDef::Isolation::kInProcess, AssetDef::Isolation::kProcess}, &def.isolation);
    } else if (key == "timeout") {
      double seconds = 0;
      if (Duration(value, what, /*positive=*/true, &seconds))
        def.mutable_details().timeout_seconds = seconds;
    } else if (key == "max_rss_mb") {
      double mb = 0;
      if (Number(value, what, /*integer=*/true, /*non_negative=*/false, &mb))
        def.mutable_details().max_rss_mb = static_cast<int64_t>(std::min(mb, 9e18));
    } else if (key == "resources") {
      std::optional<JobResources>& resources = def.mutable_details().resources;
      resources = JobResources{};
      Resources(k, value, owner, &*resources);
    }
  });
  if (!has_type) Error(key_id, "missing required key 'type' in " + owner);
}

void Walker::Inputs(YamlId v, const std::string& owner, std::vector<InputDef>* inputs) {
  if (!Expect(v, Kind::kMap, {"'inputs' of ", owner})) return;
  // Sized once: grown one by one, every asset left a freed block behind between the
  // definitions (issue 12's memory).
  inputs->reserve(inputs->size() + doc_.children(v).size() / 2);
  Keys(v, nullptr, {"in inputs of ", owner}, [&](const std::string& name, YamlId k, YamlId up) {
    InputDef input;
    if (!IsName(name)) {
      Error(k,
            "invalid input name '" + name + "' in " + owner + " (want letters, digits and '_')");
    } else if (Scalar(up, {"input '", name, "' of ", owner}, &input.asset_key)) {
      std::vector<std::string> segments;
      if (!SplitAssetKey(input.asset_key, &segments)) {
        Error(up, "invalid asset key '" + input.asset_key + "' for input '" + name + "' of " +
                      owner +
                      " (want segments of letters, digits, '_' and '-', separated "
                      "by '/')");
        return;
      }
      input.name = name;
      input.location = doc_.Location(up);
      inputs->push_back(std::move(input));
    }
  });
}

}  // namespace af::manifest_internal
