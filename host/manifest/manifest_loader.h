// ManifestLoader: reads YAML manifests (yaml-cpp), merges several files into one set of
// Definitions, expands ${VAR} and ${VAR:-default}, and validates strictly: an unknown key, a
// wrong type, a missing required key, an unknown type or input, a bad asset key, or config
// that does not match the definition's JSON Schema (RapidJSON's validator) is a Diagnostic with
// file:line:col and, for misspellings, the nearest valid name. YAML anchors and merge keys
// ("<<: *base") share settings between entries; top-level "x-..." keys are ignored, a place
// to define such anchors (as in docker-compose).
//
// Two phases, because plugin directories come from the manifests and config schemas from the
// plugins:  Parse(paths) -> PluginDirs() -> (load plugins) -> Resolve(catalog, &defs).
// The loader knows nothing of plugins' code or of execution. Thread: one thread at a time.
#ifndef ASSETFLOW_HOST_MANIFEST_MANIFEST_LOADER_H_
#define ASSETFLOW_HOST_MANIFEST_MANIFEST_LOADER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "manifest/definitions.h"

namespace af {

// A manifest file larger than this is refused unread (the 10,000-asset manifest of the tests
// is 1.8 MB): the YAML tree of a file costs several times its size in memory.
inline constexpr uint64_t kMaxManifestBytes = 64ull << 20;

class ManifestLoader {
 public:
  // Looks up an environment variable for ${VAR}; the default reads the process environment.
  using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

  // The process environment (what the default constructor looks ${VAR} up in).
  static std::optional<std::string> ProcessEnv(const std::string& name);

  ManifestLoader();
  explicit ManifestLoader(EnvLookup env);
  ~ManifestLoader();

  // Reads every path: a file, or a directory whose *.yaml / *.yml files are read in name order.
  // Only regular files of at most kMaxManifestBytes are read (a FIFO, a device or /dev/zero
  // is an error, never a hang); no error quotes a file that is not a manifest.
  // Checks syntax and structure. False if any diagnostic was recorded.
  bool Parse(const std::vector<std::string>& paths);
  // Parses YAML text as if read from file `name` (for tests and stdin).
  bool ParseText(const std::string& text, const std::string& name);

  // The manifests' plugin_dirs, absolute (relative ones resolved against the manifest's folder).
  std::vector<std::string> PluginDirs() const;

  // Checks types, inputs, io_manager keys and config against `catalog` and fills `out`.
  // False if any error was recorded (warnings, e.g. an input read from a write-only IO
  // manager, leave it true and stay in diagnostics()). Resolve diagnostics come in file
  // order, after the parse ones; calling Resolve again replaces them. Adds resource `io_manager` of type
  // fs_io/fs_io_manager (schema defaults as config) when no manifest defines one.
  bool Resolve(const TypeCatalog& catalog, Definitions* out);
  // Resolve for a loader used once (the workspace): moves the parsed definitions into `out`
  // instead of copying them and frees the YAML trees afterwards, so a large manifest is held
  // once, not twice, at the peak of loading. The loader can't resolve again after it.
  bool ResolveOnce(const TypeCatalog& catalog, Definitions* out);

  const Diagnostics& diagnostics() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace af

#endif
