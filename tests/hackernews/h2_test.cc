// hn-replay's HTTP/2 (tools/hn-replay/h2_session.h): the plugin against it over TLS with ALPN h2
// (the live API's protocol), faults on multiplexed streams, h2c by prior knowledge, HTTP/1.1 over
// TLS, and a broken HTTP/2 client. Real processes on free ports; the certificate is throwaway.
#include <assetflow/testing/harness.hpp>
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "replay_server.h"

using assetflow::testing::AssetRun;
using assetflow::testing::Result;
using hn_test::ReplayServer;
using hn_test::TlsDir;

namespace {

std::vector<std::string> tls_args(const TlsDir& tls, std::vector<std::string> more = {}) {
  std::vector<std::string> a = {"--tls-cert", tls.cert(), "--tls-key", tls.key()};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

Result materialize_tls(const ReplayServer& server, const TlsDir& tls, const std::string& extra) {
  AssetRun run(hn_test::plugin_entry(), "top_stories");
  run.config("{\"base_url\":\"" + server.https_url() + "\",\"ca_file\":\"" + tls.cert() + "\"," + extra + "}");
  return run.materialize();
}

int64_t meta_int(const Result& r, const char* key) {
  const auto* m = r.find(key);
  REQUIRE_MESSAGE(m != nullptr, "no metadata '" << key << "'");
  return std::stoll(m->value);
}

std::size_t rows(const Result& r) {
  rapidjson::Document d;
  d.Parse(r.output.c_str(), r.output.size());
  REQUIRE(d.IsArray());
  return d.Size();
}

// Runs a shell command (the curl CLI here) and returns its stdout.
std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  pclose(p);
  return out;
}

}  // namespace

TEST_CASE("over TLS with ALPN h2, 500 items are streams of one connection, each after its latency") {
  TlsDir tls;
  ReplayServer server("hn-2022-03-29", tls_args(tls, {"--latency-ms", "100"}));
  Result r = materialize_tls(server, tls, "\"concurrency\":256,\"retries\":0");
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);
  CHECK(rows(r) == 500);
  CHECK(r.find("http_version")->value == "2");
  CHECK(meta_int(r, "connections") == 1);
  CHECK(meta_int(r, "requests") == 501);
  // Topstories, then two waves (256 + 244): three round trips, none answered early.
  CHECK(std::stod(r.find("elapsed_s")->value) >= 0.3);
  CHECK(server.stat("requests") == 501);
  CHECK(server.stat("connections") == 1);
  CHECK(server.stat("h2_connections") == 1);
  // The whole first wave was open on that one connection at once.
  CHECK(server.stat("max_streams_in_flight") == 256);
  CHECK(server.stat("max_in_flight") == 256);
}

// The client respects the server's SETTINGS_MAX_CONCURRENT_STREAMS and opens one connection per
// 128 requests in flight (http_fetcher.cc): with 128 streams allowed, concurrency 256 is two full
// connections, no stream refused and retried, none of the 256 waiting a round trip.
TEST_CASE("with --max-streams 128, concurrency 256 is two connections of 128 streams") {
  TlsDir tls;
  ReplayServer server("hn-2022-03-29", tls_args(tls, {"--latency-ms", "100", "--max-streams", "128"}));
  Result r = materialize_tls(server, tls, "\"concurrency\":256,\"retries\":0");
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);
  CHECK(rows(r) == 500);
  CHECK(meta_int(r, "connections") == 2);
  CHECK(meta_int(r, "retries") == 0);
  CHECK(server.stat("requests") == 501);
  CHECK(server.stat("h2_connections") == 2);
  CHECK(server.stat("max_streams_in_flight") == 128);
  CHECK(server.stat("max_in_flight") == 256);
  // Topstories, then two waves of 256.
  CHECK(std::stod(r.find("elapsed_s")->value) >= 0.3);
}

TEST_CASE("with --max-streams 64, concurrency 128 is one connection whose extra requests wait for a stream") {
  TlsDir tls;
  ReplayServer server("hn-2022-03-29", tls_args(tls, {"--latency-ms", "50", "--max-streams", "64"}));
  Result r = materialize_tls(server, tls, "\"concurrency\":128,\"retries\":0");
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);
  CHECK(rows(r) == 500);
  // One connection per 128 in flight at most: the 64 beyond the server's limit wait for a stream.
  CHECK(meta_int(r, "connections") == 1);
  CHECK(server.stat("requests") == 501);
  CHECK(server.stat("max_streams_in_flight") == 64);
  CHECK(server.stat("max_in_flight") == 64);
}

// A drop over h2 is a RST_STREAM of that stream: the connection and its other streams go on.
TEST_CASE("over h2, 500s, dropped streams and 429s are retried on the one connection, exactly counted") {
  TlsDir tls;
  ReplayServer server("hn-2022-03-29", tls_args(tls, {"--fail-rate", "0.2", "--drop-rate", "0.1", "--throttle-rate",
                                                      "0.02", "--retry-after", "1", "--seed", "7"}));
  Result r = materialize_tls(server, tls, "\"concurrency\":64,\"retries\":20,\"retry_backoff_ms\":5");
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);
  CHECK(rows(r) == 500);
  CHECK(meta_int(r, "failed") == 0);
  const uint64_t faults_500 = server.stat("faults_500"), drops = server.stat("drops"),
                 throttled = server.stat("throttled");
  CHECK(faults_500 > 0);
  CHECK(drops > 0);
  REQUIRE(throttled > 0);
  CHECK(static_cast<uint64_t>(meta_int(r, "retries")) == faults_500 + drops + throttled);
  CHECK(server.stat("requests") == 501 + faults_500 + drops + throttled);
  CHECK(server.stat("items_served") == 500);
  CHECK(meta_int(r, "connections") == 1);
  CHECK(server.stat("connections") == 1);
  CHECK(server.stat("h2_connections") == 1);
  // With a 5 ms backoff, only Retry-After: 1 can make the run last a second.
  CHECK(std::stod(r.find("elapsed_s")->value) >= 1.0);
}

TEST_CASE("h2c by prior knowledge on the plain port (curl --http2-prior-knowledge)") {
  ReplayServer server("hn-2022-03-29");
  const std::string url = server.base_url() + "/item/30840214.json";
  const std::string out = run_command("curl -s --http2-prior-knowledge -w '\\n%{http_version} %{http_code}' " + url);
  CHECK(out == hn_test::http_get(url) + "\n2 200");
  CHECK(server.stat("h2_connections") == 1);
  CHECK(server.stat("connections") == 2);  // the h2c one and http_get's HTTP/1.1 one
  CHECK(server.stat("items_served") == 2);
}

// A huge body is made as it is sent, in DATA frames as the client's flow-control window allows.
TEST_CASE("over h2c, --huge items stream a valid body of exactly --body-bytes") {
  ReplayServer server("hn-2022-03-29", {"--huge", "items", "--body-bytes", "3000000"});
  const std::string out = run_command("curl -s --http2-prior-knowledge " + server.base_url() +
                                      "/item/30840214.json | python3 -c 'import json, sys; d = sys.stdin.buffer.read(); "
                                      "json.loads(d); print(len(d))'");
  CHECK(out == "3000000\n");
  CHECK(server.stat("h2_connections") == 1);
}

TEST_CASE("a TLS client offering only http/1.1 gets HTTP/1.1 over TLS") {
  TlsDir tls;
  ReplayServer server("hn-2022-03-29", tls_args(tls, {"--latency-ms", "20"}));
  const std::string out = run_command("curl -s --http1.1 --cacert " + tls.cert() +
                                      " -w '\\n%{http_version} %{http_code}' " + server.https_url() +
                                      "/item/30840214.json " + server.https_url() + "/item/1.json");
  CHECK(out == hn_test::http_get(server.base_url() + "/item/30840214.json") + "\n1.1 200null\n1.1 200");
  CHECK(server.stat("h2_connections") == 0);
  CHECK(server.stat("connections") == 2);  // curl's kept-alive TLS one and http_get's
  CHECK(server.stat("nulls_served") == 1);
}

// Garbage after the preface is not the SETTINGS frame a client must send first: a connection
// error, answered with GOAWAY and a close, while another client's streams go on.
TEST_CASE("a broken HTTP/2 client gets GOAWAY and is dropped; a concurrent good client is not hurt") {
  TlsDir tls;
  ReplayServer server("hn-2022-03-29", tls_args(tls, {"--latency-ms", "100"}));
  Result good;
  std::thread client([&] { good = materialize_tls(server, tls, "\"concurrency\":64,\"retries\":0"); });
  // Broken while the good client's item streams are in flight.
  for (int i = 0; i < 500 && server.stat("requests") < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));

  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(server.port()));
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  const std::string hello = std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + "this is not a frame at all, just bytes";
  REQUIRE(send(fd, hello.data(), hello.size(), 0) == static_cast<ssize_t>(hello.size()));
  std::string got;
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) closed = true;
    else got.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  CHECK(closed);
  // The server's frames: its SETTINGS, then a GOAWAY (type 7) with PROTOCOL_ERROR (1).
  bool goaway = false;
  for (std::size_t at = 0; at + 9 <= got.size();) {
    const std::size_t len = (static_cast<unsigned char>(got[at]) << 16) | (static_cast<unsigned char>(got[at + 1]) << 8) |
                            static_cast<unsigned char>(got[at + 2]);
    if (got[at + 3] == 7 && at + 9 + 8 <= got.size())
      goaway = static_cast<unsigned char>(got[at + 9 + 7]) == 1;
    at += 9 + len;
  }
  CHECK(goaway);

  client.join();
  REQUIRE_MESSAGE(good.status == AF_OK, good.error);
  CHECK(rows(good) == 500);
  CHECK(meta_int(good, "connections") == 1);
  CHECK(meta_int(good, "retries") == 0);
  CHECK(server.stat("h2_connections") == 2);
  CHECK(server.stat("items_served") == 500);
}
