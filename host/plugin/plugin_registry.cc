#include "plugin/plugin_registry.h"

#include <boost/dll/shared_library.hpp>
#include <dlfcn.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>

#include <rapidjson/document.h>

#include "common/fatal_signal.h"
#include "plugin/descriptor_fields.h"

namespace af {
namespace {

namespace fs = std::filesystem;


// The version block: magic, struct_size, abi_major, abi_minor. Read before anything else.
constexpr std::size_t kVersionBlockSize = AF_END_OF(af_plugin_entry, abi_minor);
// Every struct must have at least its ABI 1.0 fields: host code then reads any 1.0 field
// (io_manager.wipe, entry.get_extension included) without a size check. Fields appended by a
// later minor are read only after checking struct_size against them.
constexpr std::size_t kMinEntrySize = AF_END_OF(af_plugin_entry, get_extension);
constexpr std::size_t kMinAssetDescriptorSize = AF_END_OF(af_asset_descriptor, materialize);
constexpr std::size_t kMinIoManagerDescriptorSize = AF_END_OF(af_io_manager_descriptor, wipe);

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

std::string AbiString(unsigned major, unsigned minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}


// True when the file starts with the ELF magic: lets "this is not a library at all" be told
// apart from "a library that cannot be loaded" (missing dependency, wrong architecture).
bool HasElfHeader(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, sizeof magic) && std::memcmp(magic, "\x7f" "ELF", 4) == 0;
}



// Boost.DLL clears dlerror() and reports a bare errno-style code when dlopen fails, which says
// nothing useful ("missing libfoo.so.1", "wrong ELF class"). Repeat the dlopen only to read the
// loader's own explanation; the handle (never expected) is closed at once.
std::string DlopenFailureReason(const std::string& path) {
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle != nullptr) {
    ::dlclose(handle);
    return "the dynamic loader refused it";
  }
  const char* why = ::dlerror();
  return why ? why : "unknown dynamic loader error";
}

// How one list of definitions in the entry is named in messages, and its minimum struct_size.
struct DefinitionKind {
  const char* label;       // "asset"
  const char* count_field;  // "asset_count"
  const char* list_field;   // "assets"
  std::size_t min_size;
};

// Checks a definition list (assets or IO managers): pointers, struct_size, names, required
// functions (`missing_function` names the first NULL one), uniqueness within the plugin.
// Appends the accepted names to `names`; returns the first problem, or "".
template <class Descriptor, class MissingFunction>
std::string CheckDefinitions(const DefinitionKind& kind, uint32_t count,
                             const Descriptor* const* list, const std::string& plugin,
                             MissingFunction missing_function, std::vector<std::string>* names) {
  if (count > 0 && list == nullptr) {
    return "plugin entry has " + std::string(kind.count_field) + " " + std::to_string(count) +
           " but " + kind.list_field + " is NULL";
  }
  std::set<std::string> seen;
  for (uint32_t i = 0; i < count; ++i) {
    const Descriptor* d = list[i];
    const std::string where = std::string(kind.label) + " definition #" + std::to_string(i);
    if (d == nullptr) return where + " is NULL";
    if (d->struct_size < kind.min_size) {
      return where + ": struct_size is " + std::to_string(d->struct_size) + " bytes; ABI " +
             AbiString(AF_ABI_MAJOR, 0) + " needs at least " + std::to_string(kind.min_size);
    }
    if (!IsValidName(d->name)) return where + ": " + NameError("definition", d->name);
    const std::string named = std::string(kind.label) + " definition '" + d->name + "'";
    if (const char* missing = missing_function(d)) return named + ": " + missing + " is NULL";
    if (!seen.insert(d->name).second) return "duplicate " + named + " in plugin '" + plugin + "'";
    names->push_back(d->name);
  }
  return "";
}

}  // namespace

struct PluginRegistry::Impl {
  std::mutex mu;  // serializes loading: dlopen and static initializers are not thread-safe
  std::vector<PluginInfo> plugins;
  // Every library that was loaded, refused ones included: their static initializers (maybe
  // the entry too) have run and may have started threads or registered callbacks, so
  // unloading is never known to be safe. Released only when the registry is destroyed.
  std::vector<std::shared_ptr<boost::dll::shared_library>> libraries;
  Diagnostics errors;
  std::string crash_hint = kDefaultCrashHint;
  std::map<std::string, const af_asset_descriptor*> assets;          // "<plugin>/<def>"
  std::map<std::string, const af_io_manager_descriptor*> io_managers;  // "<plugin>/<def>"
  // deinit of every plugin whose init succeeded (or that has no init), in load order.
  std::vector<void(AF_ABI*)(void)> deinits;

  void Error(const std::string& path, std::string message) {
    Diagnostic d;
    d.location.file = path;
    d.message = std::move(message);
    errors.push_back(std::move(d));
  }

  // Checks the entry and everything it reaches, in the order that never reads a field the
  // plugin may not have. Returns an empty string when acceptable, else the problem.
  std::string Validate(const af_plugin_entry* e, PluginInfo* info) const;
  // Calls the entry's init (ABI 1.1) with the host's info; false with `problem` set if it
  // refused. Registers its deinit.
  bool Init(const af_plugin_entry* e, const std::string& absolute_path, std::string* problem);
  bool Load(const std::string& path);
};

namespace {
// The host side of af_host_info during one init call.
struct InitCall {
  af_host_info info{};
  std::string error;
  bool error_set = false;
};
}  // namespace

bool PluginRegistry::Impl::Init(const af_plugin_entry* e, const std::string& absolute_path,
                                std::string* problem) {
  const bool has_init = e->struct_size >= AF_END_OF(af_plugin_entry, deinit);
  if (!has_init || e->init == nullptr) {
    if (has_init && e->deinit != nullptr) deinits.push_back(e->deinit);
    return true;
  }
  InitCall call;
  call.info.struct_size = sizeof(af_host_info);
  call.info.abi_major = AF_ABI_MAJOR;
  call.info.abi_minor = AF_ABI_MINOR;
  call.info.host_version = kHostVersion;
  call.info.plugin_path = absolute_path.c_str();
  call.info.host_data = &call;
  call.info.set_error = [](const af_host_info* info, const char* message) {
    auto* c = static_cast<InitCall*>(info->host_data);
    c->error = message ? message : "";
    c->error_set = true;
  };
  // No host extension is defined yet (extension.h has the naming rule): every id answers NULL.
  call.info.get_extension = [](const af_host_info*, const char*) -> const void* { return nullptr; };
  const af_status s = e->init(&call.info);
  if (s == AF_OK) {
    if (e->deinit != nullptr) deinits.push_back(e->deinit);
    return true;
  }
  *problem = "the plugin's init refused to start (status " + std::to_string(s) + ")" +
             (call.error.empty() ? std::string(", without saying why") : ": " + call.error);
  return false;
}

std::string PluginRegistry::Impl::Validate(const af_plugin_entry* e, PluginInfo* info) const {
  if (e->magic != AF_PLUGIN_MAGIC) {
    return "bad magic " + Hex32(e->magic) + " in the plugin entry (expected " +
           Hex32(AF_PLUGIN_MAGIC) + ", \"AFPL\"): not an assetflow plugin entry";
  }
  if (e->struct_size < kVersionBlockSize) {
    return "plugin entry struct_size is " + std::to_string(e->struct_size) +
           " bytes, smaller than the " + std::to_string(kVersionBlockSize) +
           "-byte version block (corrupt entry)";
  }
  if (e->abi_major != AF_ABI_MAJOR) {
    return "plugin was built for ABI " + std::to_string(e->abi_major) +
           ".x; this host supports " + AbiString(AF_ABI_MAJOR, AF_ABI_MINOR) +
           " (rebuild it against this SDK)";
  }
  if (e->abi_minor > AF_ABI_MINOR) {
    return "plugin needs ABI " + AbiString(e->abi_major, e->abi_minor) +
           "; this host supports " + AbiString(AF_ABI_MAJOR, AF_ABI_MINOR) +
           " (upgrade assetflow, or rebuild the plugin against this host's SDK)";
  }
  if (e->struct_size < kMinEntrySize) {
    return "plugin entry struct_size is " + std::to_string(e->struct_size) +
           " bytes; an ABI " + std::to_string(AF_ABI_MAJOR) + ".x entry has at least " +
           std::to_string(kMinEntrySize) + " (corrupt entry or wrong SDK)";
  }
  if (!IsValidName(e->name)) return NameError("plugin", e->name);
  info->name = e->name;
  info->version = OrEmpty(e->version);
  info->toolchain = OrEmpty(e->toolchain);
  info->description = OrEmpty(e->description);
  info->abi_major = e->abi_major;
  info->abi_minor = e->abi_minor;

  std::string problem = CheckDefinitions(
      DefinitionKind{"asset", "asset_count", "assets", kMinAssetDescriptorSize}, e->asset_count,
      e->assets, info->name,
      [](const af_asset_descriptor* d) -> const char* {
        return d->materialize ? nullptr : "materialize";
      },
      &info->asset_definitions);
  if (!problem.empty()) return problem;
  for (uint32_t i = 0; i < e->asset_count; ++i) {
    const af_asset_descriptor* d = e->assets[i];
    std::string bad = CheckDeclaredInputs(d);
    if (bad.empty()) bad = CheckConfigSchema(d->config_schema);
    if (!bad.empty()) return "asset definition '" + std::string(d->name) + "': " + bad;
  }
  problem = CheckDefinitions(
      DefinitionKind{"IO manager", "io_manager_count", "io_managers", kMinIoManagerDescriptorSize},
      e->io_manager_count, e->io_managers, info->name,
      [](const af_io_manager_descriptor* d) -> const char* {
        return !d->open_writer     ? "open_writer"
               : !d->commit_writer ? "commit_writer"
               : !d->abort_writer  ? "abort_writer"
               : !d->open_reader   ? "open_reader"
               : !d->close_reader  ? "close_reader"
                                   : nullptr;  // wipe may be NULL: wiping is optional
      },
      &info->io_manager_definitions);
  if (!problem.empty()) return problem;
  for (uint32_t i = 0; i < e->io_manager_count; ++i) {
    const af_io_manager_descriptor* d = e->io_managers[i];
    std::string bad = CheckConfigSchema(d->config_schema);
    if (!bad.empty()) return "IO manager definition '" + std::string(d->name) + "': " + bad;
  }
  return "";
}

bool PluginRegistry::Impl::Load(const std::string& path) {
  if (!HasElfHeader(path)) {
    Error(path, "not a shared library (no ELF header); only assetflow plugins belong in a plugin directory");
    return false;
  }
  // An absolute path, so the loader never searches LD_LIBRARY_PATH for a bare file name.
  std::error_code fs_ec;
  const std::string absolute = fs::absolute(path, fs_ec).string();
  // The plugin's constructors, its entry and the fields it points to may crash or exit():
  // then the process says which file did it before dying. kProcess: a constructor may have
  // started a thread.
  FatalSignalScope crash_report(
      FatalReport{"assetflow: plugin file '" + absolute + "'", "while loading", crash_hint, 2},
      FatalSignalScope::Reach::kProcess);
  auto library = std::make_shared<boost::dll::shared_library>();
  boost::system::error_code ec;
  // rtld_now: an unresolved symbol is reported here, not as a crash in the middle of a run.
  // rtld_local: one plugin's symbols never satisfy another's.
  library->load(absolute, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec || !library->is_loaded()) {
    Error(path, "cannot load shared library: " + DlopenFailureReason(absolute));
    return false;
  }
  libraries.push_back(library);
  if (!library->has(AF_PLUGIN_ENTRY_SYMBOL)) {
    Error(path, "no entry symbol '" AF_PLUGIN_ENTRY_SYMBOL
                "' (not an assetflow plugin; build it with assetflow_add_plugin)");
    return false;
  }
  const af_plugin_entry* entry =
      library->get<std::remove_pointer_t<af_plugin_entry_fn>>(AF_PLUGIN_ENTRY_SYMBOL)();
  if (entry == nullptr) {
    Error(path, AF_PLUGIN_ENTRY_SYMBOL "() returned NULL (the plugin refused to start)");
    return false;
  }
  PluginInfo info;
  info.path = path;
  std::string problem = Validate(entry, &info);
  if (problem.empty()) {
    for (const PluginInfo& other : plugins) {
      if (other.name == info.name) {
        problem = DuplicatePluginName(info.name, other.path);
        break;
      }
    }
  }
  if (!problem.empty()) {
    Error(path, std::move(problem));
    return false;
  }
  if (!Init(entry, absolute, &problem)) {
    Error(path, std::move(problem));
    return false;
  }
  for (uint32_t i = 0; i < entry->asset_count; ++i)
    assets[info.name + "/" + entry->assets[i]->name] = entry->assets[i];
  for (uint32_t i = 0; i < entry->io_manager_count; ++i)
    io_managers[info.name + "/" + entry->io_managers[i]->name] = entry->io_managers[i];
  plugins.push_back(std::move(info));
  return true;
}

PluginRegistry::PluginRegistry() : impl_(std::make_unique<Impl>()) {}
PluginRegistry::~PluginRegistry() {
  // The host is done with every plugin it started: each deinit, newest first (as a stack of
  // initializations unwinds), before the handles are parked below.
  for (auto it = impl_->deinits.rbegin(); it != impl_->deinits.rend(); ++it) (*it)();
  // Never unloaded: a plugin's thread may outlive its call (the ABI forbids it; a buggy plugin
  // does it anyway), and unmapping its code under that thread would crash the process. The
  // handles are leaked on purpose; the libraries go with the process.
  static std::mutex kept_mu;
  static auto* kept = new std::vector<std::shared_ptr<boost::dll::shared_library>>();
  std::lock_guard<std::mutex> lock(kept_mu);
  kept->insert(kept->end(), impl_->libraries.begin(), impl_->libraries.end());
}

void PluginRegistry::LoadDirectory(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->Error(dir, fs::exists(dir, ec) ? "plugin directory is not a directory"
                                          : "plugin directory does not exist");
    return;
  }
  Diagnostics list_errors;
  const std::vector<std::string> files = PluginFilesIn(dir, &list_errors);
  if (!list_errors.empty()) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->errors.insert(impl_->errors.end(), list_errors.begin(), list_errors.end());
  }
  for (const std::string& f : files) LoadFile(f);
}

void PluginRegistry::set_crash_hint(std::string hint) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->crash_hint = std::move(hint);
}

std::string DuplicatePluginName(const std::string& name, const std::string& first_path) {
  return "duplicate plugin name '" + name + "': already loaded from " + first_path +
         " (plugin names must be unique; remove one of the two files)";
}

std::vector<std::string> PluginFilesIn(const std::string& dir, Diagnostics* errors) {
  std::error_code ec;
  std::vector<std::string> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".so" && it->is_regular_file(ec)) files.push_back(it->path().string());
  }
  if (ec) {
    Diagnostic d;
    d.location.file = dir;
    d.message = "cannot list plugin directory: " + ec.message();
    errors->push_back(std::move(d));
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool PluginRegistry::LoadFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->Load(path);
}

const std::vector<PluginInfo>& PluginRegistry::plugins() const { return impl_->plugins; }
const Diagnostics& PluginRegistry::errors() const { return impl_->errors; }

const af_asset_descriptor* PluginRegistry::FindAsset(const std::string& type) const {
  auto it = impl_->assets.find(type);
  return it == impl_->assets.end() ? nullptr : it->second;
}

const af_io_manager_descriptor* PluginRegistry::FindIoManager(const std::string& type) const {
  auto it = impl_->io_managers.find(type);
  return it == impl_->io_managers.end() ? nullptr : it->second;
}

TypeCatalog PluginRegistry::Catalog() const {
  TypeCatalog catalog;
  for (const auto& [type, d] : impl_->assets) {
    DefinitionInfo& info = catalog.assets[type];
    info.config_schema = OrEmpty(d->config_schema);
    info.code_version = OrEmpty(d->code_version);
    info.observable = IsObservable(d);
    info.unversioned_config_keys = UnversionedConfigKeys(info.config_schema);
    info.secret_config_keys = SecretConfigKeys(info.config_schema);
    info.declared_inputs = DeclaredInputsOf(d);
  }
  for (const auto& [type, d] : impl_->io_managers) {
    DefinitionInfo& info = catalog.io_managers[type];
    info.config_schema = OrEmpty(d->config_schema);
    info.secret_config_keys = SecretConfigKeys(info.config_schema);
    info.write_only = IsWriteOnly(d);
  }
  return catalog;
}

std::vector<std::string> PluginSearchPath(const std::vector<std::string>& cli_dirs,
                                          const std::vector<std::string>& manifest_dirs) {
  std::vector<std::string> candidates = cli_dirs;
  if (const char* env = std::getenv("ASSETFLOW_PLUGIN_PATH")) {
    std::string list = env;
    for (std::size_t start = 0; start <= list.size();) {
      std::size_t end = list.find(':', start);
      if (end == std::string::npos) end = list.size();
      if (end > start) candidates.push_back(list.substr(start, end - start));
      start = end + 1;
    }
  }
  candidates.insert(candidates.end(), manifest_dirs.begin(), manifest_dirs.end());
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back((exe.parent_path() / "plugins").string());
    // The system plugin directory of an installed assetflow (<prefix>/bin/assetflow ->
    // <prefix>/lib/assetflow/plugins), where the packages put the shipped plugins; only when
    // it exists, so a build tree does not list it.
    const fs::path system = (exe.parent_path().parent_path() / kSystemPluginDir).lexically_normal();
    std::error_code exists_ec;
    if (fs::is_directory(system, exists_ec)) candidates.push_back(system.string());
  }

  // Compare canonical paths so "a/", "./a", a relative path and the same folder named
  // absolutely (or through a symlink) count once.
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const std::string& c : candidates) {
    if (c.empty()) continue;  // names no directory (and fs::absolute("") throws)
    std::error_code canonical_ec;
    fs::path canonical = fs::weakly_canonical(fs::absolute(c, canonical_ec), canonical_ec);
    std::string key = (canonical_ec ? fs::path(c).lexically_normal() : canonical).string();
    while (key.size() > 1 && key.back() == '/') key.pop_back();
    if (seen.insert(key).second) out.push_back(c);
  }
  return out;
}

}  // namespace af
