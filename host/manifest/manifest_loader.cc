#include "manifest/manifest_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <tuple>
#include <unordered_map>

#include "manifest/config_validator.h"
#include "manifest/manifest_parser.h"
#include "manifest/yaml_document.h"

namespace af {

namespace fs = std::filesystem;

namespace {

// The IO manager every asset uses unless it names another, as in Dagster.
constexpr const char* kDefaultIoManagerKey = "io_manager";
constexpr const char* kDefaultIoManagerType = "fs_io/fs_io_manager";

template <class V>
std::vector<std::string> KeysOf(const std::map<std::string, V>& m) {
  std::vector<std::string> keys;
  keys.reserve(m.size());
  for (const auto& [k, v] : m) keys.push_back(k);
  return keys;
}

// "'a', 'b' and 'c'".
std::string JoinQuoted(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + ("'" + names[i] + "'");
  return out;
}

// A problem with a whole file or directory (no line). Built field by field: GCC 12 warns
// spuriously about nested brace-initialized strings here.
Diagnostic PathError(const std::string& path, std::string message) {
  Diagnostic d;
  d.location.file = path;
  d.message = std::move(message);
  return d;
}

bool IsManifestFile(const fs::path& p) {
  return p.extension() == ".yaml" || p.extension() == ".yml";
}

}  // namespace

struct ManifestLoader::Impl {
  EnvLookup env;
  Diagnostics diagnostics;
  std::vector<std::unique_ptr<YamlDocument>> docs;  // own the trees ParsedManifest points into
  std::vector<std::string> files;
  ParsedManifest parsed;
  // Diagnostics of the parse phase; Resolve replaces whatever follows, so it may run again.
  size_t parse_diagnostics = 0;

  void ParseFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    if (in) text << in.rdbuf();
    if (!in || in.bad()) {
      diagnostics.push_back(
          PathError(path, "cannot read manifest: " + std::string(std::strerror(errno))));
      return;
    }
    ParseTextAs(text.str(), path);
  }

  void ParseTextAs(const std::string& text, const std::string& name) {
    files.push_back(name);
    docs.push_back(YamlDocument::Parse(text, name, env, &diagnostics));
    // A syntax error leaves a partial tree: checking it would only report phantom errors.
    if (docs.back()->complete()) ParseManifestDocument(*docs.back(), &parsed, &diagnostics);
  }

  void ResolveAsset(const ParsedAsset& a, const TypeCatalog& catalog, const Definitions& defs,
                    bool default_io_manager_missing, ConfigValidator* validator,
                    std::vector<std::string>* asset_keys, AssetDef* out);
  // The asset's `inputs:` against the inputs its definition declares (ABI 1.1).
  void CheckDeclaredInputs(const ParsedAsset& a, const DefinitionInfo& type,
                           const std::string& owner);
  // No input may come from an asset stored with a write-only IO manager.
  void CheckReadableInputs(const ParsedAsset& a, const TypeCatalog& catalog,
                           const Definitions& defs, const std::string& owner);
};

std::optional<std::string> ManifestLoader::ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

ManifestLoader::ManifestLoader() : ManifestLoader(ProcessEnv) {}
ManifestLoader::ManifestLoader(EnvLookup env) : impl_(std::make_unique<Impl>()) {
  impl_->env = std::move(env);
}
ManifestLoader::~ManifestLoader() = default;

bool ManifestLoader::Parse(const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      impl_->ParseFile(path);
      continue;
    }
    std::vector<fs::path> found;
    std::error_code list_error;  // iterated by hand: operator++ would throw on an error
    for (fs::directory_iterator it(path, list_error), end; !list_error && it != end;
         it.increment(list_error)) {
      std::error_code type_error;  // a dangling symlink is skipped, not an error
      if (IsManifestFile(it->path()) && it->is_regular_file(type_error))
        found.push_back(it->path());
    }
    std::sort(found.begin(), found.end(),
              [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
    if (list_error) {
      impl_->diagnostics.push_back(
          PathError(path, "cannot list directory: " + list_error.message()));
    } else if (found.empty()) {
      impl_->diagnostics.push_back(
          PathError(path, "no manifests (*.yaml, *.yml) in this directory"));
    }
    for (const fs::path& file : found) impl_->ParseFile(file.string());
  }
  impl_->parse_diagnostics = impl_->diagnostics.size();
  return impl_->diagnostics.empty();
}

bool ManifestLoader::ParseText(const std::string& text, const std::string& name) {
  impl_->ParseTextAs(text, name);
  impl_->parse_diagnostics = impl_->diagnostics.size();
  return impl_->diagnostics.empty();
}

std::vector<std::string> ManifestLoader::PluginDirs() const { return impl_->parsed.plugin_dirs; }

const Diagnostics& ManifestLoader::diagnostics() const { return impl_->diagnostics; }

void ManifestLoader::Impl::ResolveAsset(const ParsedAsset& a, const TypeCatalog& catalog,
                                        const Definitions& defs, bool default_io_manager_missing,
                                        ConfigValidator* validator,
                                        std::vector<std::string>* asset_keys, AssetDef* out) {
  *out = a.def;
  if (!out->retry_policy) out->retry_policy = parsed.default_retry_policy;
  const std::string owner = "asset '" + a.def.key + "'";
  std::sort(out->inputs.begin(), out->inputs.end(),
            [](const InputDef& x, const InputDef& y) { return x.name < y.name; });
  for (const InputDef& input : out->inputs) {
    if (parsed.asset_by_key.count(input.asset_key)) continue;
    if (asset_keys->empty()) {  // built on the first miss only: the common case never needs it
      for (const ParsedAsset& p : parsed.assets) asset_keys->push_back(p.def.key);
    }
    diagnostics.push_back({input.location,
                           "input '" + input.name + "' of " + owner + " names unknown asset '" +
                               input.asset_key + "'",
                           NearestName(input.asset_key, *asset_keys)});
  }

  const std::string& io = out->io_manager_key;
  SourceLocation io_at = a.io_manager_location.line > 0 ? a.io_manager_location : a.def.location;
  if (io == kDefaultIoManagerKey && default_io_manager_missing) {
    diagnostics.push_back({io_at,
                           owner +
                               " needs resource 'io_manager', which no manifest "
                               "defines and no plugin provides a default for ('" +
                               std::string(kDefaultIoManagerType) + "')",
                           ""});
  } else if (!defs.resources.count(io)) {
    diagnostics.push_back({io_at, owner + " uses unknown resource '" + io + "' as io_manager",
                           NearestName(io, KeysOf(defs.resources))});
  }

  if (a.def.type.empty()) return;  // its absence is already reported
  auto type = catalog.assets.find(a.def.type);
  if (type == catalog.assets.end()) {
    bool io_manager = catalog.io_managers.count(a.def.type) > 0;
    diagnostics.push_back({a.def.type_location,
                           io_manager ? "'" + a.def.type + "' is an IO manager, not an asset "
                                            "type, for " + owner + " (declare it under resources)"
                                      : "unknown asset type '" + a.def.type + "' for " + owner,
                           io_manager ? "" : NearestName(a.def.type, KeysOf(catalog.assets))});
    return;
  }
  CheckDeclaredInputs(a, type->second, owner);
  CheckReadableInputs(a, catalog, defs, owner);
  if (!a.has_code_version) out->code_version = type->second.code_version;
  out->observable = type->second.observable;
  out->unversioned_config_keys = type->second.unversioned_config_keys;
  ConfigSite site{a.config.doc, a.config.key, a.config.value, a.def.location, owner, a.def.type};
  if (auto json = validator->Validate(type->second, site, &diagnostics)) out->config_json = *json;
}

void ManifestLoader::Impl::CheckDeclaredInputs(const ParsedAsset& a, const DefinitionInfo& type,
                                               const std::string& owner) {
  if (!type.declared_inputs) return;  // an ABI 1.0 definition: it says nothing about inputs
  std::vector<std::string> declared;
  for (const DeclaredInput& d : *type.declared_inputs) declared.push_back(d.name);
  for (const InputDef& input : a.def.inputs) {
    if (std::find(declared.begin(), declared.end(), input.name) != declared.end()) continue;
    diagnostics.push_back({input.location,
                           "unknown input '" + input.name + "' for " + owner + " (" + a.def.type +
                               (declared.empty() ? " takes no inputs)"
                                                 : " declares " + JoinQuoted(declared) + ")"),
                           NearestName(input.name, declared)});
  }
  for (const DeclaredInput& d : *type.declared_inputs) {
    if (d.optional) continue;
    const bool given = std::any_of(a.def.inputs.begin(), a.def.inputs.end(),
                                   [&](const InputDef& in) { return in.name == d.name; });
    if (!given) {
      diagnostics.push_back({a.def.location,
                             owner + " lacks required input '" + d.name + "' of " + a.def.type +
                                 " (add it under inputs:, e.g. `inputs: { " + d.name +
                                 ": <upstream asset> }`)",
                             ""});
    }
  }
}

void ManifestLoader::Impl::CheckReadableInputs(const ParsedAsset& a, const TypeCatalog& catalog,
                                               const Definitions& defs, const std::string& owner) {
  for (const InputDef& input : a.def.inputs) {
    auto upstream = parsed.asset_by_key.find(input.asset_key);
    if (upstream == parsed.asset_by_key.end()) continue;  // reported already
    const std::string& io_key = parsed.assets[upstream->second].def.io_manager_key;
    auto resource = defs.resources.find(io_key);
    if (resource == defs.resources.end()) continue;
    auto io = catalog.io_managers.find(resource->second.type);
    if (io == catalog.io_managers.end() || !io->second.write_only) continue;
    // A warning: within one run the host hands the bytes on itself, so only a run that
    // selects this asset without its upstream fails (at run time).
    Diagnostic d{input.location,
                 "input '" + input.name + "' of " + owner + " reads asset '" + input.asset_key +
                     "', which is stored with write-only IO manager '" + io_key + "' (" +
                     resource->second.type +
                     "): it is never loaded from storage, so materialize both in one run (or "
                     "store '" + input.asset_key + "' with a readable IO manager)",
                 ""};
    d.severity = Diagnostic::Severity::kWarning;
    diagnostics.push_back(std::move(d));
  }
}

bool ManifestLoader::Resolve(const TypeCatalog& catalog, Definitions* out) {
  Impl& m = *impl_;
  m.diagnostics.resize(m.parse_diagnostics);
  Definitions defs;
  defs.files = m.files;
  defs.plugin_dirs = m.parsed.plugin_dirs;
  ConfigValidator validator;

  for (const ParsedResource& r : m.parsed.resources) {
    ResourceDef& def = defs.resources[r.def.key] = r.def;
    if (def.type.empty()) continue;  // its absence is already reported
    auto type = catalog.io_managers.find(def.type);
    if (type == catalog.io_managers.end()) {
      bool asset = catalog.assets.count(def.type) > 0;
      m.diagnostics.push_back(
          {def.type_location,
           asset ? "'" + def.type + "' is an asset type, not an IO manager, for resource '" +
                       def.key + "' (declare it under assets)"
                 : "unknown IO manager type '" + def.type + "' for resource '" + def.key + "'",
           asset ? "" : NearestName(def.type, KeysOf(catalog.io_managers))});
      continue;
    }
    ConfigSite site{
        r.config.doc, r.config.key, r.config.value, def.location, "resource '" + def.key + "'",
        def.type};
    if (auto json = validator.Validate(type->second, site, &m.diagnostics)) def.config_json = *json;
  }

  // Dagster's default: an fs IO manager, unless a manifest says otherwise. It takes no config
  // here, so its schema's defaults (base_dir) decide where assets go.
  bool default_io_manager_missing = false;
  if (!defs.resources.count(kDefaultIoManagerKey)) {
    auto type = catalog.io_managers.find(kDefaultIoManagerType);
    if (type == catalog.io_managers.end()) {
      default_io_manager_missing = true;
    } else {
      ResourceDef def;
      def.key = kDefaultIoManagerKey;
      def.type = kDefaultIoManagerType;
      ConfigSite site;  // no YAML behind it
      site.owner_name = "the default resource 'io_manager'";
      site.type = def.type;
      if (auto json = validator.Validate(type->second, site, &m.diagnostics))
        def.config_json = *json;
      defs.resources[def.key] = def;
    }
  }

  // Resolved straight into key order: sorting indices is cheaper than moving AssetDefs.
  std::vector<size_t> order(m.parsed.assets.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return m.parsed.assets[x].def.key < m.parsed.assets[y].def.key;
  });
  std::vector<std::string> asset_keys;  // for suggestions, filled on demand
  defs.assets.resize(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    m.ResolveAsset(m.parsed.assets[order[i]], catalog, defs, default_io_manager_missing, &validator,
                   &asset_keys, &defs.assets[i]);
    defs.asset_index.emplace_hint(defs.asset_index.end(), defs.assets[i].key, i);
  }

  // Assets were resolved in key order; people read files top to bottom.
  std::unordered_map<std::string, size_t> file_rank;
  for (size_t i = 0; i < m.files.size(); ++i) file_rank.emplace(m.files[i], i);
  auto rank = [&](const Diagnostic& d) {
    auto it = file_rank.find(d.location.file);
    return std::make_tuple(it == file_rank.end() ? m.files.size() : it->second, d.location.line,
                           d.location.column);
  };
  std::stable_sort(m.diagnostics.begin() + m.parse_diagnostics, m.diagnostics.end(),
                   [&](const Diagnostic& x, const Diagnostic& y) { return rank(x) < rank(y); });

  *out = std::move(defs);
  return std::none_of(m.diagnostics.begin(), m.diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::kError;
  });
}

}  // namespace af
