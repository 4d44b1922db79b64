#include "manifest/manifest_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
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

const char* FileTypeName(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISDIR(mode)) return "a directory";
  return "not a regular file";
}

// Reads the manifest at `path` into `text`; returns "" or the error. Only a regular file of
// at most kMaxManifestBytes is read: opening does not block (a FIFO with no writer would hang
// here forever), the type is checked on the open descriptor (no race with a rename), and the
// read stops past the cap (a file that grows while read, /dev/zero). The error never quotes
// the file's contents.
std::string ReadManifestFile(const std::string& path, std::string* text) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return "cannot read manifest: " + std::string(std::strerror(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return "cannot read manifest: " + std::string(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) {
    return std::string("cannot read manifest: ") + FileTypeName(st.st_mode) +
           " (manifests must be regular files)";
  }
  const std::string too_big = "manifest is larger than the limit of " +
                              std::to_string(kMaxManifestBytes) + " bytes";
  if (static_cast<uint64_t>(st.st_size) > kMaxManifestBytes) return too_big;
  text->clear();
  text->reserve(static_cast<size_t>(st.st_size));
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return "cannot read manifest: " + std::string(std::strerror(errno));
    if (n == 0) return "";
    if (text->size() + static_cast<size_t>(n) > kMaxManifestBytes) return too_big;
    text->append(buffer, static_cast<size_t>(n));
  }
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
  // Shared by the suggestions of one Resolve: thousands of unknown names stay cheap.
  SuggestionBudget suggestions;
  // One Resolve's config key lists, one block per asset type in the catalog it was given
  // (filled on first use, cleared after: the catalog may be gone by the next Resolve).
  std::unordered_map<const DefinitionInfo*, std::shared_ptr<const ConfigKeys>> config_keys;

  // The config keys `type` marks, shared by its assets; null when it marks none.
  std::shared_ptr<const ConfigKeys> ConfigKeysOf(const DefinitionInfo& type) {
    if (type.unversioned_config_keys.empty() && type.secret_config_keys.empty()) return nullptr;
    std::shared_ptr<const ConfigKeys>& keys = config_keys[&type];
    if (!keys)
      keys = std::make_shared<const ConfigKeys>(
          ConfigKeys{type.unversioned_config_keys, type.secret_config_keys});
    return keys;
  }

  void ParseFile(const std::string& path) {
    {
      std::string text;
      std::string error = ReadManifestFile(path, &text);
      if (!error.empty()) {
        diagnostics.push_back(PathError(path, std::move(error)));
        return;
      }
      AddTree(text, path);
    }  // the tree holds every value: the file's text goes before the definitions are built
    WalkLastTree();
  }

  void ParseTextAs(const std::string& text, const std::string& name) {
    AddTree(text, name);
    WalkLastTree();
  }

  void AddTree(const std::string& text, const std::string& name) {
    files.push_back(name);
    docs.push_back(YamlDocument::Parse(text, name, env, &diagnostics));
  }

  void WalkLastTree() {
    // A syntax error leaves a partial tree: checking it would only report phantom errors.
    if (docs.back()->complete()) ParseManifestDocument(*docs.back(), &parsed, &diagnostics);
  }

  // Resolves *out, which holds the parsed definition of `a`; `keys` lists every asset key in
  // file order (for suggestions), built on first use.
  void ResolveAsset(const ParsedAsset& a, const TypeCatalog& catalog, const Definitions& defs,
                    bool default_io_manager_missing, ConfigValidator* validator,
                    const std::function<const std::vector<std::string>&()>& keys, AssetDef* out);
  bool Resolve(const TypeCatalog& catalog, bool consume, Definitions* out);
  // The asset's `inputs:` against the inputs its definition declares (ABI 1.1).
  void CheckDeclaredInputs(const AssetDef& def, const DefinitionInfo& type,
                           const std::string& owner);
  // No input may come from an asset stored with a write-only IO manager.
  // `defs.assets` holds every definition, sorted by key (resolved or not).
  void CheckReadableInputs(const AssetDef& def, const TypeCatalog& catalog,
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

void ManifestLoader::Impl::ResolveAsset(
    const ParsedAsset& a, const TypeCatalog& catalog, const Definitions& defs,
    bool default_io_manager_missing, ConfigValidator* validator,
    const std::function<const std::vector<std::string>&()>& keys, AssetDef* out) {
  if (!out->retry_policy) out->retry_policy = parsed.default_retry_policy;
  const std::string owner = "asset '" + out->key + "'";
  std::sort(out->inputs.begin(), out->inputs.end(),
            [](const InputDef& x, const InputDef& y) { return x.name < y.name; });
  for (const InputDef& input : out->inputs) {
    if (defs.FindAsset(input.asset_key)) continue;
    diagnostics.push_back({input.location,
                           "input '" + input.name + "' of " + owner + " names unknown asset '" +
                               input.asset_key + "'",
                           NearestName(input.asset_key, keys(), &suggestions)});
  }

  const std::string& io = out->io_manager_key;
  SourceLocation io_at = a.io_manager_location.line > 0 ? a.io_manager_location : out->location;
  if (io == kDefaultIoManagerKey && default_io_manager_missing) {
    diagnostics.push_back({io_at,
                           owner +
                               " needs resource 'io_manager', which no manifest "
                               "defines and no plugin provides a default for ('" +
                               std::string(kDefaultIoManagerType) + "')",
                           ""});
  } else if (!defs.resources.count(io)) {
    diagnostics.push_back({io_at, owner + " uses unknown resource '" + io + "' as io_manager",
                           NearestName(io, KeysOf(defs.resources), &suggestions)});
  }

  if (out->type.empty()) return;  // its absence is already reported
  auto type = catalog.assets.find(out->type);
  if (type == catalog.assets.end()) {
    bool io_manager = catalog.io_managers.count(out->type) > 0;
    diagnostics.push_back({out->type_location,
                           io_manager ? "'" + out->type + "' is an IO manager, not an asset "
                                            "type, for " + owner + " (declare it under resources)"
                                      : "unknown asset type '" + out->type + "' for " + owner,
                           io_manager ? "" : NearestName(out->type, KeysOf(catalog.assets), &suggestions)});
    return;
  }
  CheckDeclaredInputs(*out, type->second, owner);
  CheckReadableInputs(*out, catalog, defs, owner);
  if (!a.has_code_version) out->code_version = type->second.code_version;
  out->observable = type->second.observable;
  out->config_keys = ConfigKeysOf(type->second);
  ConfigSite site{a.config.doc, a.config.key, a.config.value, out->location, owner, out->type};
  if (auto json = validator->Validate(type->second, site, &diagnostics)) out->config_json = *json;
}

void ManifestLoader::Impl::CheckDeclaredInputs(const AssetDef& def, const DefinitionInfo& type,
                                               const std::string& owner) {
  if (!type.declared_inputs) return;  // an ABI 1.0 definition: it says nothing about inputs
  std::vector<std::string> declared;
  for (const DeclaredInput& d : *type.declared_inputs) declared.push_back(d.name);
  for (const InputDef& input : def.inputs) {
    if (std::find(declared.begin(), declared.end(), input.name) != declared.end()) continue;
    diagnostics.push_back({input.location,
                           "unknown input '" + input.name + "' for " + owner + " (" + def.type +
                               (declared.empty() ? " takes no inputs)"
                                                 : " declares " + JoinQuoted(declared) + ")"),
                           NearestName(input.name, declared)});
  }
  for (const DeclaredInput& d : *type.declared_inputs) {
    if (d.optional) continue;
    const bool given = std::any_of(def.inputs.begin(), def.inputs.end(),
                                   [&](const InputDef& in) { return in.name == d.name; });
    if (!given) {
      diagnostics.push_back({def.location,
                             owner + " lacks required input '" + d.name + "' of " + def.type +
                                 " (add it under inputs:, e.g. `inputs: { " + d.name +
                                 ": <upstream asset> }`)",
                             ""});
    }
  }
}

void ManifestLoader::Impl::CheckReadableInputs(const AssetDef& def, const TypeCatalog& catalog,
                                               const Definitions& defs, const std::string& owner) {
  for (const InputDef& input : def.inputs) {
    const AssetDef* upstream = defs.FindAsset(input.asset_key);
    if (!upstream) continue;  // reported
    const std::string& io_key = upstream->io_manager_key;
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
  return impl_->Resolve(catalog, false, out);
}

bool ManifestLoader::ResolveOnce(const TypeCatalog& catalog, Definitions* out) {
  const bool ok = impl_->Resolve(catalog, true, out);
  std::vector<ParsedAsset>().swap(impl_->parsed.assets);
  impl_->parsed.asset_by_key.clear();
  impl_->docs.clear();
  return ok;
}

bool ManifestLoader::Impl::Resolve(const TypeCatalog& catalog, bool consume, Definitions* out) {
  Impl& m = *this;
  m.diagnostics.resize(m.parse_diagnostics);
  m.suggestions = {};
  m.config_keys.clear();
  Definitions defs;
  defs.files = m.files;
  defs.plugin_dirs = m.parsed.plugin_dirs;
  defs.schedules = m.parsed.schedules;
  defs.alerts = m.parsed.alerts;
  defs.executor = m.parsed.executor;
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
           asset ? "" : NearestName(def.type, KeysOf(catalog.io_managers), &m.suggestions)});
      continue;
    }
    def.secret_config_keys = type->second.secret_config_keys;
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
      def.secret_config_keys = type->second.secret_config_keys;
      if (auto json = validator.Validate(type->second, site, &m.diagnostics))
        def.config_json = *json;
      defs.resources[def.key] = def;
    }
  }

  // Resolved in key order: sorting indices is cheaper than moving AssetDefs.
  std::vector<AssetDef>& parsed_defs = m.parsed.asset_defs;
  std::vector<size_t> order(parsed_defs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t x, size_t y) { return parsed_defs[x].key < parsed_defs[y].key; });
  if (consume) {
    // Into key order in place (position i takes definition order[i], cycle by cycle), then
    // handed over: the definitions exist once, never parsed and resolved side by side.
    std::vector<bool> placed(order.size(), false);
    for (size_t i = 0; i < order.size(); ++i) {
      if (placed[i]) continue;
      AssetDef first = std::move(parsed_defs[i]);
      for (size_t j = i;;) {
        placed[j] = true;
        const size_t from = order[j];
        if (from == i) {
          parsed_defs[j] = std::move(first);
          break;
        }
        parsed_defs[j] = std::move(parsed_defs[from]);
        j = from;
      }
    }
    defs.assets = std::move(parsed_defs);
    parsed_defs.clear();
  } else {
    defs.assets.resize(order.size());
    for (size_t i = 0; i < order.size(); ++i) defs.assets[i] = parsed_defs[order[i]];
  }
  std::vector<std::string> asset_keys;  // for suggestions, in file order, filled on demand
  auto keys = [&]() -> const std::vector<std::string>& {
    if (asset_keys.empty()) {
      asset_keys.resize(order.size());
      for (size_t i = 0; i < order.size(); ++i) asset_keys[order[i]] = defs.assets[i].key;
    }
    return asset_keys;
  };
  for (size_t i = 0; i < order.size(); ++i) {
    m.ResolveAsset(m.parsed.assets[order[i]], catalog, defs, default_io_manager_missing,
                   &validator, keys, &defs.assets[i]);
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
  m.config_keys.clear();

  *out = std::move(defs);
  return std::none_of(m.diagnostics.begin(), m.diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::kError;
  });
}

}  // namespace af
