#include "server/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <regex>

namespace af {

std::string HttpRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string HttpRequest::Param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

namespace {

struct RouteEntry {
  std::string method;
  std::regex pattern;
  HttpHandler handler;
};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

struct HttpServer::Impl {
  httplib::Server server;
  double heartbeat_s;
  std::vector<RouteEntry> routes;
  std::function<bool(const HttpRequest&, HttpResponse&)> before;
  std::vector<std::pair<std::string, std::string>> default_headers;
  // Streams wait on this; WakeStreams and Stop notify it.
  std::mutex mu;
  std::condition_variable wake;
  uint64_t generation = 0;
  bool stopping = false;
};

namespace {

class ChunkWriter : public EventStreamWriter {
 public:
  ChunkWriter(httplib::DataSink& sink, HttpServer::Impl& impl) : sink_(sink), impl_(impl) {
    std::lock_guard<std::mutex> lock(impl_.mu);
    seen_ = impl_.generation;
    last_write_ = std::chrono::steady_clock::now();
  }

  bool Send(int64_t id, const std::string& event, const std::string& data) override {
    std::string frame;
    if (id > 0) frame += "id: " + std::to_string(id) + "\n";
    if (!event.empty()) frame += "event: " + event + "\n";
    frame += "data: " + data + "\n\n";
    return Write(frame);
  }

  bool Wait(int ms) override {
    {
      std::unique_lock<std::mutex> lock(impl_.mu);
      impl_.wake.wait_for(lock, std::chrono::milliseconds(ms),
                          [&] { return impl_.stopping || impl_.generation != seen_; });
      if (impl_.stopping) return false;
      seen_ = impl_.generation;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_write_ >= std::chrono::duration<double>(impl_.heartbeat_s)) {
      return Write(": heartbeat\n\n");
    }
    return sink_.is_writable();
  }

 private:
  bool Write(const std::string& frame) {
    {
      std::lock_guard<std::mutex> lock(impl_.mu);
      if (impl_.stopping) return false;
    }
    if (!sink_.is_writable() || !sink_.write(frame.data(), frame.size())) return false;
    last_write_ = std::chrono::steady_clock::now();
    return true;
  }

  httplib::DataSink& sink_;
  HttpServer::Impl& impl_;
  uint64_t seen_ = 0;
  std::chrono::steady_clock::time_point last_write_;
};

}  // namespace

HttpServer::HttpServer(double heartbeat_s) : impl_(std::make_unique<Impl>()) {
  impl_->heartbeat_s = heartbeat_s;
  httplib::Server& s = impl_->server;
  s.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  s.set_payload_max_length(kMaxBodyBytes);
  s.set_read_timeout(kReadTimeoutS, 0);
  s.set_write_timeout(kReadTimeoutS, 0);
  s.set_keep_alive_timeout(5);
  // Every method and path goes to one dispatcher (after httplib has read the body), so that
  // one filter sees every request and the routes are ours (regexes over the decoded path,
  // first match wins).
  auto dispatch = [this](const httplib::Request& req, httplib::Response& res) {
    HttpRequest r;
    r.method = req.method == "HEAD" ? "GET" : req.method;
    r.path = req.path;
    r.body = req.body;
    r.remote_addr = req.remote_addr;
    for (const auto& [k, v] : req.headers) r.headers[Lower(k)] = v;
    for (const auto& [k, v] : req.params) r.params[k] = v;
    HttpResponse out;
    bool answered = impl_->before && impl_->before(r, out);
    if (!answered) {
      bool path_known = false;
      for (const RouteEntry& route : impl_->routes) {
        std::smatch m;
        if (!std::regex_match(r.path, m, route.pattern)) continue;
        path_known = true;
        if (route.method != r.method) continue;
        for (const auto& g : m) r.matches.push_back(g.str());
        route.handler(r, out);
        answered = true;
        break;
      }
      if (!answered) {
        out.status = path_known ? 405 : 404;
        out.body = path_known ? R"({"error":"method not allowed"})" : R"({"error":"not found"})";
      }
    }
    res.status = out.status;
    for (const auto& [k, v] : impl_->default_headers) {
      // A route's own header of the same name (a stricter CSP for artifacts) replaces it.
      const bool own = std::any_of(out.headers.begin(), out.headers.end(),
                                   [&](const auto& h) { return h.first == k; });
      if (!own) res.set_header(k.c_str(), v);
    }
    for (const auto& [k, v] : out.headers) res.set_header(k.c_str(), v);
    if (!out.stream) {
      res.set_content(out.body, out.content_type.c_str());
      return;
    }
    if (active_streams_.fetch_add(1) >= kMaxStreams) {
      active_streams_.fetch_sub(1);
      res.status = 503;
      res.set_header("Retry-After", "5");
      res.set_content(R"({"error":"too many event streams; poll instead"})", kJsonType);
      return;
    }
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Accel-Buffering", "no");
    auto stream = std::move(out.stream);
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, stream](size_t, httplib::DataSink& sink) {
          ChunkWriter writer(sink, *impl_);
          stream(writer);
          sink.done();
          return true;
        },
        [this](bool) { active_streams_.fetch_sub(1); });
  };
  s.Get(".*", dispatch);
  s.Post(".*", dispatch);
  s.Put(".*", dispatch);
  s.Delete(".*", dispatch);
  s.Patch(".*", dispatch);
  s.Options(".*", dispatch);
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content(R"({"error":"internal error"})", kJsonType);
  });
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(const std::string& method, const std::string& pattern, HttpHandler handler) {
  impl_->routes.push_back({method, std::regex(pattern), std::move(handler)});
}

void HttpServer::Before(std::function<bool(const HttpRequest&, HttpResponse&)> filter) {
  impl_->before = std::move(filter);
}

void HttpServer::AddDefaultHeader(const std::string& name, const std::string& value) {
  impl_->default_headers.emplace_back(name, value);
}

Expected<int> HttpServer::Bind(const std::string& host, int port) {
  const int bound = port == 0 ? impl_->server.bind_to_any_port(host)
                              : (impl_->server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return Status::IoError("cannot listen on " + host + ":" + std::to_string(port) +
                           " (address in use, or not an address of this machine)");
  }
  return bound;
}

void HttpServer::Listen() { impl_->server.listen_after_bind(); }

void HttpServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  impl_->server.stop();
}

void HttpServer::WakeStreams() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    ++impl_->generation;
  }
  impl_->wake.notify_all();
}

}  // namespace af
