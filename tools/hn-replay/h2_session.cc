#include "h2_session.h"

#include <nghttp2/nghttp2.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace hn_replay {
namespace {

namespace beast = boost::beast;
using boost::system::error_code;

constexpr std::size_t kMaxPath = 8192;             // a longer :path resets its stream
constexpr std::size_t kMaxHeaderList = 16384;      // SETTINGS_MAX_HEADER_LIST_SIZE we announce
constexpr std::size_t kBatch = 256 * 1024;         // bytes serialized for one write at most
constexpr std::chrono::seconds kIdle{30};          // as the HTTP/1.1 keep-alive

// One request stream: what it asked and, once answered, where its body is read from.
struct Request {
  std::string method, path;
  Answer answer;
  uint64_t size = 0, offered = 0;  // body bytes in all, and handed to nghttp2 so far
  std::optional<Stats::InFlight> in_flight;
};

template <class Stream>
class H2Session : public std::enable_shared_from_this<H2Session<Stream>> {
 public:
  H2Session(Stream stream, ConnectionCount count, Service& svc, Loop& loop)
      : stream_(std::move(stream)), count_(std::move(count)), svc_(svc), loop_(loop) {
    count_.h2();
  }
  ~H2Session() {
    if (session_) nghttp2_session_del(session_);
  }

  void start(std::string_view received) {
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    nghttp2_session_callbacks_set_send_data_callback(cb, send_data);
    const int rv = nghttp2_session_server_new(&session_, cb, this);
    nghttp2_session_callbacks_del(cb);
    if (rv != 0) return close();
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, static_cast<uint32_t>(svc_.opt.max_streams)},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<uint32_t>(kMaxHeaderList)}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 2);
    if (!feed(received.data(), received.size())) return;
    flush();
    read();
  }

 private:
  static H2Session& of(void* user_data) { return *static_cast<H2Session*>(user_data); }

  // Hands received bytes to nghttp2, whose callbacks run inside. A connection error (a frame that
  // breaks the protocol) makes nghttp2 queue a GOAWAY and stop wanting to read: flush() sends it
  // and then closes. Only a fatal one (bad preface, flooding, no memory) closes at once.
  bool feed(const char* data, std::size_t n) {
    in_recv_ = true;
    const auto rv = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(data), n);
    in_recv_ = false;
    if (rv < 0) {
      close();
      return false;
    }
    return true;
  }

  // Reads unless a write is pending: what the client sends next waits in its socket, not here.
  void read() {
    if (closed_ || reading_ || writing_) return;
    if (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_)) return close();
    reading_ = true;
    beast::get_lowest_layer(stream_).expires_after(kIdle);
    stream_.async_read_some(net::buffer(in_), [self = this->shared_from_this()](error_code ec, std::size_t n) {
      self->reading_ = false;
      if (ec || self->closed_) return self->close();
      if (!self->feed(self->in_.data(), n)) return;
      self->flush();
      self->read();
    });
  }

  // Serializes what nghttp2 has to send (at most kBatch) into one gathered write: frames copied
  // into runs_, recorded bodies referenced where they lie (DATA frames sent with NO_COPY).
  void flush() {
    if (closed_ || writing_ || in_recv_) return;
    runs_.clear();
    out_.clear();
    run_.clear();
    batched_ = 0;
    while (batched_ < kBatch) {
      const uint8_t* p = nullptr;
      const auto n = nghttp2_session_mem_send(session_, &p);
      if (n < 0) return close();
      if (n == 0) break;
      run_.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
      batched_ += static_cast<std::size_t>(n);
    }
    end_run();
    if (out_.empty()) {
      if (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_)) close();
      return;
    }
    writing_ = true;
    beast::get_lowest_layer(stream_).expires_after(kIdle);
    net::async_write(stream_, out_, [self = this->shared_from_this()](error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec) return self->close();
      self->flush();
      self->read();
    });
  }

  void end_run() {
    if (run_.empty()) return;
    runs_.push_back(std::move(run_));  // a deque: earlier runs (and buffers into them) stay put
    run_.clear();
    out_.push_back(net::buffer(runs_.back()));
  }

  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* ud) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    H2Session& h = of(ud);
    h.streams_[frame->hd.stream_id] = std::make_unique<Request>();
    Stats::raise(h.svc_.stats.max_streams_in_flight, h.streams_.size());
    return 0;
  }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                       const uint8_t* value, size_t valuelen, uint8_t, void* ud) {
    H2Session& h = of(ud);
    auto it = h.streams_.find(frame->hd.stream_id);
    if (it == h.streams_.end()) return 0;
    const std::string_view n(reinterpret_cast<const char*>(name), namelen);
    const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":path") {
      if (v.size() > kMaxPath) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // resets the stream
      it->second->path.assign(v);
    } else if (n == ":method") {
      it->second->method.assign(v.substr(0, 16));
    }
    return 0;
  }

  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* ud) {
    if ((frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) ||
        !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
      return 0;
    H2Session& h = of(ud);
    if (h.streams_.count(frame->hd.stream_id)) h.on_request(frame->hd.stream_id);
    return 0;
  }

  static int on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t, void* ud) {
    of(ud).streams_.erase(stream_id);  // ends its in-flight count
    return 0;
  }

  // The request is complete: the same counting and latency as an HTTP/1.1 request (main.cc).
  void on_request(int32_t id) {
    Request& r = *streams_[id];
    std::string target = r.path;
    target.resize(std::min(target.size(), target.find('?')));
    if (r.method != "GET") {
      r.answer = Answer{};
      r.answer.status = 405;
      r.answer.content_type = "text/plain";
      r.answer.body = "only GET";
      return submit(id, r);
    }
    const bool api = target.rfind("/v0/", 0) == 0;
    if (api) {
      r.in_flight.emplace(svc_.stats);
      served_api_ = true;
    } else if (!served_api_) {
      count_.uncount();
    }
    auto go = [self = this->shared_from_this(), id, target] { self->answer(id, target); };
    if (!api || svc_.opt.latency_ms <= 0) return go();
    loop_.after(std::chrono::milliseconds(svc_.opt.latency_ms), std::move(go));
  }

  void answer(int32_t id, const std::string& target) {
    auto it = streams_.find(id);
    if (closed_ || it == streams_.end()) return;  // the client reset it meanwhile
    it->second->answer = route(svc_, target);
    submit(id, *it->second);
    // After the other answers this wake-up of the loop's latency queue has due: one write (and
    // one wake-up of the client) for all of them, not one for the first and one for the rest.
    if (flush_posted_) return;
    flush_posted_ = true;
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->flush_posted_ = false;
      self->flush();
      self->read();
    });
  }

  void submit(int32_t id, Request& r) {
    if (r.answer.drop) {
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_INTERNAL_ERROR);
      return;
    }
    const Answer& a = r.answer;
    r.size = a.huge_bytes > 0 ? a.huge_bytes : (a.shared_body ? a.shared_body->size() : a.body.size());
    const std::string status = std::to_string(a.status), length = std::to_string(r.size);
    auto nv = [](const char* name, const std::string& value) {
      return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name)),
                        reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), std::strlen(name),
                        value.size(), NGHTTP2_NV_FLAG_NONE};  // nghttp2 copies both
    };
    std::array<nghttp2_nv, 4> headers{nv(":status", status), nv("content-type", a.content_type),
                                      nv("content-length", length), nv("retry-after", a.retry_after)};
    nghttp2_data_provider body;
    body.source.ptr = &r;
    body.read_callback = read_body;
    if (nghttp2_submit_response(session_, id, headers.data(), a.retry_after.empty() ? 3 : 4, &body) != 0)
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_INTERNAL_ERROR);
  }

  // A recorded body (which outlives the connection) goes out with NO_COPY, by send_data; an
  // answer's own body (errors, /stats) and a huge one are copied into nghttp2's frame buffer.
  static ssize_t read_body(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                           nghttp2_data_source* source, void*) {
    Request& r = *static_cast<Request*>(source->ptr);
    const std::size_t n = static_cast<std::size_t>(std::min<uint64_t>(length, r.size - r.offered));
    if (r.answer.shared_body) *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    else if (r.answer.huge_bytes > 0) fill_huge(r.answer, r.offered, reinterpret_cast<char*>(buf), n);
    else std::memcpy(buf, r.answer.body.data() + r.offered, n);
    r.offered += n;
    if (r.offered == r.size) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  static int send_data(nghttp2_session*, nghttp2_frame* frame, const uint8_t* framehd, size_t length,
                       nghttp2_data_source* source, void* ud) {
    H2Session& h = of(ud);
    const Request& r = *static_cast<Request*>(source->ptr);
    h.run_.append(reinterpret_cast<const char*>(framehd), 9);
    h.end_run();
    h.out_.push_back(net::buffer(r.answer.shared_body->data() + (r.offered - length), length));
    h.batched_ += 9 + length;
    (void)frame;  // never padded: no select_padding callback is set
    return 0;
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    streams_.clear();
    error_code ignored;
    auto& tcp = beast::get_lowest_layer(stream_);
    tcp.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    tcp.socket().close(ignored);
  }

  Stream stream_;
  ConnectionCount count_;
  Service& svc_;
  Loop& loop_;
  nghttp2_session* session_ = nullptr;
  std::unordered_map<int32_t, std::unique_ptr<Request>> streams_;  // open request streams
  std::array<char, 16384> in_;
  std::deque<std::string> runs_;        // copied frames of the write in progress
  std::vector<net::const_buffer> out_;  // that write: runs_ and recorded bodies, in order
  std::string run_;
  std::size_t batched_ = 0;
  bool reading_ = false, writing_ = false, in_recv_ = false, closed_ = false, flush_posted_ = false;
  bool served_api_ = false;
};

}  // namespace

void serve_h2(beast::tcp_stream stream, std::string_view received, ConnectionCount count, Service& svc,
              Loop& loop) {
  std::make_shared<H2Session<beast::tcp_stream>>(std::move(stream), std::move(count), svc, loop)->start(received);
}

void serve_h2(beast::ssl_stream<beast::tcp_stream> stream, ConnectionCount count, Service& svc, Loop& loop) {
  using Tls = beast::ssl_stream<beast::tcp_stream>;
  std::make_shared<H2Session<Tls>>(std::move(stream), std::move(count), svc, loop)->start({});
}

}  // namespace hn_replay
