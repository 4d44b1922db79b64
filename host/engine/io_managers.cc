#include "engine/io_managers.h"

#include <cstddef>

namespace af {

IoManagerCalls CallsOf(const af_io_manager_descriptor* d) {
  IoManagerCalls calls;
#define AF_IO_CALL(field)                                                              \
  if (d->struct_size >= offsetof(af_io_manager_descriptor, field) + sizeof(d->field)) \
    calls.field = d->field;
  AF_IO_CALL(stage_writer)
  AF_IO_CALL(publish)
  AF_IO_CALL(discard)
  AF_IO_CALL(sync)
  AF_IO_CALL(sweep)
  AF_IO_CALL(probe)
#undef AF_IO_CALL
  return calls;
}

namespace {

Status CallFailed(const IoManagerRef& io, const char* what, const std::string& subject,
                  af_status s, const HostCall& call) {
  return Status::IoError(std::string(what) + " '" + subject + "' through " + io.type +
                         " failed: " +
                         (call.error_message().empty() ? StatusName(s) : call.error_message()));
}

}  // namespace

Status PublishStaged(const IoManagerRef& io, const std::string& asset_key,
                     const std::string& run_id, uint32_t attempt, const std::string& home,
                     bool* nothing_staged) {
  *nothing_staged = false;
  const IoManagerCalls calls = CallsOf(io.desc);
  if (!calls.publish) return Status::OK();
  HostCall call(asset_key, run_id, attempt, home, io.config, nullptr, nullptr);
  const af_status s = calls.publish(io.desc, call.context());
  if (s == AF_OK) return Status::OK();
  if (s == AF_ERR_NOT_FOUND) {
    *nothing_staged = true;
    return Status::OK();
  }
  return CallFailed(io, "publishing", asset_key, s, call);
}

void DiscardStaged(const IoManagerRef& io, const std::string& asset_key,
                   const std::string& run_id, uint32_t attempt, const std::string& home) {
  const IoManagerCalls calls = CallsOf(io.desc);
  if (!calls.discard) return;
  HostCall call(asset_key, run_id, attempt, home, io.config, nullptr, nullptr);
  calls.discard(io.desc, call.context());
}

Status SyncStorage(const IoManagerRef& io, const std::string& home) {
  const IoManagerCalls calls = CallsOf(io.desc);
  if (!calls.sync) return Status::OK();
  static const std::string kNone;
  HostCall call(kNone, kNone, 0, home, io.config, nullptr, nullptr);
  const af_status s = calls.sync(io.desc, call.context());
  return s == AF_OK ? Status::OK() : CallFailed(io, "syncing", io.resource_key, s, call);
}

Status SweepRun(const IoManagerRef& io, const std::string& run_id, const std::string& home) {
  const IoManagerCalls calls = CallsOf(io.desc);
  if (!calls.sweep) return Status::OK();
  static const std::string kNone;
  HostCall call(kNone, run_id, 0, home, io.config, nullptr, nullptr);
  const af_status s = calls.sweep(io.desc, call.context());
  return s == AF_OK ? Status::OK() : CallFailed(io, "sweeping run", run_id, s, call);
}

Status ProbeStorage(const IoManagerRef& io, const std::string& home, bool* probed) {
  const IoManagerCalls calls = CallsOf(io.desc);
  *probed = calls.probe != nullptr;
  if (!calls.probe) return Status::OK();
  static const std::string kNone;
  HostCall call(kNone, kNone, 0, home, io.config, nullptr, nullptr);
  const af_status s = calls.probe(io.desc, call.context());
  return s == AF_OK ? Status::OK() : CallFailed(io, "probing", io.resource_key, s, call);
}

Expected<std::unique_ptr<IoManagerSet>> IoManagerSet::Resolve(const Definitions& defs,
                                                              const PluginRegistry& registry) {
  auto set = std::unique_ptr<IoManagerSet>(new IoManagerSet());
  set->defs_ = &defs;
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

bool IoManagerSet::Has(const std::string& asset_key) const {
  return defs_->FindAsset(asset_key) != nullptr;
}

const IoManagerRef& IoManagerSet::ForKey(const std::string& asset_key) const {
  return For(defs_->assets[defs_->IndexOf(asset_key).value()]);
}

std::vector<const IoManagerRef*> IoManagerSet::All() const {
  std::vector<const IoManagerRef*> all;
  for (const auto& [key, ref] : by_key_) all.push_back(ref.get());
  return all;
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
  if (s == AF_ERR_UNSUPPORTED) {
    return Status::Failed("IO manager '" + io.type + "' cannot wipe stored assets" +
                          (call.error_message().empty() ? "" : " (" + call.error_message() + ")"));
  }
  return Status::IoError("wiping '" + asset_key + "' through " + io.type + " failed: " +
                         (call.error_message().empty() ? StatusName(s) : call.error_message()));
}

}  // namespace af
