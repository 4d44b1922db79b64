// HostCall: the host side of one plugin call. It owns the af_context handed to the plugin and
// implements every service of af_host_api (sdk/include/assetflow/host.h) over its fields.
//
// A step creates one HostCall for the asset's materialize and one per IO-manager call (same
// services, no inputs and no output). Everything a HostCall points to is owned by its creator
// and must outlive the HostCall. The context (and every input stream) the plugin is handed is a
// call cell (engine/call_cell.h): when the HostCall ends, it refuses every service, so a plugin
// that kept it can reach nothing, least of all another call's output. Thread: [call-thread],
// except is_canceled which reads an atomic; a late call from any thread is refused safely.
#ifndef ASSETFLOW_HOST_ENGINE_HOST_CONTEXT_H_
#define ASSETFLOW_HOST_ENGINE_HOST_CONTEXT_H_

#include <assetflow/assetflow.h>
#include <rapidjson/document.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/call_cell.h"
#include "eventlog/event_log.h"

namespace af {

// A definition's config, parsed once and then read by any number of calls on any threads
// (RapidJSON's const reads are thread-safe).
struct ParsedConfig {
  std::string text = "{}";
  rapidjson::Document doc;
  // Parses `json`; a value that is not an object becomes {} (the loader validated it already).
  explicit ParsedConfig(std::string json);
  // The value at a top-level `key`, or at a JSON pointer when `key` starts with '/'; nullptr
  // when absent.
  const rapidjson::Value* Find(const char* key) const;
};

// What a plugin reports during a call that is not part of its result: log lines and progress.
// Implemented by the executor; called on the call's thread.
class CallListener {
 public:
  virtual ~CallListener() = default;
  virtual void OnLog(const std::string& asset_key, af_log_level level, const char* message) = 0;
  virtual void OnProgress(const std::string& asset_key, uint64_t done, uint64_t total) = 0;
};

// One input of an asset: the upstream asset read through that asset's own IO manager, or,
// when `spool_path` is set, from the host's copy of an upstream produced earlier in the same
// run whose IO manager cannot load (write-only).
struct InputSource {
  std::string name;       // what the plugin opens it by
  std::string asset_key;  // the upstream asset
  const af_io_manager_descriptor* io = nullptr;
  const ParsedConfig* io_config = nullptr;  // the upstream's IO-manager resource config
  std::string spool_path;
  // The upstream is an observable source asset: it has a data version, no stored data.
  bool observed_only = false;
};

class HostCall {
 public:
  // Ownership: every pointer argument is borrowed (see the file comment). `cancel` may be null.
  HostCall(const std::string& asset_key, const std::string& run_id, uint32_t attempt,
           const std::string& home, const ParsedConfig& config,
           const std::atomic<bool>* cancel, CallListener* listener);
  ~HostCall();  // End()
  HostCall(const HostCall&) = delete;
  HostCall& operator=(const HostCall&) = delete;

  const af_context* context() const { return &cell_->value; }
  // Closes the context (every later service call through it is refused, waiting for calls
  // already inside to return) and every open input. Idempotent.
  void End();

  // Asset calls only: the inputs (sorted by name) and the output stream.
  void set_inputs(const std::vector<InputSource>* inputs);
  void set_output(const af_ostream* output) { output_ = output; }
  // Where add_metadata puts validated entries (a key given twice keeps the last value).
  // Without a sink, metadata is validated and dropped.
  void set_metadata_sink(std::vector<MetadataEntry>* sink) { metadata_ = sink; }

  // The error the plugin reported with set_error (status AF_OK = none), and the error of the
  // last input that failed to open (the plugin's own message usually only names the input).
  af_status error_status() const { return error_status_; }
  // The host's own verdict on the call, as if the plugin had called set_error.
  void set_error(af_status status, std::string message) {
    error_status_ = status;
    error_message_ = std::move(message);
  }
  const std::string& error_message() const { return error_message_; }
  const std::string& input_error() const { return input_error_; }
  // The data version the plugin set (set_data_version), "" when none.
  const std::string& data_version() const { return data_version_; }
  // Closes every open input reader (idempotent); call once the plugin returned.
  void CloseInputs();

 private:
  struct OpenInput;
  static HostCall& Self(const af_context* ctx) { return *static_cast<HostCall*>(ctx->host_data); }
  friend struct HostApiImpl;

  Cell<af_context>* cell_;
  const std::string& asset_key_;
  const std::string& run_id_;
  uint32_t attempt_;
  const std::string& home_;
  const ParsedConfig& config_;
  const std::atomic<bool>* cancel_;
  CallListener* listener_;
  const std::vector<InputSource>* inputs_ = nullptr;
  std::vector<OpenInput*> open_;  // parallel to *inputs_, nullptr = not open
  const af_ostream* output_ = nullptr;
  std::vector<MetadataEntry>* metadata_ = nullptr;
  af_status error_status_ = AF_OK;
  std::string error_message_, input_error_, data_version_;
};

// The metadata type's stored name ("int", "float", ...), or nullptr for an unknown type.
const char* MetadataTypeName(af_metadata_type type);
// True when `value` parses as `type` (int: a decimal int64; float: a finite or inf/nan double;
// bool: true/false; json: any JSON text; the text kinds: anything).
bool MetadataValueIsValid(af_metadata_type type, const std::string& value);
// "AF_ERR_RETRYABLE" etc.
const char* StatusName(af_status status);

}  // namespace af

#endif
