// hn-replay: the Hacker News API, replayed from a recorded set, for offline tests, demos and
// benchmarks. Faults (latency, 500s, 429s, dropped connections, broken bodies) are injected on
// purpose and counted at /stats, so a test can assert what the client really went through.
//
// Contract: binds 127.0.0.1 only; the first line on stdout is `listening on <port>` (flushed),
// everything else goes to stderr. Runs until killed.
#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
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
  std::string json() const {
    return "{\"requests\":" + std::to_string(requests) +
           ",\"topstories_served\":" + std::to_string(topstories_served) +
           ",\"items_served\":" + std::to_string(items_served) +
           ",\"nulls_served\":" + std::to_string(nulls_served) +
           ",\"faults_500\":" + std::to_string(faults_500) + ",\"drops\":" + std::to_string(drops) +
           ",\"throttled\":" + std::to_string(throttled) +
           ",\"max_in_flight\":" + std::to_string(max_in_flight) + "}";
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

// cpp-httplib hands a handler no socket, so find this request's connection by its peer port
// (unique among our connections, all from 127.0.0.1) and cut it: the client then sees the
// connection close with no response at all, as when a proxy or the network drops it.
void cut_connection(int peer_port, int local_port) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return;
  while (dirent* e = readdir(dir)) {
    int fd = std::atoi(e->d_name);
    if (fd <= 2) continue;
    sockaddr_in peer{}, local{};
    socklen_t pl = sizeof peer, ll = sizeof local;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &pl) != 0 || peer.sin_family != AF_INET)
      continue;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &ll) != 0) continue;
    if (ntohs(peer.sin_port) == peer_port && ntohs(local.sin_port) == local_port) {
      linger hard{1, 0};  // reset instead of a graceful close once httplib closes it
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
      shutdown(fd, SHUT_RDWR);
      break;
    }
  }
  closedir(dir);
}

// A valid JSON document of exactly `n` bytes (n >= 3) without holding it in memory: the
// opening bracket, one element, whitespace, the closing bracket.
void serve_huge(httplib::Response& res, uint64_t n, bool array) {
  res.set_content_provider(
      static_cast<size_t>(n), kJson,
      [n, array](size_t offset, size_t length, httplib::DataSink& sink) {
        static const std::string spaces(65536, ' ');
        std::string chunk = spaces.substr(0, std::min<size_t>(length, spaces.size()));
        for (size_t i = 0; i < chunk.size(); ++i) {
          uint64_t at = offset + i;
          if (at == 0) chunk[i] = array ? '[' : '{';
          else if (at == 1 && array) chunk[i] = '1';
          else if (at == n - 1) chunk[i] = array ? ']' : '}';
        }
        return sink.write(chunk.data(), chunk.size());
      });
}

// Two fixes to the listening socket that Debian's prebuilt cpp-httplib doesn't make:
// - its backlog is 5 (CPPHTTPLIB_LISTEN_BACKLOG): a burst of 32 or 64 new connections overflows
//   it, and the kernel drops the extra SYNs, which clients resend only a second later;
// - it sends headers and body in two writes without TCP_NODELAY (set_tcp_nodelay doesn't reach
//   bind_to_any_port), so on a reused connection the body waits for the client's delayed ACK,
//   ~40 ms per response. Accepted sockets inherit TCP_NODELAY from the listener on Linux.
class Server : public httplib::Server {
 public:
  void tune_listener(int backlog) {
    int one = 1;
    setsockopt(svr_sock_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::listen(svr_sock_, backlog);
  }
};

}  // namespace
}  // namespace hn_replay

int main(int argc, char** argv) {
  using namespace hn_replay;
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server
  const Options opt = parse_options(argc, argv);
  const RecordedSet set = load_set(opt);
  const std::string ranking = ranking_text(set.ranking);
  Stats stats;
  FaultDraw faults(opt);

  Server svr;
  // A kept-alive connection holds its worker until it closes or idles out (keep-alive timeout),
  // and a sleeping request holds it too: a connection beyond the pool's size is accepted by the
  // kernel but not read until a worker frees up. With 128 workers a client at concurrency 250
  // had 122 connections wait, unanswered, for its own 10 s timeout (issue 12). So: one worker
  // per connection a client may open, and a client past that waits only for the idle timeout.
  const int threads = opt.threads;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  svr.set_keep_alive_max_count(1000000);
  svr.set_keep_alive_timeout(30);
  // httplib's default adds SO_REUSEPORT, which would let a second server share a taken --port
  // silently; SO_REUSEADDR alone makes that a clear bind error.
  svr.set_socket_options([](socket_t sock) {
    int one = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  });
  int port = 0;

  auto delay = [&] {
    if (opt.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(opt.latency_ms));
  };

  svr.Get("/v0/topstories.json", [&](const httplib::Request&, httplib::Response& res) {
    Stats::InFlight counted(stats);
    delay();
    ++stats.topstories_served;
    if (opt.huge == Target::topstories) return serve_huge(res, std::max<uint64_t>(opt.body_bytes, 3), true);
    if (opt.malformed == Target::topstories)
      return res.set_content("<html><body>502 Bad Gateway</body></html>", "text/html");
    if (opt.wrong_shape == Target::topstories)
      return res.set_content("{\"ids\":" + ranking + "}", kJson);
    res.set_content(ranking, kJson);
  });

  svr.Get(R"(/v0/item/(\d+)\.json)", [&](const httplib::Request& req, httplib::Response& res) {
    Stats::InFlight counted(stats);
    delay();
    switch (faults.next()) {
      case Fault::error_500:
        ++stats.faults_500;
        res.status = 500;
        return res.set_content("{\"error\":\"injected failure\"}", kJson);
      case Fault::drop:
        ++stats.drops;
        return cut_connection(req.remote_port, port);
      case Fault::throttle:
        ++stats.throttled;
        res.status = 429;
        res.set_header("Retry-After", std::to_string(opt.retry_after_s));
        return res.set_content("{\"error\":\"too many requests\"}", kJson);
      case Fault::none:
        break;
    }
    ++stats.items_served;
    if (opt.huge == Target::items) return serve_huge(res, std::max<uint64_t>(opt.body_bytes, 3), false);
    if (opt.malformed == Target::items) return res.set_content("{\"by\":\"pg\",\"id\":", kJson);
    auto it = set.items.find(std::strtoll(req.matches[1].str().c_str(), nullptr, 10));
    if (it == set.items.end()) {
      ++stats.nulls_served;
      return res.set_content("null", kJson);
    }
    if (opt.wrong_shape == Target::items) return res.set_content("[" + it->second + "]", kJson);
    res.set_content(it->second, kJson);
  });

  svr.Get("/stats", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(stats.json(), kJson);
  });

  port = opt.port == 0 ? svr.bind_to_any_port("127.0.0.1") : opt.port;
  if (opt.port != 0 && !svr.bind_to_port("127.0.0.1", opt.port))
    die("cannot bind 127.0.0.1:" + std::to_string(opt.port));
  if (port <= 0) die("cannot bind 127.0.0.1");
  svr.tune_listener(1024);
  std::printf("listening on %d\n", port);
  std::fflush(stdout);
  if (!svr.listen_after_bind()) die("the server stopped with an error");
  return 0;
}
