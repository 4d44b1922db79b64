// assetflow SDK, C++ layer: errors and the per-call host services (Context, streams), the part
// of <assetflow/cpp/plugin.hpp> an asset's code uses. Included by plugin.hpp; header-only,
// compiled into the plugin with hidden visibility, in the versioned inline namespace.
#ifndef ASSETFLOW_CPP_CONTEXT_HPP
#define ASSETFLOW_CPP_CONTEXT_HPP

#include <assetflow/assetflow.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if __cplusplus < 201703L && !(defined(_MSVC_LANG) && _MSVC_LANG >= 201703L)
#error "assetflow/cpp/context.hpp needs C++17"
#endif

namespace assetflow {
inline namespace abi_v1 {

// Exceptions and retries, as in Dagster: an asset that throws is retried by its RetryPolicy
// unless it throws Failure(message, /*allow_retries=*/false) (or FatalError). Precisely, the
// status returned across the boundary is
//   assetflow::Error (and subclasses)  its status()        retried unless AF_ERR_FATAL/CANCELED
//   any other std::exception           AF_ERR_RETRYABLE   retried, with what() as the message
//   anything else thrown               AF_ERR_RETRYABLE   retried, "unknown exception"
// An expected failure with the status to return across the boundary.
class Error : public std::runtime_error {
 public:
  Error(af_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  af_status status() const noexcept { return status_; }

 private:
  af_status status_;
};
// Dagster's Failure(description, allow_retries=True): a failure the plugin reports on purpose.
// With allow_retries (the default) the RetryPolicy applies (AF_ERR_RETRYABLE); without, the step
// fails at once whatever the policy says (AF_ERR_FATAL).
struct Failure : Error {
  explicit Failure(const std::string& m, bool allow_retries = true)
      : Error(allow_retries ? AF_ERR_RETRYABLE : AF_ERR_FATAL, m) {}
  bool allow_retries() const noexcept { return status() != AF_ERR_FATAL; }
};
// Transient: the asset's RetryPolicy applies. Same as Failure(m).
struct RetryableError : Failure {
  explicit RetryableError(const std::string& m) : Failure(m, /*allow_retries=*/true) {}
};
// Permanent: never retried. Same as Failure(m, /*allow_retries=*/false).
struct FatalError : Failure {
  explicit FatalError(const std::string& m) : Failure(m, /*allow_retries=*/false) {}
};

// Reads an af_istream; does not own it.
class InputStream {
 public:
  // `has_error`: the stream has get_error (AF_STREAM_HAS_ERROR).
  explicit InputStream(const af_istream* s, bool has_error = false)
      : s_(s), has_error_(has_error) {}
  // Bytes read (0 at end); throws on a stream error.
  std::size_t read(void* buffer, std::size_t size) {
    int64_t n = s_->read(s_, buffer, size);
    if (n < 0) {
      const char* why = has_error_ ? s_->get_error(s_) : nullptr;
      throw Error(AF_ERR_IO, std::string("reading an input stream failed") +
                                 (why && *why ? std::string(": ") + why : std::string()));
    }
    return static_cast<std::size_t>(n);
  }
  std::string read_all() {
    std::string out;
    char buf[65536];
    for (std::size_t n; (n = read(buf, sizeof buf)) > 0;) out.append(buf, n);
    return out;
  }

 private:
  const af_istream* s_;
  bool has_error_;
};

// Writes everything to an af_ostream, looping over partial writes; throws on error, with the
// stream's own reason when `has_error` says it has get_error (ABI 1.1: AF_STREAM_HAS_ERROR).
inline void write_fully(const af_ostream* s, const void* data, std::size_t size,
                        bool has_error = false) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    int64_t n = s->write(s, p, size);
    if (n <= 0) {
      const char* why = has_error ? s->get_error(s) : nullptr;
      throw Error(AF_ERR_IO, std::string("writing the output stream failed") +
                                 (why && *why ? std::string(": ") + why : std::string()));
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

// The host services for one call. Valid only during that call; [call-thread].
class Context {
 public:
  explicit Context(const af_context* c) : c_(c) {}
  const af_context* raw() const noexcept { return c_; }

  void log(af_log_level level, const std::string& m) const { c_->api->log(c_, level, m.c_str()); }
  void info(const std::string& m) const { log(AF_LOG_INFO, m); }
  void warn(const std::string& m) const { log(AF_LOG_WARNING, m); }
  void progress(uint64_t done, uint64_t total) const { c_->api->report_progress(c_, done, total); }
  // The output's data version instead of the hash of its bytes (ABI 1.1 hosts; throws
  // Error(AF_ERR_UNSUPPORTED) on an older host, AF_ERR_INVALID_ARGUMENT for a bad version).
  void data_version(const std::string& version) const {
    if (!AF_HOST_HAS(c_, set_data_version))
      throw Error(AF_ERR_UNSUPPORTED, "this host cannot take a data version (needs ABI 1.1)");
    const af_status s = c_->api->set_data_version(c_, version.c_str());
    if (s != AF_OK) throw Error(s, "invalid data version '" + version + "'");
  }
  bool canceled() const { return c_->api->is_canceled(c_) != 0; }
  // Throws Error(AF_ERR_CANCELED) if the run is being canceled.
  void check_canceled() const {
    if (canceled()) throw Error(AF_ERR_CANCELED, "canceled");
  }

  std::string asset_key() const { return c_->api->asset_key(c_); }
  std::string run_id() const { return c_->api->run_id(c_); }
  uint32_t attempt() const { return c_->api->attempt(c_); }
  std::string home_dir() const { return c_->api->home_dir(c_); }

  // The ABI carries C strings: a NUL (say, from a server's "\u0000") would cut the value short
  // without a word, so each one becomes U+FFFD and the rest of the value survives.
  void metadata(const std::string& key, af_metadata_type type, const std::string& value) const {
    af_status s = c_->api->add_metadata(c_, without_nul(key).c_str(), type, without_nul(value).c_str());
    if (s != AF_OK) throw Error(s, "metadata '" + key + "' was refused by the host");
  }
  static std::string without_nul(const std::string& s) {
    if (s.find('\0') == std::string::npos) return s;
    std::string out;
    for (char ch : s) ch == '\0' ? out.append("\xEF\xBF\xBD") : out.append(1, ch);
    return out;
  }
  void metadata_int(const std::string& key, int64_t v) const {
    metadata(key, AF_META_INT, std::to_string(v));
  }
  void metadata_float(const std::string& key, double v) const {
    metadata(key, AF_META_FLOAT, std::to_string(v));
  }
  void metadata_text(const std::string& key, const std::string& v) const {
    metadata(key, AF_META_TEXT, v);
  }

  std::string config_json() const { return c_->api->config_json(c_); }
  bool has_config(const char* key) const {
    const char* v;
    af_status s = c_->api->config_get_string(c_, key, &v, nullptr);
    return s != AF_ERR_NOT_FOUND;
  }
  int64_t config_int(const char* key) const {
    int64_t v = 0;
    check_config(c_->api->config_get_int(c_, key, &v), key, "an integer");
    return v;
  }
  double config_double(const char* key) const {
    double v = 0;
    check_config(c_->api->config_get_double(c_, key, &v), key, "a number");
    return v;
  }
  bool config_bool(const char* key) const {
    int32_t v = 0;
    check_config(c_->api->config_get_bool(c_, key, &v), key, "a boolean");
    return v != 0;
  }
  std::string config_string(const char* key) const {
    const char* v = nullptr;
    uint64_t n = 0;
    check_config(c_->api->config_get_string(c_, key, &v, &n), key, "a string");
    return std::string(v, static_cast<std::size_t>(n));
  }

  std::vector<std::string> input_names() const {
    std::vector<std::string> out;
    for (uint32_t i = 0, n = c_->api->input_count(c_); i < n; ++i)
      out.emplace_back(c_->api->input_name(c_, i));
    return out;
  }
  InputStream input(const std::string& name) const {
    const af_istream* s = nullptr;
    af_status st = c_->api->open_input(c_, name.c_str(), &s);
    if (st != AF_OK || !s) throw Error(st == AF_OK ? AF_ERR_IO : st, "cannot open input '" + name + "'");
    return InputStream(s, AF_STREAM_HAS_ERROR(c_, s));
  }
  std::string read_input(const std::string& name) const { return input(name).read_all(); }

  const af_ostream* output() const {
    const af_ostream* s = c_->api->output(c_);
    if (!s) throw Error(AF_ERR_UNSUPPORTED, "this call has no output stream");
    return s;
  }
  void write(std::string_view bytes) const {
    const af_ostream* out = output();
    write_fully(out, bytes.data(), bytes.size(), AF_STREAM_HAS_ERROR(c_, out));
  }

 private:
  static void check_config(af_status s, const char* key, const char* what) {
    if (s == AF_ERR_NOT_FOUND) throw FatalError(std::string("config key '") + key + "' is not set");
    if (s != AF_OK) throw FatalError(std::string("config key '") + key + "' is not " + what);
  }
  const af_context* c_;
};

namespace detail {
// Runs `body`, mapping any exception to a status and reporting it through set_error: an
// Error keeps its status, anything else is AF_ERR_RETRYABLE (see Failure above).
template <class F>
af_status guarded(const af_context* ctx, F&& body) noexcept {
  try {
    body();
    return AF_OK;
  } catch (const Error& e) {
    if (ctx) ctx->api->set_error(ctx, e.status(), e.what());
    return e.status();
  } catch (const std::exception& e) {
    if (ctx) ctx->api->set_error(ctx, AF_ERR_RETRYABLE, e.what());
    return AF_ERR_RETRYABLE;
  } catch (...) {
    if (ctx) ctx->api->set_error(ctx, AF_ERR_RETRYABLE, "unknown exception");
    return AF_ERR_RETRYABLE;
  }
}
}  // namespace detail

}  // namespace abi_v1
}  // namespace assetflow

#endif
