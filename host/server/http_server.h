// HttpServer: the web server's only contact with cpp-httplib, so that the rest of the server
// (routes, security, streams) is plain data in and out and could move to another library
// (Boost.Beast, say, for remote serving) without being rewritten.
//
// Limits, fixed here because cpp-httplib's defaults are unsafe for a long-lived UI:
//   - a pool of kThreads threads (httplib's default, max(8, cores - 1), hangs once a few event
//     streams hold their threads: cpp-httplib #1511, #1953);
//   - at most kMaxStreams event streams at once (the rest get 503), each sending a heartbeat
//     comment every heartbeat_s so that dead clients are noticed and proxies keep it open;
//   - request bodies of at most kMaxBodyBytes (413), a read timeout of kReadTimeoutS.
//
// Thread: handlers run on pool threads, several at once; Listen blocks until Stop (which may
// be called from any thread, a handler included).
#ifndef ASSETFLOW_HOST_SERVER_HTTP_SERVER_H_
#define ASSETFLOW_HOST_SERVER_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace af {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded, without the query
  std::string body;
  std::string remote_addr;
  std::map<std::string, std::string> headers;  // names lower-cased; a repeated header: the last
  std::map<std::string, std::string> params;   // query parameters
  std::vector<std::string> matches;            // the route's regex groups, [0] the whole path
  std::string Header(const std::string& lower_name) const;
  std::string Param(const std::string& name) const;
};

// An event stream's writer (text/event-stream framing). Each call returns false once the
// client is gone or the server stops: the stream must then return.
class EventStreamWriter {
 public:
  virtual ~EventStreamWriter() = default;
  // "id: <id>\nevent: <event>\ndata: <data>\n\n"; data may not contain newlines (JSON).
  virtual bool Send(int64_t id, const std::string& event, const std::string& data) = 0;
  // Waits up to `ms` for Wake() (or the stream's heartbeat, which it sends); false as Send.
  virtual bool Wait(int ms) = 0;
};

// JSON's content type. Not plain "application/json" on purpose: for that and for text/*,
// Debian's cpp-httplib 0.11 compresses every response with brotli at quality 11 when the
// client accepts br, which took seconds for the 1.4 MB layout of 10,000 assets (a browser
// waited 9 s for what curl got in 60 ms). With a charset parameter it sends the bytes as
// they are; on loopback that is the fastest anyway. (The UI's JavaScript is served as
// application/javascript for the same reason.)
inline constexpr const char kJsonType[] = "application/json; charset=utf-8";

struct HttpResponse {
  int status = 200;
  std::string content_type = kJsonType;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the response is an event stream: called once on the connection's thread; it
  // sends events until it returns (or a writer call returns false).
  std::function<void(EventStreamWriter&)> stream;
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse&)>;

class HttpServer {
 public:
  static constexpr int kThreads = 32;
  static constexpr int kMaxStreams = 8;
  static constexpr size_t kMaxBodyBytes = 1 << 20;
  static constexpr int kReadTimeoutS = 10;

  explicit HttpServer(double heartbeat_s = 15);
  ~HttpServer();

  // Routes: `pattern` is an ECMAScript regex over the whole path; first match wins.
  void Route(const std::string& method, const std::string& pattern, HttpHandler handler);
  // Runs before routing for every request; returning true means it answered (the route is not
  // called). For security checks.
  void Before(std::function<bool(const HttpRequest&, HttpResponse&)> filter);
  // Headers added to every response (security headers).
  void AddDefaultHeader(const std::string& name, const std::string& value);

  // Binds host:port (port 0: a free one) and returns the port, or an error.
  Expected<int> Bind(const std::string& host, int port);
  // Serves until Stop.
  void Listen();
  void Stop();
  // Wakes every event stream's Wait (new events to send).
  void WakeStreams();
  int active_streams() const { return active_streams_.load(); }

  struct Impl;  // internal (named here so that the stream writer in the .cc can use it)

 private:
  std::unique_ptr<Impl> impl_;
  std::atomic<int> active_streams_{0};
};

}  // namespace af

#endif
