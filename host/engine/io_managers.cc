#include "engine/io_managers.h"

namespace af {

Expected<std::unique_ptr<IoManagerSet>> IoManagerSet::Resolve(const Definitions& defs,
                                                              const PluginRegistry& registry) {
  auto set = std::unique_ptr<IoManagerSet>(new IoManagerSet());
  for (const AssetDef& asset : defs.assets) {
    const std::string& key = asset.io_manager_key;
    if (set->by_key_.count(key)) continue;
    auto it = defs.resources.find(key);
    std::unique_ptr<IoManagerRef> ref;
    if (it != defs.resources.end()) {
      ref = std::make_unique<IoManagerRef>(it->second.config_json);
      ref->type = it->second.type;
    } else if (key == "io_manager") {
      ref = std::make_unique<IoManagerRef>("{}");
      ref->type = kDefaultIoManagerType;
    } else {
      return Status::NotFound("asset '" + asset.key + "': io_manager '" + key +
                              "' is not a resource of the manifests");
    }
    ref->resource_key = key;
    ref->desc = registry.FindIoManager(ref->type);
    if (!ref->desc) {
      return Status::NotFound("asset '" + asset.key + "': IO manager '" + ref->type +
                              "' (resource '" + key + "') is not offered by any loaded plugin");
    }
    set->by_key_.emplace(key, std::move(ref));
  }
  return set;
}

const IoManagerRef& IoManagerSet::For(const AssetDef& asset) const {
  return *by_key_.at(asset.io_manager_key);
}

bool CanLoad(const IoManagerRef& io, const std::string& asset_key, const std::string& home) {
  static const std::string kNoRun;
  HostCall call(asset_key, kNoRun, 1, home, io.config, nullptr, nullptr);
  af_istream reader{};
  const af_status s = io.desc->open_reader(io.desc, call.context(), &reader);
  if (s == AF_OK) io.desc->close_reader(io.desc, call.context(), &reader);
  return s != AF_ERR_UNSUPPORTED;
}

Status WipeStoredAsset(const IoManagerRef& io, const std::string& asset_key,
                       const std::string& home) {
  if (!io.desc->wipe) {
    return Status::Failed("IO manager '" + io.type + "' cannot wipe stored assets");
  }
  static const std::string kNoRun;
  HostCall call(asset_key, kNoRun, 1, home, io.config, nullptr, nullptr);
  af_status s = io.desc->wipe(io.desc, call.context());
  if (s == AF_OK) return Status::OK();
  return Status::IoError("wiping '" + asset_key + "' through " + io.type + " failed: " +
                         (call.error_message().empty() ? StatusName(s) : call.error_message()));
}

}  // namespace af
