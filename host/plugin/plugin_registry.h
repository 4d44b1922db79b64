// PluginRegistry: loads plugin shared libraries (Boost.DLL, loader only), checks each one's
// version block before reading anything else, and indexes its asset and IO-manager definitions
// as "<plugin>/<definition>".
//
// A bad plugin never stops the others from loading and never crashes the host: each problem is
// a Diagnostic naming the file (not a shared library, no entry symbol, entry returned NULL, bad
// magic, ABI major differs, needs a newer minor, struct_size too small, invalid name, required
// function NULL, duplicate plugin name, duplicate definition, a config schema that is not
// valid JSON Schema, bad declared inputs, init refused). A plugin that passes every check is
// started with its init (ABI 1.1); its deinit runs when the registry is destroyed. Every library that was loaded,
// refused or not, stays loaded: code of it has already run.
//
// A plugin that crashes (fatal signal) or calls exit() while it loads cannot be survived in
// process; loading holds a FatalSignalScope (common/fatal_signal.h), so the process first writes
// one line naming the file to stderr ("assetflow: plugin file '/abs/bad.so' crashed while
// loading (signal 6, SIGABRT); run ...") and then dies of the signal, or exits with status 2.
// `assetflow check --isolate` loads each file in its own process to survive that.
//
// Lifetime: libraries stay loaded for the life of the process (a plugin's own threads may
// outlive the registry); every descriptor pointer it hands out is valid until the registry
// is destroyed. Thread: loading is [main-thread]; lookups are thread-safe once
// loading is done.
#ifndef ASSETFLOW_HOST_PLUGIN_PLUGIN_REGISTRY_H_
#define ASSETFLOW_HOST_PLUGIN_PLUGIN_REGISTRY_H_

#include <assetflow/assetflow.h>

#include <memory>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "manifest/definitions.h"

namespace af {

struct PluginInfo {
  std::string name, version, toolchain, description;
  std::string path;  // the file it was loaded from
  uint16_t abi_major = 0, abi_minor = 0;
  std::vector<std::string> asset_definitions;       // definition names, plugin order
  std::vector<std::string> io_manager_definitions;
};

// What the host calls itself to plugins (af_host_api.host_version, af_host_info.host_version).
inline constexpr const char* kHostVersion = "assetflow 0.1.0";

inline constexpr const char* kDefaultCrashHint =
    "; run 'assetflow check --isolate' to find every bad plugin";

class PluginRegistry {
 public:
  PluginRegistry();
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  // Loads every "*.so" directly in `dir`, in name order. A missing directory is a diagnostic.
  void LoadDirectory(const std::string& dir);
  // Loads one file; false (with a diagnostic) if it was refused.
  bool LoadFile(const std::string& path);
  // The end of the line written when a plugin crashes while loading (default
  // kDefaultCrashHint; "" for none).
  void set_crash_hint(std::string hint);

  const std::vector<PluginInfo>& plugins() const;
  const Diagnostics& errors() const;

  // "<plugin>/<definition>" -> descriptor, or nullptr.
  const af_asset_descriptor* FindAsset(const std::string& type) const;
  const af_io_manager_descriptor* FindIoManager(const std::string& type) const;
  // Types and config schemas for the manifest loader.
  TypeCatalog Catalog() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The annotation a definition's JSON Schema puts on a top-level property whose value cannot
// change the output ("x-assetflow-no-version": true), and the names of the properties of
// `config_schema` that carry it (sorted). Anything else (no schema, not JSON, the annotation
// false or not a boolean, nested properties) marks nothing: the key stays versioned.
inline constexpr char kNoVersionAnnotation[] = "x-assetflow-no-version";
std::vector<std::string> UnversionedConfigKeys(const std::string& config_schema);

// The annotation marking a top-level property secret ("x-assetflow-secret": true; JSON
// Schema's "writeOnly": true and "format": "password" count too), and the properties of
// `config_schema` so marked (sorted): their values are masked wherever config is recorded or
// shown (common/redact.h).
inline constexpr char kSecretAnnotation[] = "x-assetflow-secret";
std::vector<std::string> SecretConfigKeys(const std::string& config_schema);

// The "*.so" regular files directly in `dir`, sorted by name: the files LoadDirectory loads. A
// directory that cannot be listed (fully) appends a diagnostic to `errors`.
std::vector<std::string> PluginFilesIn(const std::string& dir, Diagnostics* errors);

// The message for a second plugin file whose plugin `name` was already loaded from `first_path`.
std::string DuplicatePluginName(const std::string& name, const std::string& first_path);

// Whether an asset definition is an observable source asset (its ABI 1.1 flags, read only when
// its struct_size has them).
bool IsObservable(const af_asset_descriptor* descriptor);

// The system plugin directory, relative to the installation prefix (what `cmake --install`
// and the assetflow package use: /usr/lib/assetflow/plugins).
inline constexpr const char* kSystemPluginDir = "lib/assetflow/plugins";

// Directories to scan, in order: `cli_dirs`, then $ASSETFLOW_PLUGIN_PATH (':'-separated), then
// `manifest_dirs`, then the default "<dir of the executable>/plugins", then the system plugin
// directory "<dir of the executable>/../lib/assetflow/plugins" when it exists. Duplicates
// removed.
std::vector<std::string> PluginSearchPath(const std::vector<std::string>& cli_dirs,
                                          const std::vector<std::string>& manifest_dirs);

}  // namespace af

#endif
