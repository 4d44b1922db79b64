#include "hostile/hostile_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace hostile {

struct Server::Impl {
  httplib::Server http;
  std::thread thread;
  int port = 0;
  int silent_fd = -1;
  int silent_port = 0;
  std::atomic<bool> stopping{false};
};

namespace {

const char* kItem1 = R"({"id":1,"type":"story","by":"alice","title":"First story","score":10,"time":1700000000})";
const char* kItem2 = R"({"id":2,"type":"story","by":"bob","title":"Second story","score":5,"time":1700000001})";

void Json(httplib::Response& res, const std::string& body) {
  res.status = 200;
  res.set_content(body, "application/json");
}

}  // namespace

Server::Server() : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.http.Get(R"(/(\w+)/v0/topstories\.json)", [&m](const httplib::Request& req,
                                                  httplib::Response& res) {
    const std::string scenario = req.matches[1];
    if (scenario == "s429") {
      res.status = 429;
      res.set_header("Retry-After", "60");
    } else if (scenario == "s500") {
      res.status = 500;
    } else if (scenario == "notfound") {
      res.status = 404;
    } else if (scenario == "garbage") {
      Json(res, "this is not json");
    } else if (scenario == "negative") {
      Json(res, "[1,-2]");
    } else if (scenario == "big") {
      std::string body = "[1";
      while (body.size() < 4096) body += ",1";
      Json(res, body + "]");
    } else if (scenario == "trickle") {
      res.set_chunked_content_provider("application/json", [&m](size_t, httplib::DataSink& sink) {
        for (int i = 0; i < 600 && !m.stopping; ++i) {
          if (!sink.write(" ", 1)) return false;
          for (int k = 0; k < 10 && !m.stopping; ++k)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        sink.done();
        return true;
      });
    } else {
      Json(res, "[1,2]");
    }
  });
  m.http.Get(R"(/(\w+)/v0/item/(\d+)\.json)", [](const httplib::Request& req,
                                                httplib::Response& res) {
    const std::string scenario = req.matches[1];
    const bool first = req.matches[2] == "1";
    if (scenario == "utf8") {
      Json(res, first ? "{\"id\":1,\"type\":\"story\",\"by\":\"al\xC3\",\"title\":\"bad \xFF\xFE bytes \xC0\xAF end\"}"
                      : "{\"id\":2,\"type\":\"story\",\"by\":\"bob\",\"title\":\"\x80lone continuation\"}");
    } else if (scenario == "nul") {
      Json(res, first ? R"({"id":1,"type":"story","by":"alice","title":"before\u0000after"})" : kItem2);
    } else if (scenario == "wrongid") {
      Json(res, first ? kItem2 : kItem2);
    } else if (scenario == "wrongtype") {
      Json(res, first ? R"({"id":1,"type":"story","title":5})" : kItem2);
    } else {
      Json(res, first ? kItem1 : kItem2);
    }
  });
  m.port = m.http.bind_to_any_port("127.0.0.1");
  if (m.port <= 0) throw std::runtime_error("hostile server: cannot bind 127.0.0.1");
  m.thread = std::thread([&m] { m.http.listen_after_bind(); });
  // stop() before the thread listens would be lost (and the join below would hang).
  for (int i = 0; i < 1000 && !m.http.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (!m.http.is_running()) throw std::runtime_error("hostile server: did not start listening");

  // Listening with a backlog, never accepting: the kernel completes the handshake, the request
  // is sent, and nothing ever comes back.
  m.silent_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(m.silent_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(m.silent_fd, 64) != 0 ||
      ::getsockname(m.silent_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("hostile server: cannot open the silent socket");
  m.silent_port = ntohs(addr.sin_port);
}

Server::~Server() {
  impl_->stopping = true;
  impl_->http.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  if (impl_->silent_fd >= 0) ::close(impl_->silent_fd);
}

std::string Server::url(const std::string& scenario) const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + "/" + scenario + "/v0";
}

std::string Server::silent_url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->silent_port) + "/v0";
}

}  // namespace hostile
