#include "engine/host_context.h"

#include <rapidjson/error/en.h>
#include <fcntl.h>
#include <rapidjson/pointer.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <assetflow/cpp/json.hpp>

namespace af {

const af_host_api& HostApiTable();  // defined at the end, after the functions it points to

ParsedConfig::ParsedConfig(std::string json) : text(std::move(json)) {
  if (!assetflow::ParseJson(doc, text) || !doc.IsObject()) {
    text = "{}";
    doc.SetObject();
  }
}

const rapidjson::Value* ParsedConfig::Find(const char* key) const {
  if (!key) return nullptr;
  if (key[0] == '/') {
    rapidjson::Pointer pointer(key);
    return pointer.IsValid() ? pointer.Get(doc) : nullptr;
  }
  auto it = doc.FindMember(key);
  return it == doc.MemberEnd() ? nullptr : &it->value;
}

const char* MetadataTypeName(af_metadata_type type) {
  switch (type) {
    case AF_META_INT: return "int";
    case AF_META_FLOAT: return "float";
    case AF_META_TEXT: return "text";
    case AF_META_MARKDOWN: return "markdown";
    case AF_META_URL: return "url";
    case AF_META_PATH: return "path";
    case AF_META_JSON: return "json";
    case AF_META_BOOL: return "bool";
    default: return nullptr;
  }
}

bool MetadataValueIsValid(af_metadata_type type, const std::string& value) {
  const char* s = value.c_str();
  char* end = nullptr;
  errno = 0;
  switch (type) {
    case AF_META_INT:
      std::strtoll(s, &end, 10);
      return !value.empty() && *end == '\0' && errno == 0 && !std::isspace(static_cast<unsigned char>(s[0]));
    case AF_META_FLOAT:
      std::strtod(s, &end);
      return !value.empty() && *end == '\0' && !std::isspace(static_cast<unsigned char>(s[0]));
    case AF_META_BOOL:
      return value == "true" || value == "false";
    case AF_META_JSON: {
      rapidjson::Document d;
      return assetflow::ParseJson(d, s, value.size());
    }
    default:
      return MetadataTypeName(type) != nullptr;
  }
}

const char* StatusName(af_status status) {
  switch (status) {
    case AF_OK: return "AF_OK";
    case AF_ERR_RETRYABLE: return "AF_ERR_RETRYABLE";
    case AF_ERR_FATAL: return "AF_ERR_FATAL";
    case AF_ERR_CANCELED: return "AF_ERR_CANCELED";
    case AF_ERR_INVALID_ARGUMENT: return "AF_ERR_INVALID_ARGUMENT";
    case AF_ERR_NOT_FOUND: return "AF_ERR_NOT_FOUND";
    case AF_ERR_IO: return "AF_ERR_IO";
    case AF_ERR_UNSUPPORTED: return "AF_ERR_UNSUPPORTED";
    default: return "unknown status";
  }
}

// An input being read: the upstream IO manager's reader (with the context of the IO-manager
// calls, which must live until close_reader), or a spool file read by the host. The plugin
// reads it through `cell`, which refuses once the input is closed.
struct HostCall::OpenInput {
  const InputSource& source;
  HostCall io_call;
  af_istream reader{};
  int spool_fd = -1;
  std::string spool_error;
  Cell<af_istream>* cell = NewCell<af_istream>();

  OpenInput(const InputSource& s, const HostCall& owner)
      : source(s),
        io_call(s.asset_key, owner.run_id_, owner.attempt_, owner.home_, *s.io_config,
                owner.cancel_, owner.listener_) {
    cell->value.ctx = this;
    cell->value.read = &ReadThroughCell;
    cell->value.get_error = &ErrorThroughCell;
  }
  ~OpenInput() {
    cell->gate.Close();
    Release();
  }
  // Closes the underlying file or reader (idempotent). Called at the end of the data too: a
  // plugin reading 1,000 inputs one after the other (it has no way to close them) then holds
  // one file descriptor, not 1,000, and the open-file limit is never the step's problem.
  void Release() {
    if (spool_fd >= 0) {
      ::close(spool_fd);
      spool_fd = -1;
    } else if (reader.read) {
      source.io->close_reader(source.io, io_call.context(), &reader);
      reader.read = nullptr;
    }
  }
  static int64_t ReadThroughCell(const af_istream* s, void* buffer, uint64_t size) {
    Cell<af_istream>* cell = Cell<af_istream>::Of(s);
    GateScope open(cell->gate);
    if (!open) return -1;
    OpenInput& in = *static_cast<OpenInput*>(cell->value.ctx);
    if (in.at_end) return 0;
    int64_t n = -1;
    if (in.spool_fd < 0) {
      n = in.reader.read(&in.reader, buffer, size);
    } else {
      do n = ::read(in.spool_fd, buffer, size);
      while (n < 0 && errno == EINTR);
      if (n < 0) in.spool_error = std::strerror(errno);
    }
    if (n == 0 && size > 0) {
      in.at_end = true;
      in.Release();
    }
    return n;
  }
  bool at_end = false;  // the whole input was read and released; reads return 0
  // The reader's own text (ABI 1.1 IO managers; `reader` was zeroed before open_reader), or
  // the spool file's errno.
  static const char* ErrorThroughCell(const af_istream* s) {
    Cell<af_istream>* cell = Cell<af_istream>::Of(s);
    GateScope open(cell->gate);
    if (!open) return "the input stream is closed (its call returned)";
    OpenInput& in = *static_cast<OpenInput*>(cell->value.ctx);
    if (in.at_end) return "";  // released: nothing failed, and the reader is closed
    if (!in.source.spool_path.empty()) return in.spool_error.c_str();
    const char* why = in.reader.get_error ? in.reader.get_error(&in.reader) : nullptr;
    return why ? why : "";
  }
  // Opens the stream; on failure returns the status and sets *why.
  af_status Open(std::string* why) {
    if (source.observed_only) {
      *why = "'" + source.asset_key +
             "' is an observable source asset: it has a data version, no stored data";
      return AF_ERR_NOT_FOUND;
    }
    if (source.spool_path.empty()) {
      af_status s = source.io->open_reader(source.io, io_call.context(), &reader);
      if (s != AF_OK) {
        reader.read = nullptr;
        *why = io_call.error_message().empty()
                   ? std::string("the IO manager returned ") + StatusName(s)
                   : io_call.error_message();
      }
      return s;
    }
    spool_fd = ::open(source.spool_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (spool_fd < 0) {
      *why = "cannot open this run's copy of '" + source.asset_key + "': " + std::strerror(errno);
      return AF_ERR_IO;
    }
    return AF_OK;
  }
};

HostCall::HostCall(const std::string& asset_key, const std::string& run_id, uint32_t attempt,
                   const std::string& home, const ParsedConfig& config,
                   const std::atomic<bool>* cancel, CallListener* listener)
    : cell_(NewCell<af_context>()),
      asset_key_(asset_key),
      run_id_(run_id),
      attempt_(attempt),
      home_(home),
      config_(config),
      cancel_(cancel),
      listener_(listener) {
  cell_->value.api = &HostApiTable();
  cell_->value.host_data = this;
}

HostCall::~HostCall() { End(); }

void HostCall::End() {
  cell_->gate.Close();
  CloseInputs();
}

void HostCall::set_inputs(const std::vector<InputSource>* inputs) {
  CloseInputs();
  inputs_ = inputs;
  open_.assign(inputs ? inputs->size() : 0, nullptr);
}

void HostCall::CloseInputs() {
  for (OpenInput*& input : open_) {
    delete input;
    input = nullptr;
  }
}

namespace {

// Runs `body` on the call behind `c` if its cell is still open, else returns `refused`: the
// one admission check of every service.
template <class R, class F>
R Admit(const af_context* c, R refused, F&& body) {
  if (c == nullptr) return refused;
  GateScope open(Cell<af_context>::Of(c)->gate);
  if (!open) return refused;
  return body(*static_cast<HostCall*>(c->host_data));
}

// Where a late caller's output calls land: every write fails.
const af_ostream kClosedOutput{nullptr,
                               [](const af_ostream*, const void*, uint64_t) -> int64_t {
                                 return -1;
                               },
                               [](const af_ostream*) -> const char* {
                                 return "the output stream is closed (its call returned)";
                               }};

}  // namespace

// The af_host_api functions. Each admits the call through its cell first (a closed context
// gets the refusal value: an error status, 0, "" or a failing stream); none throws (a
// bad_alloc would end the process, as anywhere else in the host).
struct HostApiImpl {
  static void Log(const af_context* c, af_log_level level, const char* message) {
    Admit(c, 0, [&](HostCall& h) {
      if (h.listener_) h.listener_->OnLog(h.asset_key_, level, message ? message : "");
      return 0;
    });
  }
  static void SetError(const af_context* c, af_status status, const char* message) {
    Admit(c, 0, [&](HostCall& h) {
      h.error_status_ = status;
      h.error_message_ = message ? message : "";
      return 0;
    });
  }
  static void ReportProgress(const af_context* c, uint64_t done, uint64_t total) {
    Admit(c, 0, [&](HostCall& h) {
      if (h.listener_) h.listener_->OnProgress(h.asset_key_, done, total);
      return 0;
    });
  }
  static af_status AddMetadata(const af_context* c, const char* key, af_metadata_type type,
                               const char* value) {
    return Admit(c, af_status{AF_ERR_INVALID_ARGUMENT}, [&](HostCall& h) -> af_status {
      const char* type_name = MetadataTypeName(type);
      if (!key || !*key || !value || !type_name) return AF_ERR_INVALID_ARGUMENT;
      std::string v(value);
      if (!MetadataValueIsValid(type, v)) return AF_ERR_INVALID_ARGUMENT;
      if (!h.metadata_) return AF_OK;
      for (MetadataEntry& e : *h.metadata_) {
        if (e.key == key) {
          e.type = type_name;
          e.value = std::move(v);
          return AF_OK;
        }
      }
      h.metadata_->push_back({key, type_name, std::move(v)});
      return AF_OK;
    });
  }
  static int32_t IsCanceled(const af_context* c) {
    return Admit(c, int32_t{1}, [](HostCall& h) -> int32_t {
      return h.cancel_ && h.cancel_->load(std::memory_order_relaxed) ? 1 : 0;
    });
  }
  static const char* AssetKey(const af_context* c) {
    return Admit(c, "", [](HostCall& h) { return h.asset_key_.c_str(); });
  }
  static const char* RunId(const af_context* c) {
    return Admit(c, "", [](HostCall& h) { return h.run_id_.c_str(); });
  }
  static uint32_t Attempt(const af_context* c) {
    return Admit(c, uint32_t{0}, [](HostCall& h) { return h.attempt_; });
  }
  static const char* ConfigJson(const af_context* c) {
    return Admit(c, "{}", [](HostCall& h) { return h.config_.text.c_str(); });
  }

  // A config value for the typed lookups; AF_ERR_NOT_FOUND when absent (or the call closed).
  template <class F>
  static af_status WithConfig(const af_context* c, const char* key, F&& read) {
    return Admit(c, af_status{AF_ERR_NOT_FOUND}, [&](HostCall& h) -> af_status {
      const rapidjson::Value* v = h.config_.Find(key);
      return v ? read(*v) : AF_ERR_NOT_FOUND;
    });
  }
  static af_status ConfigGetInt(const af_context* c, const char* key, int64_t* value) {
    return WithConfig(c, key, [&](const rapidjson::Value& v) -> af_status {
      if (!v.IsInt64() || !value) return AF_ERR_INVALID_ARGUMENT;
      *value = v.GetInt64();
      return AF_OK;
    });
  }
  static af_status ConfigGetDouble(const af_context* c, const char* key, double* value) {
    return WithConfig(c, key, [&](const rapidjson::Value& v) -> af_status {
      if (!v.IsNumber() || !value) return AF_ERR_INVALID_ARGUMENT;
      *value = v.GetDouble();
      return AF_OK;
    });
  }
  static af_status ConfigGetBool(const af_context* c, const char* key, int32_t* value) {
    return WithConfig(c, key, [&](const rapidjson::Value& v) -> af_status {
      if (!v.IsBool() || !value) return AF_ERR_INVALID_ARGUMENT;
      *value = v.GetBool() ? 1 : 0;
      return AF_OK;
    });
  }
  static af_status ConfigGetString(const af_context* c, const char* key, const char** value,
                                   uint64_t* length) {
    return WithConfig(c, key, [&](const rapidjson::Value& v) -> af_status {
      if (!v.IsString() || !value) return AF_ERR_INVALID_ARGUMENT;
      *value = v.GetString();
      if (length) *length = v.GetStringLength();
      return AF_OK;
    });
  }

  static uint32_t InputCount(const af_context* c) {
    return Admit(c, uint32_t{0}, [](HostCall& h) {
      return h.inputs_ ? static_cast<uint32_t>(h.inputs_->size()) : 0u;
    });
  }
  static const char* InputName(const af_context* c, uint32_t index) {
    return Admit(c, static_cast<const char*>(nullptr), [&](HostCall& h) -> const char* {
      if (!h.inputs_ || index >= h.inputs_->size()) return nullptr;
      return (*h.inputs_)[index].name.c_str();
    });
  }
  static af_status OpenInput(const af_context* c, const char* name, const af_istream** stream) {
    return Admit(c, af_status{AF_ERR_INVALID_ARGUMENT}, [&](HostCall& h) -> af_status {
      if (!name || !stream || !h.inputs_) return AF_ERR_INVALID_ARGUMENT;
      size_t i = 0;
      while (i < h.inputs_->size() && (*h.inputs_)[i].name != name) ++i;
      if (i == h.inputs_->size()) return AF_ERR_NOT_FOUND;
      delete h.open_[i];  // opening again restarts: the previous reader is closed first
      h.open_[i] = nullptr;
      auto input = std::make_unique<HostCall::OpenInput>((*h.inputs_)[i], h);
      af_status s = input->Open(&h.input_error_);
      if (s != AF_OK) return s;
      *stream = &input->cell->value;
      h.open_[i] = input.release();
      return AF_OK;
    });
  }
  static const af_ostream* Output(const af_context* c) {
    return Admit(c, static_cast<const af_ostream*>(&kClosedOutput), [](HostCall& h) {
      return h.output_;
    });
  }
  static const char* HomeDir(const af_context* c) {
    return Admit(c, "", [](HostCall& h) { return h.home_.c_str(); });
  }
  static const void* GetExtension(const af_context*, const char*) { return nullptr; }
  static af_status SetDataVersion(const af_context* c, const char* version) {
    return Admit(c, af_status{AF_ERR_INVALID_ARGUMENT}, [&](HostCall& h) -> af_status {
      if (version == nullptr || *version == '\0') return AF_ERR_INVALID_ARGUMENT;
      size_t n = 0;
      for (const char* p = version; *p; ++p, ++n) {
        const unsigned char ch = static_cast<unsigned char>(*p);
        if (n >= kMaxDataVersionBytes || ch < 0x20 || ch == 0x7f) return AF_ERR_INVALID_ARGUMENT;
      }
      h.data_version_ = version;
      return AF_OK;
    });
  }
  static constexpr size_t kMaxDataVersionBytes = 256;
};

const af_host_api& HostApiTable() {
  static const af_host_api api = [] {
    af_host_api t{};
    t.struct_size = sizeof(af_host_api);
    t.abi_major = AF_ABI_MAJOR;
    t.abi_minor = AF_ABI_MINOR;
    t.host_version = "assetflow 0.1.0";
    t.log = &HostApiImpl::Log;
    t.set_error = &HostApiImpl::SetError;
    t.report_progress = &HostApiImpl::ReportProgress;
    t.add_metadata = &HostApiImpl::AddMetadata;
    t.is_canceled = &HostApiImpl::IsCanceled;
    t.asset_key = &HostApiImpl::AssetKey;
    t.run_id = &HostApiImpl::RunId;
    t.attempt = &HostApiImpl::Attempt;
    t.config_json = &HostApiImpl::ConfigJson;
    t.config_get_int = &HostApiImpl::ConfigGetInt;
    t.config_get_double = &HostApiImpl::ConfigGetDouble;
    t.config_get_bool = &HostApiImpl::ConfigGetBool;
    t.config_get_string = &HostApiImpl::ConfigGetString;
    t.input_count = &HostApiImpl::InputCount;
    t.input_name = &HostApiImpl::InputName;
    t.open_input = &HostApiImpl::OpenInput;
    t.output = &HostApiImpl::Output;
    t.home_dir = &HostApiImpl::HomeDir;
    t.get_extension = &HostApiImpl::GetExtension;
    t.set_data_version = &HostApiImpl::SetDataVersion;
    return t;
  }();
  return api;
}

}  // namespace af
