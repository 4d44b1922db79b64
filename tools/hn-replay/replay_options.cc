#include "replay_options.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace hn_replay {
namespace {

const char kUsage[] =
    "usage: hn-replay --data DIR [options]\n"
    "Serves a recorded Hacker News set (DIR/topstories.json, DIR/items.json) on 127.0.0.1 at\n"
    "/v0/topstories.json and /v0/item/<id>.json (unknown id: 200 `null`); /stats gives counters.\n"
    "  --port N            port, 0 = any free one (default 0); prints `listening on <port>` first\n"
    "  --latency-ms N      delay before every answer (default 0)\n"
    "  --threads N         event loops, a thread each; connections are dealt to them in turn (default 2)\n"
    "  --fail-rate P       share of item requests answered 500 (default 0)\n"
    "  --drop-rate P       share of item requests cut without a response (default 0)\n"
    "  --throttle-rate P   share of item requests answered 429 + Retry-After (default 0)\n"
    "  --retry-after S     Retry-After seconds of those 429s (default 1)\n"
    "  --seed N            seed of the fault draws (default 1)\n"
    "  --extra-null-ids N  append N ids to topstories whose items answer `null` (default 0)\n"
    "  --malformed T       T = topstories|items: answer a body that is not JSON\n"
    "  --wrong-shape T     answer an object where an array belongs (topstories) or the reverse\n"
    "  --huge T            answer a --body-bytes long body (default 50 MiB)\n"
    "  --body-bytes N      size of --huge bodies\n"
    "  --tls-cert PEM      also speak TLS on the port (ALPN: h2, http/1.1), with this certificate\n"
    "  --tls-key PEM       ... and this private key (both or neither)\n"
    "  --max-streams N     HTTP/2 streams one connection may have open at once (default 256)\n"
    "Plain connections speak HTTP/1.1, or HTTP/2 when they open with its preface (h2c, prior knowledge).\n";

[[noreturn]] void usage_error(const std::string& why) {
  std::fprintf(stderr, "hn-replay: %s\n%s", why.c_str(), kUsage);
  std::exit(2);
}

double parse_rate(const char* name, const char* v) {
  char* end = nullptr;
  double r = std::strtod(v, &end);
  if (end == v || *end != '\0' || r < 0 || r > 1)
    usage_error(std::string(name) + " wants a share between 0 and 1, got '" + v + "'");
  return r;
}

uint64_t parse_count(const char* name, const char* v, uint64_t max) {
  char* end = nullptr;
  unsigned long long n = std::strtoull(v, &end, 10);
  if (end == v || *end != '\0' || v[0] == '-' || n > max)
    usage_error(std::string(name) + " wants an integer 0.." + std::to_string(max) + ", got '" +
                v + "'");
  return n;
}

Target parse_target(const char* name, const char* v) {
  if (std::strcmp(v, "topstories") == 0) return Target::topstories;
  if (std::strcmp(v, "items") == 0) return Target::items;
  usage_error(std::string(name) + " wants 'topstories' or 'items', got '" + v + "'");
}

}  // namespace

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (std::strcmp(a, "--help") == 0 || std::strcmp(a, "-h") == 0) {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) usage_error(std::string("missing value after ") + a);
    const char* v = argv[++i];
    if (std::strcmp(a, "--data") == 0) o.data_dir = v;
    else if (std::strcmp(a, "--port") == 0) o.port = static_cast<int>(parse_count(a, v, 65535));
    else if (std::strcmp(a, "--latency-ms") == 0) o.latency_ms = static_cast<int>(parse_count(a, v, 600000));
    else if (std::strcmp(a, "--threads") == 0) o.threads = static_cast<int>(parse_count(a, v, 256));
    else if (std::strcmp(a, "--fail-rate") == 0) o.fail_rate = parse_rate(a, v);
    else if (std::strcmp(a, "--drop-rate") == 0) o.drop_rate = parse_rate(a, v);
    else if (std::strcmp(a, "--throttle-rate") == 0) o.throttle_rate = parse_rate(a, v);
    else if (std::strcmp(a, "--retry-after") == 0) o.retry_after_s = static_cast<int>(parse_count(a, v, 86400));
    else if (std::strcmp(a, "--seed") == 0) o.seed = parse_count(a, v, UINT64_MAX);
    else if (std::strcmp(a, "--extra-null-ids") == 0) o.extra_null_ids = static_cast<int>(parse_count(a, v, 1000000));
    else if (std::strcmp(a, "--malformed") == 0) o.malformed = parse_target(a, v);
    else if (std::strcmp(a, "--wrong-shape") == 0) o.wrong_shape = parse_target(a, v);
    else if (std::strcmp(a, "--huge") == 0) o.huge = parse_target(a, v);
    else if (std::strcmp(a, "--body-bytes") == 0) o.body_bytes = parse_count(a, v, 1ull << 40);
    else if (std::strcmp(a, "--tls-cert") == 0) o.tls_cert = v;
    else if (std::strcmp(a, "--tls-key") == 0) o.tls_key = v;
    else if (std::strcmp(a, "--max-streams") == 0) o.max_streams = static_cast<int>(parse_count(a, v, 1000000));
    else usage_error(std::string("unknown option ") + a);
  }
  if (o.data_dir.empty()) usage_error("--data DIR is required");
  if (o.tls_cert.empty() != o.tls_key.empty()) usage_error("--tls-cert and --tls-key go together");
  if (o.max_streams < 1) usage_error("--max-streams wants at least 1");
  if (o.threads < 1) usage_error("--threads wants at least 1");
  if (o.fail_rate + o.drop_rate + o.throttle_rate > 1)
    usage_error("--fail-rate + --drop-rate + --throttle-rate exceed 1");
  return o;
}

}  // namespace hn_replay
