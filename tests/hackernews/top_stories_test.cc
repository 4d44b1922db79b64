// hackernews/top_stories against a real hn-replay server (one per test, on a free port), driven
// through the SDK harness on the built plugin: the contract of plugins/hackernews/README.md.
#include <assetflow/testing/harness.hpp>
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "replay_server.h"

using assetflow::testing::AssetRun;
using assetflow::testing::Result;
using hn_test::ReplayServer;

namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

rapidjson::Document read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str());
}

Result materialize(const ReplayServer& server, const std::string& extra_config = "") {
  AssetRun run(hn_test::plugin_entry(), "top_stories");
  run.config("{\"base_url\":\"" + server.base_url() + "\"" +
             (extra_config.empty() ? "" : "," + extra_config) + "}");
  return run.materialize();
}

int64_t meta_int(const Result& r, const char* key) {
  const auto* m = r.find(key);
  REQUIRE_MESSAGE(m != nullptr, "no metadata '" << key << "'");
  return std::stoll(m->value);
}

// Items of a recorded set in rank order, as the API serves them.
std::vector<int64_t> recorded_ids(const char* set) {
  rapidjson::Document top = read_json(std::string(HN_DATA_DIR) + "/" + set + "/topstories.json");
  std::vector<int64_t> ids;
  for (auto& v : top.GetArray()) ids.push_back(v.GetInt64());
  return ids;
}

// The documented mapping of one API field to its row value: absent (and a job's "") is null.
void check_field(const rapidjson::Value& row, const rapidjson::Value& item, const char* key) {
  CAPTURE(key);
  auto it = item.FindMember(key);
  bool absent = it == item.MemberEnd() || (it->value.IsString() && it->value.GetStringLength() == 0);
  if (absent) {
    CHECK(row[key].IsNull());
  } else {
    CHECK(row[key] == it->value);
  }
}

}  // namespace

TEST_CASE("all 500 stories of hn-2022-03-29 arrive in rank order with their fields") {
  ReplayServer server("hn-2022-03-29");
  Result r = materialize(server, "\"count\":500,\"concurrency\":32");
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);

  rapidjson::Document items = read_json(std::string(HN_DATA_DIR) + "/hn-2022-03-29/items.json");
  rapidjson::Document rows = parse(r.output);
  REQUIRE(rows.IsArray());
  REQUIRE(rows.Size() == 500);
  const char* keys[] = {"rank", "id", "title", "by", "score", "time", "descendants", "type", "url"};
  for (rapidjson::SizeType i = 0; i < rows.Size(); ++i) {
    const auto& row = rows[i];
    const auto& item = items[i];
    CAPTURE(i);
    REQUIRE(row.MemberCount() == 9);
    int k = 0;
    for (auto m = row.MemberBegin(); m != row.MemberEnd(); ++m, ++k) CHECK(std::string(m->name.GetString()) == keys[k]);
    CHECK(row["rank"].GetInt() == static_cast<int>(i + 1));
    CHECK(row["id"].GetInt64() == item["id"].GetInt64());
    for (const char* key : {"title", "by", "score", "time", "descendants", "type", "url"})
      check_field(row, item, key);
  }
  CHECK(meta_int(r, "requested") == 500);
  CHECK(meta_int(r, "stories") == 500);
  CHECK(meta_int(r, "fetched") == 500);
  CHECK(meta_int(r, "failed") == 0);
  CHECK(meta_int(r, "kept_story") == 499);
  CHECK(meta_int(r, "kept_job") == 1);
  for (const char* reason : {"skipped_null", "skipped_deleted", "skipped_dead", "skipped_no_title"})
    CHECK(meta_int(r, reason) == 0);
  CHECK(meta_int(r, "retries") == 0);
  CHECK(meta_int(r, "requests") == 501);
  // Keep-alive: never more connections than transfers in flight.
  CHECK(meta_int(r, "connections") <= 32);
  CHECK(r.find("failures") == nullptr);
  CHECK(r.progress_done == 500);
  CHECK(r.progress_total == 500);
  CHECK(r.progress_calls >= 500);
  const auto* preview = r.find("preview");
  REQUIRE(preview != nullptr);
  CHECK(preview->type == AF_META_MARKDOWN);
  CHECK(preview->value.rfind("1. [Debian decides to allow secret votes](<https://lwn.net/Articles/889444/>) · 92 points by em-bee\n2. ", 0) == 0);
  CHECK(std::count(preview->value.begin(), preview->value.end(), '\n') == 10);
  CHECK(server.stat("requests") == 501);
}

TEST_CASE("count limits the ranking; the schema's defaults apply") {
  ReplayServer server("hn-2022-03-29");
  Result r = materialize(server, "\"count\":7");
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);
  rapidjson::Document rows = parse(r.output);
  std::vector<int64_t> ids = recorded_ids("hn-2022-03-29");
  REQUIRE(rows.Size() == 7);
  for (rapidjson::SizeType i = 0; i < 7; ++i) CHECK(rows[i]["id"].GetInt64() == ids[i]);
  CHECK(server.stat("requests") == 8);
}

TEST_CASE("hn-edge-cases plus null ids: every item handled and counted by reason") {
  ReplayServer server("hn-edge-cases", {"--extra-null-ids", "5"});
  Result r = materialize(server);
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);
  CHECK(meta_int(r, "requested") == 87);
  CHECK(meta_int(r, "fetched") == 87);
  CHECK(meta_int(r, "failed") == 0);
  CHECK(meta_int(r, "skipped_null") == 5);
  CHECK(meta_int(r, "skipped_deleted") == 37);  // 3 of them also dead: deleted wins
  CHECK(meta_int(r, "skipped_dead") == 39);
  CHECK(meta_int(r, "skipped_no_title") == 2);  // the pollopt and the comment
  CHECK(meta_int(r, "kept_story") == 2);
  CHECK(meta_int(r, "kept_job") == 1);
  CHECK(meta_int(r, "kept_poll") == 1);
  CHECK(meta_int(r, "stories") == 4);

  rapidjson::Document skipped = parse(r.find("skipped_ids")->value);
  REQUIRE(skipped["no_title"].Size() == 2);
  CHECK(skipped["no_title"][0].GetInt64() == 160705);
  CHECK(skipped["no_title"][1].GetInt64() == 2921983);
  std::vector<int64_t> ids = recorded_ids("hn-edge-cases");
  REQUIRE(skipped["null"].Size() == 5);
  CHECK(skipped["null"][0].GetInt64() > *std::max_element(ids.begin(), ids.end()));

  rapidjson::Document rows = parse(r.output);
  REQUIRE(rows.Size() == 4);
  // Rank stays the position in topstories: skipped items leave gaps, never renumber.
  CHECK(rows[0]["id"].GetInt64() == 8863);
  CHECK(rows[0]["rank"].GetInt() == 1);
  CHECK(std::string(rows[1]["title"].GetString()) == "Ask HN: The Arc Effect");
  CHECK(rows[1]["url"].IsNull());
  CHECK(rows[2]["id"].GetInt64() == 192327);
  CHECK(std::string(rows[2]["type"].GetString()) == "job");
  CHECK(rows[2]["url"].IsNull());  // the API's "url": ""
  CHECK(rows[2]["descendants"].IsNull());
  CHECK(rows[3]["id"].GetInt64() == 126809);
  CHECK(rows[3]["rank"].GetInt() == 4);
  CHECK(std::string(rows[3]["type"].GetString()) == "poll");
}

TEST_CASE("30% 500s and 10% dropped connections still yield all 500 stories") {
  ReplayServer server("hn-2022-03-29", {"--fail-rate", "0.3", "--drop-rate", "0.1", "--seed", "42"});
  Result r = materialize(server, "\"retries\":15,\"retry_backoff_ms\":5");
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);
  rapidjson::Document rows = parse(r.output);
  std::vector<int64_t> ids = recorded_ids("hn-2022-03-29");
  REQUIRE(rows.Size() == 500);
  for (rapidjson::SizeType i = 0; i < 500; ++i) CHECK(rows[i]["id"].GetInt64() == ids[i]);
  CHECK(meta_int(r, "failed") == 0);
  const uint64_t faults_500 = server.stat("faults_500"), drops = server.stat("drops");
  CHECK(faults_500 > 0);
  CHECK(drops > 0);
  // Every 500 cost one retry of ours; a drop may be retried by libcurl itself on a fresh
  // connection (for a reused one that died), so drops bound the rest from above.
  CHECK(static_cast<uint64_t>(meta_int(r, "retries")) >= faults_500);
  CHECK(static_cast<uint64_t>(meta_int(r, "retries")) <= faults_500 + drops);
}

TEST_CASE("429 answers are retried no sooner than their Retry-After") {
  ReplayServer server("hn-2022-03-29", {"--throttle-rate", "0.2", "--retry-after", "1", "--seed", "3"});
  Result r = materialize(server, "\"count\":10,\"retries\":20,\"retry_backoff_ms\":1");
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);
  CHECK(parse(r.output).Size() == 10);
  REQUIRE(server.stat("throttled") > 0);
  CHECK(meta_int(r, "retries") == static_cast<int64_t>(server.stat("throttled")));
  // With a 1 ms backoff, only Retry-After: 1 can make the run last a second.
  CHECK(std::stod(r.find("elapsed_s")->value) >= 1.0);
}

TEST_CASE("too few items after retries fails as retryable, naming the failure") {
  ReplayServer server("hn-2022-03-29", {"--fail-rate", "1"});
  SUBCASE("below min_success_ratio") {
    Result r = materialize(server, "\"count\":50,\"retries\":1,\"retry_backoff_ms\":1");
    CHECK(r.status == AF_ERR_RETRYABLE);
    CHECK(r.error.find("only 0 of 50 items arrived (0.0% < min_success_ratio 98.0%); first failure: item ") == 0);
    CHECK(r.error.find(": HTTP 500 (2 attempts)") != std::string::npos);
    CHECK(r.output.empty());
  }
  SUBCASE("a lower min_success_ratio accepts it and lists the failures") {
    Result r = materialize(server, "\"count\":10,\"retries\":0,\"min_success_ratio\":0");
    REQUIRE_MESSAGE(r.status == AF_OK, r.error);
    CHECK(parse(r.output).Size() == 0);
    CHECK(meta_int(r, "failed") == 10);
    rapidjson::Document failures = parse(r.find("failures")->value);
    REQUIRE(failures.Size() == 10);
    CHECK(std::string(failures[0].GetString()).find(": HTTP 500 (1 attempts)") != std::string::npos);
  }
}

TEST_CASE("a server slower than the timeout fails as retryable within the configured time") {
  ReplayServer server("hn-2022-03-29", {"--latency-ms", "5000"});
  const auto t0 = std::chrono::steady_clock::now();
  Result r = materialize(server, "\"timeout_ms\":200,\"retries\":1,\"retry_backoff_ms\":10");
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(r.status == AF_ERR_RETRYABLE);
  CHECK(r.error == "GET " + server.base_url() + "/topstories.json: timed out after 200 ms (2 attempts)");
  // Two 200 ms attempts and a short backoff: done long before the server would answer once.
  CHECK(elapsed < 2.5);
}

TEST_CASE("broken responses are fatal errors naming the URL and what was wrong") {
  const std::string top = "/topstories.json: ";
  SUBCASE("topstories is not JSON") {
    ReplayServer server("hn-2022-03-29", {"--malformed", "topstories"});
    Result r = materialize(server);
    CHECK(r.status == AF_ERR_FATAL);
    CHECK(r.error == "GET " + server.base_url() + top +
                         "response is not JSON (Invalid value. at offset 0; body starts "
                         "'<html><body>502 Bad Gateway</body></html')");
  }
  SUBCASE("an item is not JSON") {
    ReplayServer server("hn-2022-03-29", {"--malformed", "items"});
    Result r = materialize(server, "\"count\":3");
    CHECK(r.status == AF_ERR_FATAL);
    CHECK(r.error.rfind("GET " + server.base_url() + "/item/", 0) == 0);
    CHECK(r.error.find(".json: response is not JSON (Invalid value. at offset 16; body starts "
                       "'{\"by\":\"pg\",\"id\":')") != std::string::npos);
  }
  SUBCASE("an object where the id array belongs") {
    ReplayServer server("hn-2022-03-29", {"--wrong-shape", "topstories"});
    Result r = materialize(server);
    CHECK(r.status == AF_ERR_FATAL);
    CHECK(r.error == "GET " + server.base_url() + top + "expected a JSON array of item ids, got an object");
  }
  SUBCASE("an array where an item belongs") {
    ReplayServer server("hn-2022-03-29", {"--wrong-shape", "items"});
    Result r = materialize(server, "\"count\":1");
    CHECK(r.status == AF_ERR_FATAL);
    CHECK(r.error == "GET " + server.base_url() + "/item/30840214.json: expected an item object or null, got an array");
  }
  SUBCASE("a 50 MB topstories body is cut at the cap") {
    ReplayServer server("hn-2022-03-29", {"--huge", "topstories", "--body-bytes", "52428800"});
    Result r = materialize(server);
    CHECK(r.status == AF_ERR_FATAL);
    CHECK(r.error == "GET " + server.base_url() + top + "response body exceeds the limit of 8388608 bytes");
  }
  SUBCASE("a 50 MB item body is cut at the cap") {
    ReplayServer server("hn-2022-03-29", {"--huge", "items", "--body-bytes", "52428800"});
    Result r = materialize(server, "\"count\":1");
    CHECK(r.status == AF_ERR_FATAL);
    CHECK(r.error == "GET " + server.base_url() + "/item/30840214.json: response body exceeds the limit of 1048576 bytes");
  }
}

TEST_CASE("a canceled run stops with AF_ERR_CANCELED and writes nothing") {
  ReplayServer server("hn-2022-03-29", {"--latency-ms", "1500"});
  AssetRun run(hn_test::plugin_entry(), "top_stories");
  run.config("{\"base_url\":\"" + server.base_url() + "\",\"count\":64}");
  std::thread canceler;
  SUBCASE("before it starts") {
    run.harness().canceled = 1;
  }
  SUBCASE("while requests are in flight") {
    // Uncanceled, this run would succeed after ~3 s; only a cancellation check during the
    // transfers can make it end as canceled.
    canceler = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      run.harness().canceled = 1;
    });
  }
  Result r = run.materialize();
  if (canceler.joinable()) canceler.join();
  CHECK(r.status == AF_ERR_CANCELED);
  CHECK(r.output.empty());
}

TEST_CASE("hn-replay serves 64 sleeping requests at once") {
  ReplayServer server("hn-2022-03-29", {"--latency-ms", "300"});
  const auto t0 = std::chrono::steady_clock::now();
  Result r = materialize(server, "\"count\":128,\"concurrency\":64");
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);
  // Topstories, then two waves of 64: three round trips, none answered before its 300 ms (the
  // server's latency queue is one timer per event loop for a whole burst, never early).
  CHECK(elapsed >= 0.9);
  CHECK(parse(r.output).Size() == 128);
  CHECK(server.stat("max_in_flight") == 64);
  CHECK(meta_int(r, "connections") <= 64);
}

// Issue 12: hn-replay on cpp-httplib held a worker per kept-alive connection, and with 128
// workers the connections past 128 were accepted but never read, so at concurrency 250 they
// waited for the client's timeout (10 s) before a retry. Here that would be a timeout with no
// retry left.
TEST_CASE("at the maximum concurrency, 256, every connection is served at once") {
  ReplayServer server("hn-2022-03-29", {"--latency-ms", "200"});
  Result r = materialize(server, "\"count\":500,\"concurrency\":256,\"timeout_ms\":3000,\"retries\":0");
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);
  CHECK(parse(r.output).Size() == 500);
  CHECK(meta_int(r, "retries") == 0);
  CHECK(meta_int(r, "failed") == 0);
  CHECK(server.stat("max_in_flight") == 256);
}

// The item connections open while topstories is in flight (plain HTTP): when its 300 ms answer
// is chosen, all 64 are open, and the items reuse exactly those (no connection is opened twice
// or wasted).
TEST_CASE("the item connections are opened during the topstories request") {
  ReplayServer server("hn-2022-03-29", {"--latency-ms", "300"});
  Result r = materialize(server, "\"count\":128,\"concurrency\":64");
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);
  CHECK(parse(r.output).Size() == 128);
  CHECK(server.stat("open_at_topstories") == 64);
  CHECK(server.stat("connections") == 64);
  CHECK(server.stat("max_in_flight") == 64);
}

// With fewer items than connections allowed, only as many are opened as there are items.
TEST_CASE("no more connections are opened ahead than there are items") {
  ReplayServer server("hn-2022-03-29", {"--latency-ms", "100"});
  Result r = materialize(server, "\"count\":5,\"concurrency\":64");
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);
  CHECK(parse(r.output).Size() == 5);
  CHECK(server.stat("open_at_topstories") == 5);
  CHECK(server.stat("connections") == 5);
}

TEST_CASE("unknown ids answer null, like the real API") {
  ReplayServer server("hn-edge-cases");
  CHECK(hn_test::http_get(server.base_url() + "/item/1.json") == "null");
  CHECK(server.stat("nulls_served") == 1);
}

TEST_CASE("TLS verification stays on: a self-signed server is a fatal error") {
  hn_test::TlsDir tls;
  hn_test::ChildProcess server({"openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", tls.cert(),
                                "-key", tls.key(), "-www"},
                               "ACCEPT 127.0.0.1:");
  const std::string base = "https://127.0.0.1:" + server.ready_value() + "/v0";
  AssetRun run(hn_test::plugin_entry(), "top_stories");
  run.config("{\"base_url\":\"" + base + "\",\"retries\":3}");
  Result r = run.materialize();
  CHECK(r.status == AF_ERR_FATAL);
  CHECK(r.error.rfind("GET " + base + "/topstories.json: SSL certificate problem: self-signed certificate", 0) == 0);
}
