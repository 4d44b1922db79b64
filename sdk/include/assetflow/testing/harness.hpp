// assetflow SDK test harness: materialize a plugin's asset, or round-trip an IO manager, inside
// a unit test, with in-memory inputs and output and no host.
//
//     assetflow::testing::AssetRun run(assetflow_plugin_entry(), "greeting");
//     run.config(R"({"name":"world"})");
//     auto r = run.materialize();
//     CHECK(r.status == AF_OK);
//     CHECK(r.output == "hello, world");
//
// Requires RapidJSON (header-only) for config lookups. Top-level `default`s of the definition's
// schema are filled in, as the host does; the schema itself is not validated here.
#ifndef ASSETFLOW_TESTING_HARNESS_HPP
#define ASSETFLOW_TESTING_HARNESS_HPP

#include <assetflow/assetflow.h>

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace assetflow {
namespace testing {

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

  // Config as JSON text; `schema` (may be NULL) supplies top-level defaults.
  void set_config(const std::string& json, const char* schema) {
    // Lengths given: a plugin built with RAPIDJSON_SSE2 would otherwise scan NUL-terminated
    // text in aligned 16-byte loads that pass its end (an ASan heap-buffer-overflow).
    config_.Parse(json.c_str(), json.size());
    if (config_.HasParseError() || !config_.IsObject())
      throw std::invalid_argument("harness config is not a JSON object");
    if (schema) {
      rapidjson::Document s;
      s.Parse(schema, std::strlen(schema));
      if (!s.HasParseError() && s.IsObject() && s.HasMember("properties")) {
        for (auto& p : s["properties"].GetObject()) {
          if (p.value.IsObject() && p.value.HasMember("default") && !config_.HasMember(p.name)) {
            rapidjson::Value k(p.name, config_.GetAllocator());
            rapidjson::Value v(p.value["default"], config_.GetAllocator());
            config_.AddMember(k, v, config_.GetAllocator());
          }
        }
      }
    }
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    config_.Accept(w);
    config_text_ = b.GetString();
  }

  std::string asset_key = "test_asset";
  std::string run_id = "00000000-0000-0000-0000-000000000000";
  uint32_t attempt = 1;
  std::string home = "/tmp";
  std::map<std::string, std::string> inputs;
  std::atomic<int32_t> canceled{0};
  bool with_output = true;
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
  af_ostream out_{this, [](const af_ostream* s, const void* buf, uint64_t n) -> int64_t {
                    static_cast<Harness*>(s->ctx)->result.output.append(
                        static_cast<const char*>(buf), static_cast<std::size_t>(n));
                    return static_cast<int64_t>(n);
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
    h_.set_config("{}", desc_->config_schema);
  }
  AssetRun& config(const std::string& json) {
    h_.set_config(json, desc_->config_schema);
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
    h_.result = Result{};
    af_status s = desc_->materialize(desc_, h_.context());
    h_.result.status = s;
    return h_.result;
  }

 private:
  const af_asset_descriptor* desc_;
  Harness h_;
};

// Writes and reads back through an IO manager definition.
class IoRun {
 public:
  IoRun(const af_plugin_entry* entry, const std::string& definition)
      : desc_(find_io_manager(entry, definition)) {
    h_.with_output = false;
    h_.set_config("{}", desc_->config_schema);
  }
  IoRun& config(const std::string& json) {
    h_.set_config(json, desc_->config_schema);
    return *this;
  }
  IoRun& key(const std::string& k) {
    h_.asset_key = k;
    return *this;
  }
  Harness& harness() { return h_; }
  // Stores `data` as the asset's new version; returns the commit status (or open's).
  af_status store(const std::string& data, bool commit = true) {
    af_ostream w{};
    af_status s = desc_->open_writer(desc_, h_.context(), &w);
    if (s != AF_OK) return s;
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
      int64_t n = w.write(&w, p, left);
      if (n <= 0) {
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
  af_status wipe() { return desc_->wipe ? desc_->wipe(desc_, h_.context()) : AF_ERR_UNSUPPORTED; }
  const Result& result() const { return h_.result; }

 private:
  const af_io_manager_descriptor* desc_;
  Harness h_;
};

}  // namespace testing
}  // namespace assetflow

#endif
