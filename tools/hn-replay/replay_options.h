// Command line of hn-replay. Every fault is opt-in, so a bare `hn-replay --data DIR` behaves like
// the real API: the recorded ids at /v0/topstories.json and each item at /v0/item/<id>.json.
#ifndef HN_REPLAY_OPTIONS_H
#define HN_REPLAY_OPTIONS_H

#include <cstdint>
#include <string>

namespace hn_replay {

// Which endpoint a body fault (--malformed, --wrong-shape, --huge) applies to.
enum class Target { none, topstories, items };

struct Options {
  std::string data_dir;
  int port = 0;              // 0: any free port
  int latency_ms = 0;        // added to every request, before answering
  // Event loops, one thread each; connections are dealt to them in turn. Any number of
  // connections is served by any number of threads (a connection or a sleeping request holds
  // no thread). Two: on a loaded 2-core
  // machine a second thread gets the server scheduled sooner (C = 256 medians 0.16-0.20 s with
  // one, 0.11-0.16 s with two, at load 9).
  int threads = 2;
  double fail_rate = 0;      // share of item requests answered 500
  double drop_rate = 0;      // share of item requests whose connection is cut, no response
  double throttle_rate = 0;  // share of item requests answered 429 with Retry-After
  int retry_after_s = 1;     // the Retry-After value of those 429s
  uint64_t seed = 1;
  int extra_null_ids = 0;    // ids appended to topstories whose item answers `null`
  Target malformed = Target::none;    // body that is not JSON
  Target wrong_shape = Target::none;  // JSON of the other shape (object vs array)
  Target huge = Target::none;         // a valid-looking body of --body-bytes bytes
  uint64_t body_bytes = 50ull << 20;
  // With both: TLS on the same port (ALPN h2 or http/1.1); plain HTTP/1.1 and h2c still answer.
  std::string tls_cert, tls_key;
  // SETTINGS_MAX_CONCURRENT_STREAMS of an HTTP/2 connection: what one connection carries at once.
  int max_streams = 256;
};

// Parses argv. On --help prints usage and exits 0; on a bad option prints why and exits 2.
Options parse_options(int argc, char** argv);

}  // namespace hn_replay

#endif
