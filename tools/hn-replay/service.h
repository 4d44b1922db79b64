// What hn-replay serves, whatever the protocol: the recorded set, the fault draws, the /stats
// counters, the routing of a request to its Answer, and the per-thread event Loop whose one timer
// delays every API request by --latency-ms. The HTTP/1.1 sessions (main.cc) and the HTTP/2 ones
// (h2_session.cc) share all of it, so a fault or a counter means the same over both.
#ifndef HN_REPLAY_SERVICE_H
#define HN_REPLAY_SERVICE_H

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility> (C++20).
#include <utility>

#include <boost/asio.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "replay_options.h"

namespace hn_replay {

extern const char kJson[];

struct RecordedSet {
  std::vector<int64_t> ranking;                     // topstories, in rank order
  std::unordered_map<int64_t, std::string> items;  // id -> the item's JSON text
};

[[noreturn]] void die(const std::string& why);
// Reads DIR/topstories.json and DIR/items.json; dies with the reason on a bad file.
RecordedSet load_set(const Options& o);

struct Stats {
  std::atomic<uint64_t> requests{0}, topstories_served{0}, items_served{0}, nulls_served{0},
      faults_500{0}, drops{0}, throttled{0}, in_flight{0}, max_in_flight{0};
  // Connections accepted in all, open now, and open when topstories was last answered (a
  // client that opens its item connections during that request has them all open by then).
  std::atomic<uint64_t> connections{0}, open_connections{0}, open_at_topstories{0};
  // HTTP/2 connections among `connections`, and the most streams one of them had open at once.
  std::atomic<uint64_t> h2_connections{0}, max_streams_in_flight{0};
  std::string json() const;
  // Raises `peak` to `now` if that is higher (from any thread).
  static void raise(std::atomic<uint64_t>& peak, uint64_t now) {
    uint64_t p = peak.load();
    while (now > p && !peak.compare_exchange_weak(p, now)) {
    }
  }
  // Counts a request as being handled until the guard dies; the peak proves concurrency.
  struct InFlight {
    Stats& s;
    explicit InFlight(Stats& st) : s(st) {
      ++s.requests;
      raise(s.max_in_flight, ++s.in_flight);
    }
    ~InFlight() { --s.in_flight; }
  };
};

// A connection in Stats::connections and open_connections from its accept until it ends (moved
// along from the protocol sniffing to the session). One whose first request is not the API's
// (a test asking /stats) is taken out: it is not one of the client's under test.
class ConnectionCount {
 public:
  explicit ConnectionCount(Stats& s) : s_(&s) {
    ++s.connections;
    ++s.open_connections;
  }
  ConnectionCount(ConnectionCount&& o) noexcept : s_(std::exchange(o.s_, nullptr)), h2_(o.h2_) {}
  ConnectionCount& operator=(ConnectionCount&&) = delete;
  ~ConnectionCount() {
    if (s_) --s_->open_connections;
  }
  void h2() {
    h2_ = true;
    if (s_) ++s_->h2_connections;
  }
  void uncount() {
    if (!s_) return;
    --s_->connections;
    --s_->open_connections;
    if (h2_) --s_->h2_connections;
    s_ = nullptr;
  }

 private:
  Stats* s_;
  bool h2_ = false;
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

namespace net = boost::asio;

// What the server answers, shared by every connection (read-only but for the counters).
struct Service {
  const Options& opt;
  const RecordedSet& set;
  const std::string ranking;
  Stats stats;
  FaultDraw faults;
  Service(const Options& o, const RecordedSet& s);
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

// Bytes [at, at + len) of a huge answer's body: `[1 ... ]` for an array, `{ ... }` else (spaces
// between), a valid JSON document of exactly huge_bytes, made as it is written.
void fill_huge(const Answer& a, uint64_t at, char* out, std::size_t len);

// Routes one request; `counted` answers are the API's and pay --latency-ms first.
Answer route(Service& svc, const std::string& target);

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
    timer_.async_wait([this](boost::system::error_code) {
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

}  // namespace hn_replay

#endif
