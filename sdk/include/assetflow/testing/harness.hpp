// assetflow SDK test harness: materialize a plugin's asset, or round-trip an IO manager, inside
// a unit test, with in-memory inputs and output and no host.
//
//     assetflow::testing::AssetRun run(assetflow_plugin_entry(), "greeting");
//     run.config(R"({"name":"world"})");
//     auto r = run.materialize();
//     CHECK(r.status == AF_OK);
//     CHECK(r.output == "hello, world");
//
// Config goes through the host's own schema code (assetflow/support/config_schema.hpp): a
// config the host would refuse throws ConfigError with the host's words ("config: unknown key
// 'bogus'"), and defaults are filled in as the host fills them.
//
// To test what ships, load the built .so instead of linking the plugin's sources:
//
//     assetflow::testing::Plugin plugin(MY_PLUGIN_FILE);   // dlopen + the host's checks + init
//     auto outputs = assetflow::testing::materialize_to_memory(plugin, {
//         {"greeting", "greeting", R"({"name":"SDK"})", {}},
//         {"shout", "upper", "{}", {{"text", "greeting"}}}});   // inputs: earlier outputs
//     CHECK(outputs.at("shout").output == "HELLO, SDK");
//
// Wired by find_package(AssetflowSDK): link AssetflowSDK::harness (RapidJSON and libdl come
// with it).
#ifndef ASSETFLOW_TESTING_HARNESS_HPP
#define ASSETFLOW_TESTING_HARNESS_HPP

#include <assetflow/assetflow.h>
#include <assetflow/support/config_schema.hpp>

#include <dlfcn.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace assetflow {
namespace testing {

// A config the host would refuse; what() is the host's text of the violations, one a line.
struct ConfigError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// The config the host would hand the plugin for `json` under `schema` (NULL: no config): the
// same validation, the same defaults, the same canonical JSON. Throws ConfigError.
inline std::string host_config(const std::string& json, const char* schema_text) {
  rapidjson::Document config;
  config.Parse(json.c_str(), json.size());
  if (config.HasParseError() || !config.IsObject())
    throw ConfigError("harness config is not a JSON object: " + json);
  support::Schema schema(schema_text ? schema_text : "");
  if (schema.no_config()) {
    if (config.MemberCount() > 0) throw ConfigError("config: no config is accepted");
    return "{}";
  }
  if (!schema.error().empty())
    throw ConfigError("the definition's config schema is unusable (" + schema.error() + ")");
  std::string problems;
  for (const support::Violation& v : schema.Validate(&config))
    problems += (problems.empty() ? "" : "\n") + v.Text();
  if (!problems.empty()) throw ConfigError(problems);
  support::FillDefaults(schema.document(), &config, config.GetAllocator());
  return support::SortedJson(config);
}

struct Metadata {
  std::string key;
  af_metadata_type type;
  std::string value;
};

struct Result {
  af_status status = AF_OK;
  std::string error;  // the last set_error message
  std::string output;
  std::vector<Metadata> metadata;
  std::vector<std::pair<af_log_level, std::string>> logs;
  uint64_t progress_done = 0, progress_total = 0;
  std::size_t progress_calls = 0;
  std::string data_version;  // set_data_version's last value; "" = the host would hash the bytes
  const Metadata* find(const std::string& key) const {
    for (auto& m : metadata)
      if (m.key == key) return &m;
    return nullptr;
  }
};

// Shared in-memory implementation of the host services for one call.
class Harness {
 public:
  Harness() : ctx_{&api(), this} {}
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  // Config as JSON text, validated against `schema` (NULL: no config) as the host validates
  // it, defaults filled in. Throws ConfigError when the host would refuse it.
  void set_config(const std::string& json, const char* schema) {
    config_text_ = host_config(json, schema);
    // Length given: RapidJSON's SSE2 scan of NUL-terminated text loads aligned 16-byte blocks
    // past its end (an ASan heap-buffer-overflow).
    config_.Parse(config_text_.c_str(), config_text_.size());
  }

  std::string asset_key = "test_asset";
  std::string run_id = "00000000-0000-0000-0000-000000000000";
  uint32_t attempt = 1;
  std::string home = "/tmp";
  std::map<std::string, std::string> inputs;
  std::atomic<int32_t> canceled{0};
  bool with_output = true;
  // Non-empty: every write to the output fails with this reason (a full disk, say), as a
  // failing IO manager's would.
  std::string output_error;
  Result result;

  const af_context* context() { return &ctx_; }

 private:
  struct Input {
    af_istream stream;
    const std::string* data;
    std::size_t pos;
  };
  static Harness& self(const af_context* c) { return *static_cast<Harness*>(c->host_data); }

  const rapidjson::Value* lookup(const char* key) const {
    if (!config_.IsObject()) return nullptr;
    if (key[0] == '/') return rapidjson::Pointer(key).Get(config_);
    auto it = config_.FindMember(key);
    return it == config_.MemberEnd() ? nullptr : &it->value;
  }

  static const af_host_api& api() {
    static const af_host_api a = [] {
      af_host_api t{};
      t.struct_size = sizeof(af_host_api);
      t.abi_major = AF_ABI_MAJOR;
      t.abi_minor = AF_ABI_MINOR;
      t.host_version = "assetflow test harness";
      t.log = [](const af_context* c, af_log_level l, const char* m) {
        self(c).result.logs.emplace_back(l, m ? m : "");
      };
      t.set_error = [](const af_context* c, af_status s, const char* m) {
        self(c).result.status = s;
        self(c).result.error = m ? m : "";
      };
      t.report_progress = [](const af_context* c, uint64_t d, uint64_t tot) {
        auto& r = self(c).result;
        r.progress_done = d;
        r.progress_total = tot;
        ++r.progress_calls;
      };
      t.add_metadata = [](const af_context* c, const char* k, af_metadata_type ty,
                          const char* v) -> af_status {
        if (!k || !v) return AF_ERR_INVALID_ARGUMENT;
        self(c).result.metadata.push_back({k, ty, v});
        return AF_OK;
      };
      t.is_canceled = [](const af_context* c) -> int32_t { return self(c).canceled.load(); };
      t.asset_key = [](const af_context* c) { return self(c).asset_key.c_str(); };
      t.run_id = [](const af_context* c) { return self(c).run_id.c_str(); };
      t.attempt = [](const af_context* c) { return self(c).attempt; };
      t.config_json = [](const af_context* c) {
        return self(c).config_text_.empty() ? "{}" : self(c).config_text_.c_str();
      };
      t.config_get_int = [](const af_context* c, const char* k, int64_t* v) -> af_status {
        auto* j = self(c).lookup(k);
        if (!j) return AF_ERR_NOT_FOUND;
        if (!j->IsInt64()) return AF_ERR_INVALID_ARGUMENT;
        *v = j->GetInt64();
        return AF_OK;
      };
      t.config_get_double = [](const af_context* c, const char* k, double* v) -> af_status {
        auto* j = self(c).lookup(k);
        if (!j) return AF_ERR_NOT_FOUND;
        if (!j->IsNumber()) return AF_ERR_INVALID_ARGUMENT;
        *v = j->GetDouble();
        return AF_OK;
      };
      t.config_get_bool = [](const af_context* c, const char* k, int32_t* v) -> af_status {
        auto* j = self(c).lookup(k);
        if (!j) return AF_ERR_NOT_FOUND;
        if (!j->IsBool()) return AF_ERR_INVALID_ARGUMENT;
        *v = j->GetBool() ? 1 : 0;
        return AF_OK;
      };
      t.config_get_string = [](const af_context* c, const char* k, const char** v,
                               uint64_t* n) -> af_status {
        auto* j = self(c).lookup(k);
        if (!j) return AF_ERR_NOT_FOUND;
        if (!j->IsString()) return AF_ERR_INVALID_ARGUMENT;
        *v = j->GetString();
        if (n) *n = j->GetStringLength();
        return AF_OK;
      };
      t.input_count = [](const af_context* c) {
        return static_cast<uint32_t>(self(c).inputs.size());
      };
      t.input_name = [](const af_context* c, uint32_t i) -> const char* {
        auto it = self(c).inputs.begin();
        if (i >= self(c).inputs.size()) return nullptr;
        std::advance(it, i);
        return it->first.c_str();
      };
      t.open_input = [](const af_context* c, const char* name,
                        const af_istream** out) -> af_status {
        Harness& h = self(c);
        auto it = h.inputs.find(name ? name : "");
        if (it == h.inputs.end()) return AF_ERR_NOT_FOUND;
        h.open_.push_back(std::make_unique<Input>());
        Input* in = h.open_.back().get();
        in->data = &it->second;
        in->pos = 0;
        in->stream.ctx = in;
        in->stream.get_error = [](const af_istream*) -> const char* { return ""; };
        in->stream.read = [](const af_istream* s, void* buf, uint64_t size) -> int64_t {
          Input* i = static_cast<Input*>(s->ctx);
          std::size_t n = std::min<std::size_t>(size, i->data->size() - i->pos);
          std::memcpy(buf, i->data->data() + i->pos, n);
          i->pos += n;
          return static_cast<int64_t>(n);
        };
        *out = &in->stream;
        return AF_OK;
      };
      t.output = [](const af_context* c) -> const af_ostream* {
        return self(c).with_output ? &self(c).out_ : nullptr;
      };
      t.home_dir = [](const af_context* c) { return self(c).home.c_str(); };
      t.get_extension = [](const af_context*, const char*) -> const void* { return nullptr; };
      t.set_data_version = [](const af_context* c, const char* v) -> af_status {
        if (v == nullptr || *v == '\0' || std::strlen(v) > 256) return AF_ERR_INVALID_ARGUMENT;
        self(c).result.data_version = v;
        return AF_OK;
      };
      return t;
    }();
    return a;
  }

  af_context ctx_;
  rapidjson::Document config_{rapidjson::kObjectType};
  std::string config_text_ = "{}";
  std::vector<std::unique_ptr<Input>> open_;
  af_ostream out_{this,
                  [](const af_ostream* s, const void* buf, uint64_t n) -> int64_t {
                    Harness& h = *static_cast<Harness*>(s->ctx);
                    if (h.output_error.empty()) {
                      h.result.output.append(static_cast<const char*>(buf),
                                             static_cast<std::size_t>(n));
                      return static_cast<int64_t>(n);
                    }
                    return -1;
                  },
                  [](const af_ostream* s) -> const char* {
                    return static_cast<Harness*>(s->ctx)->output_error.c_str();
                  }};
};

inline const af_asset_descriptor* find_asset(const af_plugin_entry* e, const std::string& name) {
  for (uint32_t i = 0; e && i < e->asset_count; ++i)
    if (name == e->assets[i]->name) return e->assets[i];
  throw std::invalid_argument("plugin has no asset definition '" + name + "'");
}
inline const af_io_manager_descriptor* find_io_manager(const af_plugin_entry* e,
                                                       const std::string& name) {
  for (uint32_t i = 0; e && i < e->io_manager_count; ++i)
    if (name == e->io_managers[i]->name) return e->io_managers[i];
  throw std::invalid_argument("plugin has no IO manager definition '" + name + "'");
}

// Materializes one asset definition of a plugin with in-memory inputs.
class AssetRun {
 public:
  AssetRun(const af_plugin_entry* entry, const std::string& definition)
      : AssetRun(find_asset(entry, definition)) {}
  // Runs a descriptor obtained elsewhere (e.g. from a host's plugin registry); it must stay
  // valid while this object is used.
  explicit AssetRun(const af_asset_descriptor* descriptor) : desc_(descriptor) {
    if (!desc_) throw std::invalid_argument("AssetRun: NULL asset descriptor");
  }
  // Throws ConfigError for a config the host would refuse (without config(), materialize()
  // checks "{}" the same way).
  AssetRun& config(const std::string& json) {
    h_.set_config(json, desc_->config_schema);
    configured_ = true;
    return *this;
  }
  AssetRun& input(const std::string& name, std::string data) {
    h_.inputs[name] = std::move(data);
    return *this;
  }
  AssetRun& key(const std::string& k) {
    h_.asset_key = k;
    return *this;
  }
  Harness& harness() { return h_; }
  // Runs materialize once; the returned status is what the plugin returned.
  Result materialize() {
    if (!configured_) config("{}");
    h_.result = Result{};
    af_status s = desc_->materialize(desc_, h_.context());
    h_.result.status = s;
    return h_.result;
  }

 private:
  const af_asset_descriptor* desc_;
  Harness h_;
  bool configured_ = false;
};

// Writes and reads back through an IO manager definition.
class IoRun {
 public:
  IoRun(const af_plugin_entry* entry, const std::string& definition)
      : desc_(find_io_manager(entry, definition)) {
    h_.with_output = false;
  }
  IoRun& config(const std::string& json) {
    h_.set_config(json, desc_->config_schema);
    configured_ = true;
    return *this;
  }
  IoRun& key(const std::string& k) {
    h_.asset_key = k;
    return *this;
  }
  Harness& harness() { return h_; }
  // Stores `data` as the asset's new version; returns the commit status (or open's, or
  // AF_ERR_IO when a write failed, with the writer's reason in result().error).
  af_status store(const std::string& data, bool commit = true) {
    if (!configured_) config("{}");
    af_ostream w{};
    af_status s = desc_->open_writer(desc_, h_.context(), &w);
    if (s != AF_OK) return s;
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
      int64_t n = w.write(&w, p, left);
      if (n <= 0) {
        // The writer's own reason (ABI 1.1 get_error), as the host reports it.
        const char* why = w.get_error ? w.get_error(&w) : nullptr;
        h_.result.error = why && *why ? why : "the IO manager's writer failed without saying why";
        desc_->abort_writer(desc_, h_.context(), &w);
        return AF_ERR_IO;
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    if (!commit) {
      desc_->abort_writer(desc_, h_.context(), &w);
      return AF_OK;
    }
    return desc_->commit_writer(desc_, h_.context(), &w);
  }
  // Loads the asset; the status is open_reader's or AF_ERR_IO on a read error.
  af_status load(std::string& out) {
    if (!configured_) config("{}");
    af_istream r{};
    af_status s = desc_->open_reader(desc_, h_.context(), &r);
    if (s != AF_OK) return s;
    char buf[65536];
    int64_t n;
    out.clear();
    while ((n = r.read(&r, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    desc_->close_reader(desc_, h_.context(), &r);
    return n < 0 ? AF_ERR_IO : AF_OK;
  }
  af_status wipe() {
    if (!configured_) config("{}");
    return desc_->wipe ? desc_->wipe(desc_, h_.context()) : AF_ERR_UNSUPPORTED;
  }
  const Result& result() const { return h_.result; }

 private:
  const af_io_manager_descriptor* desc_;
  Harness h_;
  bool configured_ = false;
};

// A built plugin file, loaded as the host loads it: dlopen(RTLD_NOW | RTLD_LOCAL), the entry's
// version block and definitions checked, config schemas checked (the host's code), then init
// with the harness's host info. The library stays loaded for the life of the process (as in the
// host: a plugin's code may still run); deinit runs when the Plugin is destroyed. Throws
// std::runtime_error with the reason when the host would refuse the file.
class Plugin {
 public:
  explicit Plugin(const std::string& path) : path_(path) {
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) fail(std::string("cannot load: ") + ::dlerror());
    void* symbol = ::dlsym(handle, AF_PLUGIN_ENTRY_SYMBOL);
    if (symbol == nullptr) fail("no entry symbol '" AF_PLUGIN_ENTRY_SYMBOL "'");
    af_plugin_entry_fn fn;
    std::memcpy(&fn, &symbol, sizeof fn);  // object to function pointer, as POSIX allows
    entry_ = fn();
    if (entry_ == nullptr) fail(AF_PLUGIN_ENTRY_SYMBOL "() returned NULL");
    if (entry_->magic != AF_PLUGIN_MAGIC) fail("bad magic in the plugin entry");
    if (entry_->abi_major != AF_ABI_MAJOR || entry_->abi_minor > AF_ABI_MINOR)
      fail("plugin needs ABI " + std::to_string(entry_->abi_major) + "." +
           std::to_string(entry_->abi_minor) + "; this harness has " +
           std::to_string(AF_ABI_MAJOR) + "." + std::to_string(AF_ABI_MINOR));
    if (entry_->struct_size < offsetof(af_plugin_entry, get_extension) + sizeof(void*))
      fail("plugin entry struct_size is too small");
    for (uint32_t i = 0; i < entry_->asset_count; ++i) check_schema("asset", entry_->assets[i]);
    for (uint32_t i = 0; i < entry_->io_manager_count; ++i)
      check_schema("IO manager", entry_->io_managers[i]);
    init();
  }
  ~Plugin() {
    if (deinit_) deinit_();
  }
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  const af_plugin_entry* entry() const { return entry_; }
  const std::string& path() const { return path_; }
  // ABI minor the plugin declares it needs.
  uint16_t abi_minor() const { return entry_->abi_minor; }
  const af_asset_descriptor* asset(const std::string& definition) const {
    return find_asset(entry_, definition);
  }
  AssetRun run(const std::string& definition) const { return AssetRun(asset(definition)); }
  IoRun io(const std::string& definition) const { return IoRun(entry_, definition); }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error(path_ + ": " + why);
  }
  template <class Descriptor>
  void check_schema(const char* kind, const Descriptor* d) const {
    if (d == nullptr || d->name == nullptr) fail(std::string(kind) + " definition is NULL or unnamed");
    if (d->config_schema == nullptr) return;
    support::Schema schema(d->config_schema);
    if (!schema.error().empty())
      fail(std::string(kind) + " definition '" + d->name + "': config_schema is unusable: " +
           schema.error());
  }
  void init() {
    if (entry_->struct_size < offsetof(af_plugin_entry, deinit) + sizeof(void*)) return;
    deinit_ = entry_->deinit;
    if (entry_->init == nullptr) return;
    struct Call {
      af_host_info info;
      std::string error;
    } call{};
    call.info.struct_size = sizeof(af_host_info);
    call.info.abi_major = AF_ABI_MAJOR;
    call.info.abi_minor = AF_ABI_MINOR;
    call.info.host_version = "assetflow test harness";
    call.info.plugin_path = path_.c_str();
    call.info.host_data = &call;
    call.info.set_error = [](const af_host_info* i, const char* m) {
      static_cast<Call*>(i->host_data)->error = m ? m : "";
    };
    call.info.get_extension = [](const af_host_info*, const char*) -> const void* {
      return nullptr;
    };
    const af_status s = entry_->init(&call.info);
    if (s != AF_OK) {
      deinit_ = nullptr;  // a refused init is never paired with deinit
      fail("the plugin's init refused to start (status " + std::to_string(s) + ")" +
           (call.error.empty() ? std::string() : ": " + call.error));
    }
  }

  std::string path_;
  const af_plugin_entry* entry_ = nullptr;
  void(AF_ABI* deinit_)(void) = nullptr;
};

// One asset for materialize_to_memory: its key, the definition that makes it, its config, and
// its inputs as (input name -> key of an asset earlier in the list).
struct AssetSpec {
  std::string key;
  std::string definition;
  std::string config = "{}";
  std::map<std::string, std::string> inputs;
};

// Dagster's materialize_to_memory: materializes `assets` in order, each input fed from the
// in-memory output of the asset it names, nothing stored, no host process. Returns every
// asset's Result by key; stops at the first failure (its Result is the last one returned).
// Throws std::invalid_argument for an input naming an asset not materialized before it, and
// ConfigError for a config the host would refuse.
inline std::map<std::string, Result> materialize_to_memory(const Plugin& plugin,
                                                           const std::vector<AssetSpec>& assets) {
  std::map<std::string, Result> out;
  for (const AssetSpec& spec : assets) {
    AssetRun run = plugin.run(spec.definition);
    run.key(spec.key).config(spec.config);
    for (const auto& [name, upstream] : spec.inputs) {
      auto it = out.find(upstream);
      if (it == out.end())
        throw std::invalid_argument("input '" + name + "' of '" + spec.key + "' names '" +
                                    upstream + "', which is not materialized before it");
      run.input(name, it->second.output);
    }
    Result r = run.materialize();
    const bool ok = r.status == AF_OK;
    out[spec.key] = std::move(r);
    if (!ok) break;
  }
  return out;
}

}  // namespace testing
}  // namespace assetflow

#endif
