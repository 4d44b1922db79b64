// Concurrent HTTP GETs for plugins (hackernews, s3_io), on libcurl's multi interface.
//
// One Fetcher owns one connection pool: HTTP/1.1 connections are kept alive and reused across
// requests (and across fetch_all calls), HTTP/2 streams are multiplexed on one connection when a
// TLS server offers h2. Each URL is retried on its own, so one flaky item never re-fetches the
// others. Everything runs on the calling thread; no threads are started.
#ifndef ASSETFLOW_HTTP_CLIENT_HTTP_FETCHER_H
#define ASSETFLOW_HTTP_CLIENT_HTTP_FETCHER_H

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace http_client {

struct FetchPolicy {
  int concurrency = 32;               // transfers in flight (and connections) at most
  long timeout_ms = 10000;            // per attempt, connect included
  int retries = 4;                    // attempts after the first, for transient failures only
  long backoff_ms = 200;              // delay before retry k is backoff_ms * 2^(k-1), jittered
  long max_backoff_ms = 10000;        // cap of that delay
  long max_retry_after_ms = 60000;    // a server's Retry-After is honoured up to this
  uint64_t max_body_bytes = 1 << 20;  // a longer body is a fatal error
  // The whole fetch_all call ends by then (0: no deadline): whatever has not arrived is
  // reported failed, and a retry that could only start after it is not waited for. Bounds a
  // server that never answers, or answers 429 with Retry-After forever.
  long deadline_ms = 120000;
  // An attempt receiving less than 1 byte/s for this long is abandoned (as a timeout) even
  // before timeout_ms: a trickling server does not hold a connection for the whole timeout.
  long low_speed_window_s = 30;
  std::string user_agent = "assetflow-hackernews";
  std::string ca_file;  // PEM CA bundle to verify servers with; empty: the system's store
};

// What finally became of one URL.
struct Fetched {
  enum class Outcome {
    ok,      // HTTP 200, `body` holds the response
    failed,  // gave up: retries exhausted on transient failures, the deadline passed, or a 4xx
             // that retrying can't fix
    fatal,   // retrying can never help and the data can't be trusted: oversized body, TLS failure
  };
  Outcome outcome = Outcome::failed;
  long http_status = 0;  // of the last attempt; 0 when no response arrived
  uint32_t attempts = 0;
  std::string body;
  std::string error;  // why, when not ok: "HTTP 503 (5 attempts)", "timed out after 200 ms", ...
};

struct FetchStats {
  uint64_t requests = 0;     // attempts started
  uint64_t retries = 0;      // attempts after a transient failure
  uint64_t bytes = 0;        // response body bytes received, all attempts
  uint64_t connections = 0;  // new connections opened (the rest reused one)
  long http_version = 0;     // highest seen on a 200: 11 for HTTP/1.x, 20 for HTTP/2
};

class Fetcher {
 public:
  explicit Fetcher(FetchPolicy policy);
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // Fetches every URL, calling `on_done(index, result)` on this thread as each one finishes
  // (completion order, not input order). `should_stop` is polled at least every 100 ms; when it
  // returns true, transfers are abandoned and fetch_all returns false. An exception thrown by
  // `on_done` abandons the rest and propagates. Returns true when every URL was reported.
  bool fetch_all(const std::vector<std::string>& urls,
                 const std::function<void(std::size_t, Fetched&)>& on_done,
                 const std::function<bool()>& should_stop);

  // Asks for up to `n` more connections to be opened to the address of the next fetch_all's
  // first request while that request is in flight, for the fetch_all after it to find them
  // connected (hackernews: the item connections open during the topstories request, whose
  // round trip would otherwise hide nothing). Plain http:// only: over TLS the server may
  // offer HTTP/2, and then one connection carries every request. The ones a later fetch_all
  // cannot use (fewer URLs than expected) are closed when it starts, the rest with the Fetcher.
  void preconnect(std::size_t n);

  // Says the next fetch_all is this Fetcher's last: once every URL of it has been started (no
  // retry waiting), each transfer that ends closes an idle connection, so the connections close
  // while the last responses are still on their way instead of all at once (256 FIN exchanges)
  // after them, and the server gets them back sooner. A retry after that opens a connection
  // again if it needs one. A fetch_all after it still works, on fresh connections.
  void last_fetch() { last_fetch_ = true; }

  // Changes the body cap for the next fetch_all calls (topstories and items differ).
  void set_max_body_bytes(uint64_t cap);

  const FetchStats& stats() const { return stats_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  FetchStats stats_;
  bool last_fetch_ = false;
};

}  // namespace http_client

#endif
