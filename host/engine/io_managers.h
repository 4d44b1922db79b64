// IoManagerSet: which IO manager stores each asset. An asset's `io_manager:` key names a
// resource of the manifests; the resource's type names a plugin definition. Resolved once per
// command, then read-only (safe from any thread).
#ifndef ASSETFLOW_HOST_ENGINE_IO_MANAGERS_H_
#define ASSETFLOW_HOST_ENGINE_IO_MANAGERS_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

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
  // By asset key: whether the Definitions have it, and its IO manager (REQUIRES: Has).
  bool Has(const std::string& asset_key) const;
  const IoManagerRef& ForKey(const std::string& asset_key) const;
  // Every resource in use, once each.
  std::vector<const IoManagerRef*> All() const;

 private:
  const Definitions* defs_ = nullptr;
  std::map<std::string, std::unique_ptr<IoManagerRef>> by_key_;
};

// The ABI 1.1 calls of an IO manager, each null where its descriptor is older (struct_size
// too small) or leaves it out.
struct IoManagerCalls {
  decltype(af_io_manager_descriptor::stage_writer) stage_writer = nullptr;
  decltype(af_io_manager_descriptor::publish) publish = nullptr;
  decltype(af_io_manager_descriptor::discard) discard = nullptr;
  decltype(af_io_manager_descriptor::sync) sync = nullptr;
  decltype(af_io_manager_descriptor::sweep) sweep = nullptr;
  decltype(af_io_manager_descriptor::probe) probe = nullptr;
  // Two-phase commit: stage_writer, publish and discard all offered.
  bool stages() const { return stage_writer && publish && discard; }
};
IoManagerCalls CallsOf(const af_io_manager_descriptor* desc);

// The IO-manager calls the host makes outside a step, each with a fresh context for
// (`asset_key`, `run_id`, `attempt`); errors name the IO manager. [thread-safe]
Status PublishStaged(const IoManagerRef& io, const std::string& asset_key,
                     const std::string& run_id, uint32_t attempt, const std::string& home,
                     bool* nothing_staged);
void DiscardStaged(const IoManagerRef& io, const std::string& asset_key,
                   const std::string& run_id, uint32_t attempt, const std::string& home);
Status SyncStorage(const IoManagerRef& io, const std::string& home);
Status SweepRun(const IoManagerRef& io, const std::string& run_id, const std::string& home);
// The IO manager's reachability check; *probed is false (and the status OK) when it has none.
Status ProbeStorage(const IoManagerRef& io, const std::string& home, bool* probed);

// Whether `io` can load assets: false only when open_reader says AF_ERR_UNSUPPORTED (a
// write-only manager such as fs_io/file_writer). Probes with `asset_key`; reads nothing.
bool CanLoad(const IoManagerRef& io, const std::string& asset_key, const std::string& home);

// Deletes the stored version of `asset_key` through `io` (wipe may be NULL: not supported).
Status WipeStoredAsset(const IoManagerRef& io, const std::string& asset_key,
                       const std::string& home);

}  // namespace af

#endif
