// hn-replay: the Hacker News API, replayed from a recorded set, for offline tests, demos and
// benchmarks. Faults (latency, 500s, 429s, dropped connections, broken bodies) are injected on
// purpose and counted at /stats, so a test can assert what the client really went through.
//
// Contract: binds 127.0.0.1 only; the first line on stdout is `listening on <port>` (flushed),
// everything else goes to stderr. Runs until killed.
//
// Asynchronous (Boost.Beast on one Asio event loop): a connection is a socket and a buffer, a
// request's latency a timer, so 256 kept-alive connections cost no threads and nothing while
// idle. The cpp-httplib server this replaced held a thread per connection that polled its
// socket every 10 ms while idle: over half of its CPU at concurrency 256 on 2 cores (issue 12).
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility> (C++20).
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "replay_options.h"

namespace hn_replay {
namespace {

const char kJson[] = "application/json; charset=utf-8";

struct RecordedSet {
  std::vector<int64_t> ranking;                     // topstories, in rank order
  std::unordered_map<int64_t, std::string> items;  // id -> the item's JSON text
};

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "hn-replay: %s\n", why.c_str());
  std::exit(1);
}

rapidjson::Document read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  if (d.HasParseError()) die(path + " is not JSON");
  return d;
}

std::string to_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return std::string(b.GetString(), b.GetSize());
}

RecordedSet load_set(const Options& o) {
  RecordedSet set;
  rapidjson::Document top = read_json(o.data_dir + "/topstories.json");
  if (!top.IsArray()) die(o.data_dir + "/topstories.json is not an array");
  for (auto& id : top.GetArray()) {
    if (!id.IsInt64()) die(o.data_dir + "/topstories.json holds a non-integer id");
    set.ranking.push_back(id.GetInt64());
  }
  rapidjson::Document items = read_json(o.data_dir + "/items.json");
  if (!items.IsArray()) die(o.data_dir + "/items.json is not an array");
  int64_t max_id = 0;
  for (auto& it : items.GetArray()) {
    if (!it.IsObject() || !it.HasMember("id") || !it["id"].IsInt64())
      die(o.data_dir + "/items.json holds an item without an integer id");
    max_id = std::max(max_id, it["id"].GetInt64());
    set.items.emplace(it["id"].GetInt64(), to_text(it));
  }
  for (int64_t id : set.ranking) max_id = std::max(max_id, id);
  // Ids past every recorded one, so they are certainly unknown and answer `null`.
  for (int i = 1; i <= o.extra_null_ids; ++i) set.ranking.push_back(max_id + i);
  return set;
}

std::string ranking_text(const std::vector<int64_t>& ids) {
  std::string s = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(ids[i]);
  }
  return s + "]";
}

struct Stats {
  std::atomic<uint64_t> requests{0}, topstories_served{0}, items_served{0}, nulls_served{0},
      faults_500{0}, drops{0}, throttled{0}, in_flight{0}, max_in_flight{0};
  // Connections accepted in all, open now, and open when topstories was last answered (a
  // client that opens its item connections during that request has them all open by then).
  std::atomic<uint64_t> connections{0}, open_connections{0}, open_at_topstories{0};
  std::string json() const {
    return "{\"requests\":" + std::to_string(requests) +
           ",\"topstories_served\":" + std::to_string(topstories_served) +
           ",\"items_served\":" + std::to_string(items_served) +
           ",\"nulls_served\":" + std::to_string(nulls_served) +
           ",\"faults_500\":" + std::to_string(faults_500) + ",\"drops\":" + std::to_string(drops) +
           ",\"throttled\":" + std::to_string(throttled) +
           ",\"max_in_flight\":" + std::to_string(max_in_flight) +
           ",\"connections\":" + std::to_string(connections) +
           ",\"open_at_topstories\":" + std::to_string(open_at_topstories) + "}";
  }
  // Counts a request as being handled until the guard dies; the peak proves concurrency.
  struct InFlight {
    Stats& s;
    explicit InFlight(Stats& st) : s(st) {
      ++s.requests;
      uint64_t now = ++s.in_flight, peak = s.max_in_flight.load();
      while (now > peak && !s.max_in_flight.compare_exchange_weak(peak, now)) {
      }
    }
    ~InFlight() { --s.in_flight; }
  };
};

enum class Fault { none, error_500, drop, throttle };

// One seeded stream of draws shared by all worker threads: the mix of faults is reproducible,
// which request gets which fault depends on arrival order.
class FaultDraw {
 public:
  explicit FaultDraw(const Options& o) : o_(o), rng_(o.seed) {}
  Fault next() {
    if (o_.fail_rate + o_.drop_rate + o_.throttle_rate <= 0) return Fault::none;
    double u;
    {
      std::lock_guard<std::mutex> lock(mu_);
      u = std::uniform_real_distribution<double>(0, 1)(rng_);
    }
    if (u < o_.fail_rate) return Fault::error_500;
    if (u < o_.fail_rate + o_.drop_rate) return Fault::drop;
    if (u < o_.fail_rate + o_.drop_rate + o_.throttle_rate) return Fault::throttle;
    return Fault::none;
  }

 private:
  const Options& o_;
  std::mutex mu_;
  std::mt19937_64 rng_;
};

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// What the server answers, shared by every connection (read-only but for the counters).
struct Service {
  const Options& opt;
  const RecordedSet& set;
  const std::string ranking;
  Stats stats;
  FaultDraw faults;
  Service(const Options& o, const RecordedSet& s) : opt(o), set(s), ranking(ranking_text(s.ranking)), faults(o) {}
};

// An answer before it is written: a body in memory, a streamed one of `huge_bytes`, or no
// answer at all (`drop`: the connection is reset, as when a proxy or the network cuts it).
struct Answer {
  unsigned status = 200;
  std::string content_type = kJson;
  std::string body;
  // When set, the body is this text instead (a recorded item or the ranking, which outlive every
  // connection): written from where it lies, not copied per request.
  const std::string* shared_body = nullptr;
  std::string retry_after;
  bool drop = false;
  uint64_t huge_bytes = 0;  // > 0: a valid JSON document of exactly this size, streamed
  bool huge_array = false;
  bool counted = true;  // a request of the API (not /stats): delayed and counted in flight
};

// Routes one request; `counted` answers are the API's and pay --latency-ms first.
Answer route(Service& svc, const std::string& target) {
  Answer a;
  const Options& o = svc.opt;
  static const std::string kItem = "/v0/item/", kTop = "/v0/topstories.json";
  if (target == kTop) {
    ++svc.stats.topstories_served;
    svc.stats.open_at_topstories = svc.stats.open_connections.load();
    if (o.huge == Target::topstories) {
      a.huge_bytes = std::max<uint64_t>(o.body_bytes, 3);
      a.huge_array = true;
    } else if (o.malformed == Target::topstories) {
      a.content_type = "text/html";
      a.body = "<html><body>502 Bad Gateway</body></html>";
    } else if (o.wrong_shape == Target::topstories) {
      a.body = "{\"ids\":" + svc.ranking + "}";
    } else {
      a.shared_body = &svc.ranking;
    }
    return a;
  }
  // /v0/item/<digits>.json, as the real API's paths go.
  if (target.size() > kItem.size() + 5 && target.compare(0, kItem.size(), kItem) == 0 &&
      target.compare(target.size() - 5, 5, ".json") == 0) {
    const std::string digits = target.substr(kItem.size(), target.size() - kItem.size() - 5);
    if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos) {
      switch (svc.faults.next()) {
        case Fault::error_500:
          ++svc.stats.faults_500;
          a.status = 500;
          a.body = "{\"error\":\"injected failure\"}";
          return a;
        case Fault::drop:
          ++svc.stats.drops;
          a.drop = true;
          return a;
        case Fault::throttle:
          ++svc.stats.throttled;
          a.status = 429;
          a.retry_after = std::to_string(o.retry_after_s);
          a.body = "{\"error\":\"too many requests\"}";
          return a;
        case Fault::none:
          break;
      }
      ++svc.stats.items_served;
      if (o.huge == Target::items) {
        a.huge_bytes = std::max<uint64_t>(o.body_bytes, 3);
      } else if (o.malformed == Target::items) {
        a.body = "{\"by\":\"pg\",\"id\":";
      } else {
        auto it = svc.set.items.find(std::strtoll(digits.c_str(), nullptr, 10));
        if (it == svc.set.items.end()) {
          ++svc.stats.nulls_served;
          a.body = "null";
        } else {
          if (o.wrong_shape == Target::items) a.body = "[" + it->second + "]";
          else a.shared_body = &it->second;
        }
      }
      return a;
    }
  }
  a.counted = false;
  if (target == "/stats") {
    a.body = svc.stats.json();
  } else {
    a.status = 404;
    a.content_type = "text/plain";
    a.body = "not found";
  }
  return a;
}

// One event loop (run by one thread) and its connections' latency: every API request waits the
// same --latency-ms, so requests come due in the order they arrived and one FIFO with one timer
// serves them all. The timer is armed for the oldest, and everything due by the time the thread
// wakes is answered in that one wake-up: a burst of 256 requests costs a few dozen wake-ups
// instead of a timer each. Never early.
class Loop {
 public:
  Loop() : io(1), timer_(io) {}
  net::io_context io;

  // Calls `then` on this loop's thread `delay` from now.
  void after(std::chrono::milliseconds delay, std::function<void()> then) {
    queue_.push_back({std::chrono::steady_clock::now() + delay, std::move(then)});
    if (!armed_) arm();
  }

 private:
  struct Pending {
    std::chrono::steady_clock::time_point due;
    std::function<void()> then;
  };
  void arm() {
    armed_ = true;
    timer_.expires_at(queue_.front().due);
    timer_.async_wait([this](beast::error_code) {
      armed_ = false;
      const auto now = std::chrono::steady_clock::now();
      while (!queue_.empty() && queue_.front().due <= now) {
        auto then = std::move(queue_.front().then);
        queue_.pop_front();
        then();
      }
      if (!queue_.empty()) arm();
    });
  }
  net::steady_timer timer_;
  std::deque<Pending> queue_;  // due times in arrival order: the same delay for all
  bool armed_ = false;
};

// One kept-alive connection: read a request, wait out the latency, answer, read the next. Every
// step is a callback on the event loop holding the session alive through shared_from_this.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Service& svc, Loop& loop)
      : stream_(std::move(socket)), svc_(svc), loop_(loop) {
    ++svc_.stats.connections;
    ++svc_.stats.open_connections;
  }
  ~Session() {
    if (counted_) --svc_.stats.open_connections;
  }

  void start() { read(); }

 private:
  // An idle kept-alive connection is closed after this (as cpp-httplib's keep-alive timeout did).
  static constexpr std::chrono::seconds kIdle{30};

  void read() {
    req_ = {};
    stream_.expires_after(kIdle);
    http::async_read(stream_, buffer_, req_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->on_request();
                     });
  }

  void on_request() {
    stream_.expires_never();  // a slow answer (latency, a huge body) is ours, not a stall
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
    } else if (counted_ && !served_api_) {
      // A connection of a test asking /stats is not one of the client's under test.
      counted_ = false;
      --svc_.stats.connections;
      --svc_.stats.open_connections;
    }
    auto go = [this, target] {
      answer_ = route(svc_, target);
      respond();
    };
    if (!api || svc_.opt.latency_ms <= 0) return go();
    loop_.after(std::chrono::milliseconds(svc_.opt.latency_ms), [self = shared_from_this(), go] { go(); });
  }

  void respond() {
    if (answer_.drop) {
      // A reset, not a graceful close: the client sees the connection die with no answer.
      beast::error_code ignored;
      stream_.socket().set_option(net::socket_base::linger(true, 0), ignored);
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
    net::async_write(stream_, out, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
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
    http::async_write_header(stream_, *sr, [self = shared_from_this(), res, sr, keep_alive](
                                               beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->sent_ = 0;
      self->write_huge_chunk(keep_alive);
    });
  }

  void write_huge_chunk(bool keep_alive) {
    const uint64_t n = answer_.huge_bytes;
    if (sent_ == n) return after_write({}, keep_alive);
    chunk_.assign(static_cast<std::size_t>(std::min<uint64_t>(n - sent_, 65536)), ' ');
    for (std::size_t i = 0; i < chunk_.size(); ++i) {
      const uint64_t at = sent_ + i;
      if (at == 0) chunk_[i] = answer_.huge_array ? '[' : '{';
      else if (at == 1 && answer_.huge_array) chunk_[i] = '1';
      else if (at == n - 1) chunk_[i] = answer_.huge_array ? ']' : '}';
    }
    net::async_write(stream_, net::buffer(chunk_),
                     [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t k) {
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

  void close() {
    in_flight_.reset();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  Service& svc_;
  Loop& loop_;  // the one this connection's socket is on
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  Answer answer_;
  std::optional<Stats::InFlight> in_flight_;  // from the request read until its answer is sent
  bool counted_ = true;                        // in connections / open_connections
  bool served_api_ = false;
  std::string head_;  // the answer's status line and header, while it is written
  std::string chunk_;
  uint64_t sent_ = 0;
};

// Each accepted connection lives on the next event loop in turn (see main).
void accept_loop(tcp::acceptor& acceptor, Service& svc, std::vector<std::unique_ptr<Loop>>& loops,
                 std::size_t next) {
  Loop& loop = *loops[next % loops.size()];
  acceptor.async_accept(loop.io, [&acceptor, &svc, &loops, &loop, next](beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      beast::error_code ignored;
      // One write per answer already (header and body gathered), but a huge body's chunks
      // must not wait for the client's delayed ACK.
      socket.set_option(tcp::no_delay(true), ignored);
      // Started on its own loop's thread, which runs everything of it from then on.
      auto session = std::make_shared<Session>(std::move(socket), svc, loop);
      net::post(loop.io, [session] { session->start(); });
    }
    accept_loop(acceptor, svc, loops, next + 1);
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
  accept_loop(acceptor, svc, loops, 0);
  // A loop with no connection yet must not return from run() before its first one arrives.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep;
  for (auto& l : loops) keep.push_back(net::make_work_guard(l->io));
  std::vector<std::thread> more;
  for (int i = 1; i < opt.threads; ++i) more.emplace_back([l = loops[i].get()] { l->io.run(); });
  io.run();
  for (auto& t : more) t.join();
  return 0;
}
