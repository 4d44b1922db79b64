// hn-replay: the Hacker News API, replayed from a recorded set, for offline tests, demos and
// benchmarks. Faults (latency, 500s, 429s, dropped connections, broken bodies) are injected on
// purpose and counted at /stats, so a test can assert what the client really went through.
//
// Contract: binds 127.0.0.1 only; the first line on stdout is `listening on <port>` (flushed),
// everything else goes to stderr. Runs until killed.
//
// Asynchronous (Boost.Beast on Asio event loops, one per thread): a connection is a socket and a
// buffer, a request's latency an entry of its loop's FIFO, so 256 kept-alive connections cost no
// threads and nothing while idle. The cpp-httplib server this replaced held a thread per
// connection that polled its socket every 10 ms while idle: over half of its CPU at concurrency
// 256 on 2 cores (issue 12). This file: HTTP/1.1 (plain or over TLS) and the choice of protocol
// per connection; HTTP/2 is h2_session.cc, what both answer is service.cc.
#include "service.h"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "h2_session.h"

namespace hn_replay {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One kept-alive connection: read a request, wait out the latency, answer, read the next. Every
// step is a callback on the event loop holding the session alive through shared_from_this.
// Stream: beast::tcp_stream (plain) or TlsStream (HTTPS whose ALPN did not pick h2).
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  // `received`: bytes already read from the connection (by the protocol sniffing in Sniff).
  Session(Stream stream, beast::flat_buffer received, ConnectionCount count, Service& svc, Loop& loop)
      : stream_(std::move(stream)), svc_(svc), loop_(loop), count_(std::move(count)), buffer_(std::move(received)) {}

  void start() { read(); }

 private:
  // An idle kept-alive connection is closed after this (as cpp-httplib's keep-alive timeout did).
  static constexpr std::chrono::seconds kIdle{30};

  void read() {
    req_ = {};
    lowest().expires_after(kIdle);
    http::async_read(stream_, buffer_, req_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->on_request();
                     });
  }

  void on_request() {
    lowest().expires_never();  // a slow answer (latency, a huge body) is ours, not a stall
    if (req_.method() != http::verb::get) {
      answer_ = Answer{};
      answer_.status = 405;
      answer_.content_type = "text/plain";
      answer_.body = "only GET";
      answer_.counted = false;
      return respond();
    }
    // The path routes; a query (`?token=...`, as a client of a keyed API sends) does not.
    std::string target(req_.target());
    target.resize(std::min(target.size(), target.find('?')));
    // The API's counters and latency apply before the answer is chosen, as a real server
    // spends its time before it knows what to say.
    const bool api = target.rfind("/v0/", 0) == 0;
    if (api) {
      in_flight_.emplace(svc_.stats);
      served_api_ = true;
    } else if (!served_api_) {
      count_.uncount();
    }
    auto go = [this, target] {
      answer_ = route(svc_, target);
      respond();
    };
    if (!api || svc_.opt.latency_ms <= 0) return go();
    loop_.after(std::chrono::milliseconds(svc_.opt.latency_ms), [self = this->shared_from_this(), go] { go(); });
  }

  void respond() {
    if (answer_.drop) {
      // A reset, not a graceful close: the client sees the connection die with no answer.
      beast::error_code ignored;
      lowest().socket().set_option(net::socket_base::linger(true, 0), ignored);
      in_flight_.reset();
      return close();
    }
    const bool keep_alive = req_.keep_alive();
    if (answer_.huge_bytes > 0) return respond_huge(keep_alive);
    // The header formatted into a buffer the session keeps, the body written from where it lies
    // (one gathered write, no response object or serializer per request): the same bytes
    // Beast's serializer wrote, for a fraction of the server's CPU per request.
    const std::string& body = answer_.shared_body ? *answer_.shared_body : answer_.body;
    const bool v10 = req_.version() == 10;
    head_.clear();
    head_ += v10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    head_ += std::to_string(answer_.status);
    head_ += ' ';
    const auto reason = http::obsolete_reason(static_cast<http::status>(answer_.status));
    head_.append(reason.data(), reason.size());
    head_ += "\r\nContent-Type: ";
    head_ += answer_.content_type;
    if (!answer_.retry_after.empty()) head_ += "\r\nRetry-After: " + answer_.retry_after;
    // HTTP/1.1 keeps alive unless told otherwise, HTTP/1.0 only when told to.
    if (v10 && keep_alive) head_ += "\r\nConnection: keep-alive";
    if (!v10 && !keep_alive) head_ += "\r\nConnection: close";
    head_ += "\r\nContent-Length: ";
    head_ += std::to_string(body.size());
    head_ += "\r\n\r\n";
    const std::array<net::const_buffer, 2> out{net::buffer(head_), net::buffer(body)};
    net::async_write(stream_, out, [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
      self->after_write(ec, keep_alive);
    });
  }

  // The header with the final Content-Length, then the body 64 KiB at a time: the opening
  // bracket, one element, spaces, the closing bracket, never the whole body in memory.
  void respond_huge(bool keep_alive) {
    auto res = std::make_shared<http::response<http::empty_body>>(http::status::ok, req_.version());
    res->set(http::field::content_type, kJson);
    res->keep_alive(keep_alive);
    res->content_length(answer_.huge_bytes);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    http::async_write_header(stream_, *sr, [self = this->shared_from_this(), res, sr, keep_alive](
                                               beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->sent_ = 0;
      self->write_huge_chunk(keep_alive);
    });
  }

  void write_huge_chunk(bool keep_alive) {
    const uint64_t n = answer_.huge_bytes;
    if (sent_ == n) return after_write({}, keep_alive);
    chunk_.resize(static_cast<std::size_t>(std::min<uint64_t>(n - sent_, 65536)));
    fill_huge(answer_, sent_, chunk_.data(), chunk_.size());
    net::async_write(stream_, net::buffer(chunk_),
                     [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t k) {
                       if (ec) return self->close();
                       self->sent_ += k;
                       self->write_huge_chunk(keep_alive);
                     });
  }

  void after_write(beast::error_code ec, bool keep_alive) {
    in_flight_.reset();
    if (ec || !keep_alive) return close();
    read();
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void close() {
    in_flight_.reset();
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().socket().close(ignored);
  }

  Stream stream_;
  Service& svc_;
  Loop& loop_;  // the one this connection's socket is on
  ConnectionCount count_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  Answer answer_;
  std::optional<Stats::InFlight> in_flight_;  // from the request read until its answer is sent
  bool served_api_ = false;
  std::string head_;  // the answer's status line and header, while it is written
  std::string chunk_;
  uint64_t sent_ = 0;
};

// A new connection's first bytes say what it speaks: a TLS ClientHello (record type 0x16, when
// --tls-cert is given; then ALPN picks h2 or HTTP/1.1), the HTTP/2 preface (h2c by prior
// knowledge), or else HTTP/1.1. What was read is handed on, so nothing is read twice.
class Sniff : public std::enable_shared_from_this<Sniff> {
 public:
  Sniff(tcp::socket socket, Service& svc, Loop& loop, ssl::context* tls)
      : stream_(std::move(socket)), svc_(svc), loop_(loop), tls_(tls), count_(svc.stats) {}

  void start() {
    stream_.expires_after(std::chrono::seconds(30));  // the HTTP/1.1 idle limit, for a silent client
    // As much as there is (a whole HTTP/1.1 request, usually): the session goes on from it.
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return;  // hung up or silent: the socket closes with us
                              self->buffer_.commit(n);
                              self->decide();
                            });
  }

 private:
  void decide() {
    const std::string_view got(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    if (tls_ && got[0] == 0x16) return handshake();
    if (got.substr(0, kH2Preface.size()) == kH2Preface.substr(0, got.size())) {
      if (got.size() < kH2Preface.size()) return start();  // the preface so far: read the rest
      return serve_h2(std::move(stream_), got, std::move(count_), svc_, loop_);
    }
    std::make_shared<Session<beast::tcp_stream>>(std::move(stream_), std::move(buffer_), std::move(count_), svc_,
                                                loop_)
        ->start();
  }

  void handshake() {
    tls_stream_.emplace(std::move(stream_), *tls_);
    beast::get_lowest_layer(*tls_stream_).expires_after(std::chrono::seconds(30));
    tls_stream_->async_handshake(ssl::stream_base::server, buffer_.data(),
                                 [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                   if (ec) return;  // not TLS after all, or no certificate it trusts
                                   self->after_handshake();
                                 });
  }

  void after_handshake() {
    const unsigned char* proto = nullptr;
    unsigned len = 0;
    SSL_get0_alpn_selected(tls_stream_->native_handle(), &proto, &len);
    if (len == 2 && std::memcmp(proto, "h2", 2) == 0) return serve_h2(std::move(*tls_stream_), std::move(count_), svc_, loop_);
    std::make_shared<Session<TlsStream>>(std::move(*tls_stream_), beast::flat_buffer{}, std::move(count_), svc_, loop_)
        ->start();
  }

  beast::tcp_stream stream_;
  Service& svc_;
  Loop& loop_;
  ssl::context* tls_;
  ConnectionCount count_;  // from the accept on: a warm connection not yet used is open too
  beast::flat_buffer buffer_;
  std::optional<TlsStream> tls_stream_;
};

// ALPN on the server side: h2 when the client offers it, else http/1.1; a client offering neither
// gets no ALPN answer and HTTP/1.1 (as a client without ALPN does).
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned inlen, void*) {
  static const unsigned char kOurs[] = "\x02h2\x08http/1.1";
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, outlen, kOurs, sizeof kOurs - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

std::unique_ptr<ssl::context> tls_context(const Options& o) {
  if (o.tls_cert.empty()) return nullptr;
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  beast::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  for (const std::string* f : {&o.tls_cert, &o.tls_key})
    if (!std::ifstream(*f)) die("cannot read " + *f + ": " + std::strerror(errno));
  // OpenSSL's reason (e.g. "no start line" for a file that is not PEM), not asio's generic one.
  auto why = [](const beast::error_code& e) {
    const char* r = ERR_reason_error_string(static_cast<unsigned long>(e.value()));
    return std::string(r ? r : e.message().c_str());
  };
  ctx->use_certificate_chain_file(o.tls_cert, ec);
  if (ec) die("cannot use --tls-cert " + o.tls_cert + ": " + why(ec));
  ctx->use_private_key_file(o.tls_key, ssl::context::pem, ec);
  if (ec) die("cannot use --tls-key " + o.tls_key + ": " + why(ec));
  SSL_CTX_set_alpn_select_cb(ctx->native_handle(), select_alpn, nullptr);
  return ctx;
}

// Each accepted connection lives on the next event loop in turn (see main).
void accept_loop(tcp::acceptor& acceptor, Service& svc, std::vector<std::unique_ptr<Loop>>& loops,
                 ssl::context* tls, std::size_t next) {
  Loop& loop = *loops[next % loops.size()];
  acceptor.async_accept(loop.io, [&acceptor, &svc, &loops, &loop, tls, next](beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      beast::error_code ignored;
      // One write per answer already (header and body gathered), but a huge body's chunks
      // must not wait for the client's delayed ACK.
      socket.set_option(tcp::no_delay(true), ignored);
      // Started on its own loop's thread, which runs everything of it from then on.
      auto sniff = std::make_shared<Sniff>(std::move(socket), svc, loop, tls);
      net::post(loop.io, [sniff] { sniff->start(); });
    }
    accept_loop(acceptor, svc, loops, tls, next + 1);
  });
}

}  // namespace
}  // namespace hn_replay

int main(int argc, char** argv) {
  using namespace hn_replay;
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server
  const Options opt = parse_options(argc, argv);
  const RecordedSet set = load_set(opt);
  Service svc(opt, set);
  const std::unique_ptr<ssl::context> tls = tls_context(opt);

  // One event loop per thread, each with its own connections: a connection's reads, timer and
  // writes never hop threads, so no loop locks or wakes another. One io_context run by several
  // threads instead spent a fifth of the server's CPU in futex waits and wake-ups at C = 256.
  std::vector<std::unique_ptr<Loop>> loops;
  for (int i = 0; i < opt.threads; ++i) loops.push_back(std::make_unique<Loop>());
  net::io_context& io = loops[0]->io;
  tcp::acceptor acceptor(io);
  beast::error_code ec;
  const tcp::endpoint at(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(opt.port));
  acceptor.open(at.protocol(), ec);
  // SO_REUSEADDR only (no SO_REUSEPORT): a second server on a taken --port is a clear bind error.
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(at, ec);
  // A burst of 256 connects must not overflow the backlog (dropped SYNs are resent only a
  // second later).
  if (!ec) acceptor.listen(1024, ec);
  if (ec) die("cannot bind 127.0.0.1:" + std::to_string(opt.port) + ": " + ec.message());
  std::printf("listening on %d\n", static_cast<int>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  accept_loop(acceptor, svc, loops, tls.get(), 0);
  // A loop with no connection yet must not return from run() before its first one arrives.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep;
  for (auto& l : loops) keep.push_back(net::make_work_guard(l->io));
  std::vector<std::thread> more;
  for (int i = 1; i < opt.threads; ++i) more.emplace_back([l = loops[i].get()] { l->io.run(); });
  io.run();
  for (auto& t : more) t.join();
  return 0;
}
