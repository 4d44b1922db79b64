// One HTTP request at a time, with any method, headers, a streamed request body and AWS SigV4
// signing by libcurl (CURLOPT_AWS_SIGV4): what an object-store client needs, where
// http_fetcher.h is many GETs at once.
//
// A Session owns one curl easy handle and reuses it, so consecutive requests to one host share
// a kept-alive connection. A Session is used by one thread at a time. It never retries: the
// caller knows which answers are worth another attempt (see Response::transient()).
#ifndef ASSETFLOW_HTTP_CLIENT_HTTP_REQUEST_H
#define ASSETFLOW_HTTP_CLIENT_HTTP_REQUEST_H

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace http_client {

// Signs a request the way AWS SigV4 does, by libcurl. The secret travels only into curl's
// CURLOPT_USERPWD; nothing here ever formats it into a message.
struct AwsSigning {
  std::string provider = "aws:amz";  // curl's "<provider1>[:<provider2>]"
  std::string region;                // "us-east-1"
  std::string service;               // "s3"
  std::string access_key_id;
  std::string secret_access_key;
};

struct Request {
  std::string method = "GET";  // GET, HEAD, PUT, POST, DELETE, ...
  std::string url;             // already %-encoded, exactly as it will be signed
  std::vector<std::string> headers;  // "Name: value"
  // The request body: `body_size` bytes pulled from `read_body` (which returns how many bytes
  // it put into the buffer, 0 at the end). `body` is the shortcut for a body in memory.
  std::string_view body;
  uint64_t body_size = 0;
  std::function<std::size_t(char* buffer, std::size_t size)> read_body;
  // Where the response body goes: `on_body` when set (return false to stop the transfer),
  // otherwise Response::body, up to `max_body_bytes` (beyond it the request fails).
  std::function<bool(const char* data, std::size_t size)> on_body;
  uint64_t max_body_bytes = 1 << 20;
  const AwsSigning* signing = nullptr;  // nullptr: sent unsigned
  long timeout_ms = 30000;              // whole transfer
  long connect_timeout_ms = 10000;
  std::string ca_file;  // PEM CA bundle to verify servers with; "" = the system's store
  // Seconds below `low_speed_bytes` per second after which a stalled transfer is abandoned.
  long low_speed_time_s = 30;
  long low_speed_bytes = 1;
};

struct Response {
  // False when no complete HTTP answer arrived (refused, reset, timed out, ...): `error` says
  // why, `status` is 0.
  bool completed = false;
  bool timed_out = false;
  std::string error;
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; the last value of a name
  std::string body;
  // Header `name` (lower case) or "".
  std::string header(const std::string& name) const;
  // Worth another attempt: no answer (but for permanent failures such as a malformed URL or a
  // certificate that does not verify), 408, 429 or 5xx.
  bool transient() const;
  bool permanent_transport_failure = false;
};

class Session {
 public:
  Session();
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Sends `request` and waits for its answer. Never throws for network failures (see
  // Response::completed); throws std::runtime_error only when curl itself cannot be set up.
  Response Perform(const Request& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// RFC 3986 percent-encoding of `text` (UTF-8 bytes): unreserved characters stay, every other
// byte becomes %XX (upper-case hex); '/' stays when `keep_slash`. The form AWS SigV4 signs.
std::string UriEncode(std::string_view text, bool keep_slash);

}  // namespace http_client

#endif
