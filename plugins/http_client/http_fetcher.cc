#include "http_fetcher.h"

#include <curl/curl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <deque>
#include <mutex>
#include <queue>
#include <random>
#include <stdexcept>
#include <unordered_set>

namespace http_client {
namespace {

using Clock = std::chrono::steady_clock;

// curl_global_init once per process; libcurl 7.84+ makes it thread-safe, the once_flag keeps
// older ones safe too. Never cleaned up: the host keeps plugins loaded for the process's life.
void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw std::runtime_error("curl_global_init failed");
  });
}

// Failures where another attempt can't help: a certificate that doesn't verify, a URL curl can't
// use. Everything else from the network (timeouts, resets, empty replies) is worth retrying.
bool is_permanent(CURLcode c) {
  switch (c) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return true;
    default:
      return false;
  }
}

bool is_transient_status(long s) { return s == 408 || s == 429 || s >= 500; }

}  // namespace

// One transfer slot: an easy handle reused for request after request, so its connection,
// TLS session and DNS entry stay warm.
struct Slot {
  CURL* easy = nullptr;
  std::size_t index = 0;
  std::string body;
  bool too_large = false;
  uint64_t cap = 0;
  char error[CURL_ERROR_SIZE] = {};

  static size_t on_data(char* p, size_t size, size_t n, void* self) {
    Slot& s = *static_cast<Slot*>(self);
    if (s.body.size() + size * n > s.cap) {
      s.too_large = true;
      return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    s.body.append(p, size * n);
    return size * n;
  }
};

// The event loop drives curl with curl_multi_socket_action: curl tells us which sockets to
// watch (an epoll set) and when its next timeout is, and each wake-up hands it only the sockets
// that are ready. curl_multi_perform + curl_multi_poll instead walk every transfer on every
// wake-up (to collect their sockets and to run them): with 256 in flight that made the fetcher's
// CPU grow with concurrency × completions (issue 12).
struct Fetcher::Impl {
  FetchPolicy policy;
  CURLM* multi = nullptr;
  int epoll_fd = -1;
  long curl_timeout_ms = -1;  // curl's next timeout as curl last set it; -1: none
  Clock::time_point curl_timeout_at = Clock::time_point::max();
  std::vector<Slot> slots;
  std::mt19937_64 jitter{std::random_device{}()};

  // CURLMOPT_SOCKETFUNCTION: keeps the epoll set what curl wants watched. `watched` says which
  // sockets are in it, so each change is one epoll_ctl: curl removes a kept-alive connection's
  // socket after every transfer and adds it back for the next, and a MOD failing before each ADD
  // was a third of the fetcher's epoll_ctl calls. A socket curl closed without saying so left
  // the set by itself (epoll drops closed files): a MOD that fails on a reused number adds it
  // (and an ADD that finds the number there modifies it).
  std::vector<char> watched;  // by socket number
  static int on_socket(CURL*, curl_socket_t fd, int what, void* self, void*) {
    Impl& m = *static_cast<Impl*>(self);
    if (fd < 0) return 0;
    if (static_cast<std::size_t>(fd) >= m.watched.size()) m.watched.resize(fd + 64, 0);
    char& in_set = m.watched[static_cast<std::size_t>(fd)];
    if (what == CURL_POLL_REMOVE) {
      if (in_set) epoll_ctl(m.epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
      in_set = 0;
      return 0;
    }
    epoll_event ev{};
    ev.data.fd = fd;
    if (what & CURL_POLL_IN) ev.events |= EPOLLIN;
    if (what & CURL_POLL_OUT) ev.events |= EPOLLOUT;
    const int op = in_set ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(m.epoll_fd, op, fd, &ev) != 0 && (errno == ENOENT || errno == EEXIST))
      epoll_ctl(m.epoll_fd, op == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
    in_set = 1;
    return 0;
  }
  // CURLMOPT_TIMERFUNCTION: when curl wants CURL_SOCKET_TIMEOUT next (-1: never).
  static int on_timer(CURLM*, long timeout_ms, void* self) {
    Impl& m = *static_cast<Impl*>(self);
    m.curl_timeout_ms = timeout_ms;
    m.curl_timeout_at = timeout_ms < 0 ? Clock::time_point::max()
                                       : Clock::now() + std::chrono::milliseconds(timeout_ms);
    return 0;
  }

  // Connections opened ahead (preconnect): sockets whose connect() was started to `address`,
  // handed to curl in place of a new socket once connected.
  std::size_t preconnect_wanted = 0;
  std::string preconnect_address;  // the struct sockaddr bytes they connect to
  std::string preconnect_to;       // set by on_open until open_warm runs
  int preconnect_family = 0, preconnect_protocol = 0;
  std::deque<int> warm;  // oldest first: the server accepted those first
  std::unordered_set<int> handed;  // warm sockets given to curl and not yet told connected

  // A warm socket is usable when its connect finished without error and the server has not
  // closed it (nothing to read on an unused connection but an EOF).
  static bool connected(int fd) {
    pollfd p{fd, POLLOUT | POLLIN, 0};
    if (poll(&p, 1, 0) != 1 || (p.revents & (POLLERR | POLLHUP | POLLIN)) || !(p.revents & POLLOUT))
      return false;
    int error = 0;
    socklen_t len = sizeof error;
    return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0;
  }

  // CURLOPT_OPENSOCKETFUNCTION: a warm socket to the same address when there is one, else a new
  // socket (and, when asked to, the warm ones to the address curl is about to connect to).
  static curl_socket_t on_open(void* self, curlsocktype purpose, curl_sockaddr* a) {
    Impl& m = *static_cast<Impl*>(self);
    const bool tcp = purpose == CURLSOCKTYPE_IPCXN && a->socktype == SOCK_STREAM;
    const std::string address(reinterpret_cast<const char*>(&a->addr), a->addrlen);
    if (tcp && address == m.preconnect_address) {
      while (!m.warm.empty()) {
        const int fd = m.warm.front();
        m.warm.pop_front();
        if (connected(fd)) {
          m.handed.insert(fd);
          return fd;
        }
        ::close(fd);
      }
    }
    const int fd = ::socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (fd < 0) return CURL_SOCKET_BAD;
    m.handed.erase(fd);  // a warm socket's number curl closed before its sockopt call
    if (tcp && m.preconnect_wanted > 0 && m.preconnect_to.empty()) {
      m.close_warm();
      m.preconnect_address = address;
      m.preconnect_to = address;
      m.preconnect_family = a->family;
      m.preconnect_protocol = a->protocol;
    }
    return fd;
  }
  // Opens the warm sockets, once the request they ride behind is on its way: opened in
  // on_open, their handshakes would delay that request's own connection.
  void open_warm() {
    const auto* addr = reinterpret_cast<const sockaddr*>(preconnect_to.data());
    const auto len = static_cast<socklen_t>(preconnect_to.size());
    for (std::size_t i = 0; i < preconnect_wanted; ++i) {
      const int w = ::socket(preconnect_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                             preconnect_protocol);
      if (w < 0) break;
      if (::connect(w, addr, len) != 0 && errno != EINPROGRESS) {
        ::close(w);
        break;
      }
      warm.push_back(w);
    }
    preconnect_wanted = 0;
    preconnect_to.clear();
  }
  // CURLOPT_SOCKOPTFUNCTION: curl must not connect() a warm socket again.
  static int on_sockopt(void* self, curl_socket_t fd, curlsocktype) {
    return static_cast<Impl*>(self)->handed.erase(fd) ? CURL_SOCKOPT_ALREADY_CONNECTED
                                                      : CURL_SOCKOPT_OK;
  }
  void close_warm() {
    for (int fd : warm) ::close(fd);
    warm.clear();
  }

  explicit Impl(FetchPolicy p) : policy(std::move(p)), slots(std::max(1, policy.concurrency)) {
    global_init();
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) throw std::runtime_error("epoll_create1 failed");
    multi = curl_multi_init();
    if (!multi) {
      ::close(epoll_fd);
      throw std::runtime_error("curl_multi_init failed");
    }
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
    const long n = static_cast<long>(slots.size());
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, n);
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, n);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, n);
    // curl caps streams per h2 connection at 100 by default and would open a second connection
    // for the rest; `concurrency` is the bound, so all of them may share one connection (a
    // server's SETTINGS_MAX_CONCURRENT_STREAMS still lowers it).
    curl_multi_setopt(multi, CURLMOPT_MAX_CONCURRENT_STREAMS, n);
    for (Slot& s : slots) {
      s.easy = curl_easy_init();
      if (!s.easy) throw std::runtime_error("curl_easy_init failed");
      CURL* e = s.easy;
      s.cap = policy.max_body_bytes;
      curl_easy_setopt(e, CURLOPT_PRIVATE, &s);
      curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Slot::on_data);
      curl_easy_setopt(e, CURLOPT_WRITEDATA, &s);
      curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s.error);
      curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);  // we run inside a host's worker thread
      curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &Impl::on_open);
      curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, this);
      curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, &Impl::on_sockopt);
      curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, this);
      curl_easy_setopt(e, CURLOPT_USERAGENT, policy.user_agent.c_str());
      curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, policy.timeout_ms);
      curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, policy.timeout_ms);
      curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, std::max(1L, policy.low_speed_window_s));
      curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // whatever curl can decode
      curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(policy.max_body_bytes));
      curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
      if (!policy.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, policy.ca_file.c_str());
      curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    }
  }
  ~Impl() {
    for (Slot& s : slots) {
      if (s.easy) {
        curl_multi_remove_handle(multi, s.easy);
        curl_easy_cleanup(s.easy);
      }
    }
    if (multi) curl_multi_cleanup(multi);
    if (epoll_fd >= 0) ::close(epoll_fd);
    close_warm();
  }

  // Runs curl on what is ready: waits up to `wait_ms` for a socket (or curl's own timeout,
  // whichever is sooner), then hands curl each ready socket, or the timeout when it is due.
  void wait_and_run(long wait_ms) {
    const auto now = Clock::now();
    if (curl_timeout_at != Clock::time_point::max()) {
      const auto until =
          std::chrono::ceil<std::chrono::milliseconds>(curl_timeout_at - now).count();
      wait_ms = std::clamp<long>(static_cast<long>(until), 0, wait_ms);
    }
    epoll_event events[256];
    const int n = epoll_wait(epoll_fd, events, 256, static_cast<int>(wait_ms));
    int running = 0;
    for (int i = 0; i < n; ++i) {
      int mask = 0;
      if (events[i].events & EPOLLIN) mask |= CURL_CSELECT_IN;
      if (events[i].events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR;
      curl_multi_socket_action(multi, events[i].data.fd, mask, &running);
    }
    if (curl_timeout_at <= Clock::now()) {
      curl_timeout_at = Clock::time_point::max();
      curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
  }

  long retry_delay_ms(uint32_t failed_attempts, long retry_after_ms) {
    long d = policy.backoff_ms;
    for (uint32_t i = 1; i < failed_attempts && d < policy.max_backoff_ms; ++i) d *= 2;
    d = std::min(d, policy.max_backoff_ms);
    // "Equal jitter": half fixed, half random, so items that failed together retry spread out.
    d = d / 2 + std::uniform_int_distribution<long>(0, d - d / 2)(jitter);
    return std::max(d, std::min(retry_after_ms, policy.max_retry_after_ms));
  }
};

Fetcher::Fetcher(FetchPolicy policy) : impl_(std::make_unique<Impl>(std::move(policy))) {}
Fetcher::~Fetcher() = default;

void Fetcher::preconnect(std::size_t n) { impl_->preconnect_wanted = n; }

void Fetcher::set_max_body_bytes(uint64_t cap) {
  impl_->policy.max_body_bytes = cap;
  for (Slot& s : impl_->slots) {
    s.cap = cap;
    curl_easy_setopt(s.easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(cap));
  }
}

bool Fetcher::fetch_all(const std::vector<std::string>& urls,
                        const std::function<void(std::size_t, Fetched&)>& on_done,
                        const std::function<bool()>& should_stop) {
  Impl& m = *impl_;
  // Once a server has answered over HTTP/2, its transfers are streams of one connection per
  // kH2StreamsPerConnection in flight (so the shipped 128 is one, the maximum 256 two): transfers
  // beyond a connection's SETTINGS_MAX_CONCURRENT_STREAMS go to the next, or wait in curl's queue
  // for a free stream, instead of opening a connection each (nghttpd's 100 streams with
  // concurrency 128 opened 29 without a cap). One connection for all 256 where the server allows
  // 256 streams (hn-replay's default); two where it allows 128 (nginx's default), not one with
  // half the requests waiting a round trip. Over HTTP/1.1 each transfer in flight needs its own.
  constexpr long kH2StreamsPerConnection = 128;
  const long connections = stats_.http_version == 20
                               ? (static_cast<long>(m.slots.size()) + kH2StreamsPerConnection - 1) / kH2StreamsPerConnection
                               : static_cast<long>(m.slots.size());
  curl_multi_setopt(m.multi, CURLMOPT_MAX_HOST_CONNECTIONS, connections);
  // Every connection may stay for the next call, unless this is the last (see draining below).
  curl_multi_setopt(m.multi, CURLMOPT_MAXCONNECTS, static_cast<long>(m.slots.size()));
  const bool last = last_fetch_;
  last_fetch_ = false;
  bool draining = false;
  // Warm connections are asked for this fetch only, and never over TLS (see preconnect).
  struct PreconnectOnce {
    Impl& m;
    ~PreconnectOnce() {
      m.preconnect_wanted = 0;
      m.preconnect_to.clear();
    }
  } preconnect_once{m};
  if (urls.empty() || urls[0].rfind("http://", 0) != 0) m.preconnect_wanted = 0;
  // Warm sockets this fetch cannot use (it has fewer URLs than were expected; one request can
  // take the connection of the previous fetch) close now: a server with a worker per connection
  // would otherwise hold workers for them while the used ones wait in its queue.
  while (!m.warm.empty() && m.warm.size() + 1 > urls.size()) {
    ::close(m.warm.back());
    m.warm.pop_back();
  }
  std::deque<std::size_t> ready;
  for (std::size_t i = 0; i < urls.size(); ++i) ready.push_back(i);
  using Due = std::pair<Clock::time_point, std::size_t>;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> waiting;  // retries, soonest first
  std::vector<uint32_t> attempts(urls.size(), 0);
  std::vector<Slot*> idle;
  for (Slot& s : m.slots) idle.push_back(&s);
  std::size_t finished = 0;
  std::vector<char> reported(urls.size(), 0);
  const auto deadline = m.policy.deadline_ms > 0
                            ? Clock::now() + std::chrono::milliseconds(m.policy.deadline_ms)
                            : Clock::time_point::max();
  const std::string deadline_text = std::to_string(m.policy.deadline_ms) + " ms deadline";

  // Whatever happens (stop, exception), no handle stays attached to the multi handle.
  struct Detach {
    Impl& m;
    ~Detach() {
      for (Slot& s : m.slots) curl_multi_remove_handle(m.multi, s.easy);
    }
  } detach{m};

  Slot* first = nullptr;  // of the first request, which the warm sockets wait for
  auto start = [&](Slot* s, std::size_t index) {
    if (first == nullptr) first = s;
    s->index = index;
    s->body.clear();
    s->too_large = false;
    s->error[0] = '\0';
    curl_easy_setopt(s->easy, CURLOPT_URL, urls[index].c_str());
    // Over TLS, wait for the first connection's ALPN answer rather than opening one connection
    // per transfer: with h2 they all become streams of it. Plain http:// never multiplexes, and
    // waiting there would hold the first wave behind the first response.
    curl_easy_setopt(s->easy, CURLOPT_PIPEWAIT, urls[index].rfind("https://", 0) == 0 ? 1L : 0L);
    ++attempts[index];
    ++stats_.requests;
    if (attempts[index] > 1) ++stats_.retries;
    curl_multi_add_handle(m.multi, s->easy);
  };

  auto complete = [&](Slot* s, CURLcode code) {
    const std::size_t index = s->index;
    Fetched f;
    f.attempts = attempts[index];
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &f.http_status);
    long connects = 0, version = 0;
    curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &connects);
    curl_easy_getinfo(s->easy, CURLINFO_HTTP_VERSION, &version);
    curl_off_t retry_after_s = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RETRY_AFTER, &retry_after_s);
    stats_.connections += static_cast<uint64_t>(connects);
    stats_.bytes += s->body.size();
    curl_multi_remove_handle(m.multi, s->easy);
    idle.push_back(s);

    bool transient = false;
    if (s->too_large || code == CURLE_FILESIZE_EXCEEDED) {
      f.outcome = Fetched::Outcome::fatal;
      f.error = "response body exceeds the limit of " + std::to_string(m.policy.max_body_bytes) +
                " bytes";
    } else if (code == CURLE_OPERATION_TIMEDOUT) {
      transient = true;
      f.error = s->error[0] && std::string(s->error).find("slower than") != std::string::npos
                    ? s->error
                    : "timed out after " + std::to_string(m.policy.timeout_ms) + " ms";
    } else if (code != CURLE_OK) {
      transient = !is_permanent(code);
      f.outcome = transient ? Fetched::Outcome::failed : Fetched::Outcome::fatal;
      f.error = s->error[0] ? s->error : curl_easy_strerror(code);
    } else if (f.http_status == 200) {
      f.outcome = Fetched::Outcome::ok;
      f.body = std::move(s->body);
      stats_.http_version =
          std::max(stats_.http_version, version == CURL_HTTP_VERSION_2_0 ? 20L : 11L);
    } else {
      transient = is_transient_status(f.http_status);
      f.error = "HTTP " + std::to_string(f.http_status);
    }
    bool past_deadline = false;
    if (transient && attempts[index] <= static_cast<uint32_t>(m.policy.retries)) {
      long delay = m.retry_delay_ms(attempts[index], static_cast<long>(retry_after_s) * 1000);
      const auto due = Clock::now() + std::chrono::milliseconds(delay);
      if (due < deadline) {
        waiting.emplace(due, index);
        return;
      }
      past_deadline = true;
    }
    if (transient)
      f.error += " (" + std::to_string(f.attempts) + " attempts" +
                 (past_deadline ? "; the next would pass the " + deadline_text : "") + ")";
    ++finished;
    reported[index] = 1;
    on_done(index, f);
  };

  // Everything not reported yet fails now, in index order.
  auto give_up = [&] {
    for (Slot& s : m.slots) curl_multi_remove_handle(m.multi, s.easy);
    for (std::size_t i = 0; i < urls.size(); ++i) {
      if (reported[i]) continue;
      Fetched f;
      f.attempts = attempts[i];
      f.error = "gave up at the " + deadline_text + " (" + std::to_string(attempts[i]) +
                " attempts)";
      ++finished;
      reported[i] = 1;
      on_done(i, f);
    }
  };

  while (finished < urls.size()) {
    if (should_stop()) return false;
    const auto now = Clock::now();
    if (now >= deadline) {
      give_up();
      break;
    }
    while (!waiting.empty() && waiting.top().first <= now) {
      ready.push_back(waiting.top().second);
      waiting.pop();
    }
    while (!idle.empty() && !ready.empty()) {
      Slot* s = idle.back();
      idle.pop_back();
      start(s, ready.front());
      ready.pop_front();
    }
    // Every URL of the last fetch is on its way: curl's cache now holds at most one idle
    // connection, so each transfer that ends closes one (curl closes the oldest idle one when a
    // returned connection overfills it) while the others are still in flight.
    if (last && !draining && ready.empty() && waiting.empty()) {
      draining = true;
      curl_multi_setopt(m.multi, CURLMOPT_MAXCONNECTS, 1L);
    }
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(m.multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Slot* s = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&s));
      complete(s, msg->data.result);
    }
    if (finished == urls.size()) break;
    // Sleep until network activity, the next retry is due, or it's time to poll should_stop.
    long wait_ms = 100;
    if (!waiting.empty()) {
      auto until = std::chrono::duration_cast<std::chrono::milliseconds>(waiting.top().first -
                                                                         Clock::now());
      wait_ms = std::clamp<long>(static_cast<long>(until.count()), 0, wait_ms);
    }
    if (deadline != Clock::time_point::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      wait_ms = std::clamp<long>(static_cast<long>(left.count()) + 1, 0, wait_ms);
    }
    if (!ready.empty() && !idle.empty()) wait_ms = 0;
    m.wait_and_run(wait_ms);
    // The first request of this fetch has been sent (or failed): time for the warm sockets.
    if (!m.preconnect_to.empty() && first != nullptr) {
      curl_off_t sent_at = 0;
      curl_easy_getinfo(first->easy, CURLINFO_PRETRANSFER_TIME_T, &sent_at);
      if (sent_at > 0 || finished > 0) m.open_warm();
    }
  }
  return true;
}

}  // namespace http_client
