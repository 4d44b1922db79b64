// IoManagerSet: which IO manager stores each asset. An asset's `io_manager:` key names a
// resource of the manifests; the resource's type names a plugin definition. Resolved once per
// command, then read-only (safe from any thread).
#ifndef ASSETFLOW_HOST_ENGINE_IO_MANAGERS_H_
#define ASSETFLOW_HOST_ENGINE_IO_MANAGERS_H_

#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "engine/host_context.h"
#include "manifest/definitions.h"
#include "plugin/plugin_registry.h"

namespace af {

// The default IO manager when the manifests define no `io_manager` resource (as Dagster's
// fs_io_manager is the default "io_manager").
inline constexpr const char* kDefaultIoManagerType = "fs_io/fs_io_manager";

struct IoManagerRef {
  std::string resource_key;  // "io_manager"
  std::string type;          // "fs_io/fs_io_manager"
  const af_io_manager_descriptor* desc = nullptr;  // owned by the plugin registry
  ParsedConfig config;
  explicit IoManagerRef(std::string json) : config(std::move(json)) {}
};

class IoManagerSet {
 public:
  // Resolves the resource of every asset of `defs`. NotFound names the asset, the key and what
  // is missing. `registry` must outlive the set.
  static Expected<std::unique_ptr<IoManagerSet>> Resolve(const Definitions& defs,
                                                         const PluginRegistry& registry);
  // The IO manager of `asset` (which was in the Definitions given to Resolve).
  const IoManagerRef& For(const AssetDef& asset) const;

 private:
  std::map<std::string, std::unique_ptr<IoManagerRef>> by_key_;
};

// Whether `io` can load assets: false only when open_reader says AF_ERR_UNSUPPORTED (a
// write-only manager such as fs_io/file_writer). Probes with `asset_key`; reads nothing.
bool CanLoad(const IoManagerRef& io, const std::string& asset_key, const std::string& home);

// Deletes the stored version of `asset_key` through `io` (wipe may be NULL: not supported).
Status WipeStoredAsset(const IoManagerRef& io, const std::string& asset_key,
                       const std::string& home);

}  // namespace af

#endif
