// hackernews/top_story_ids (an observable source asset) against a real hn-replay server: one
// request, no output, the ranking of the first `count` ids as its data version.
#include <assetflow/testing/harness.hpp>
#include <doctest/doctest.h>

#include <string>

#include "replay_server.h"

using assetflow::testing::AssetRun;
using hn_test::ReplayServer;

namespace {

assetflow::testing::Result observe(const ReplayServer& server, int count) {
  AssetRun run(hn_test::plugin_entry(), "top_story_ids");
  run.config("{\"base_url\":\"" + server.base_url() + "\",\"count\":" + std::to_string(count) + "}");
  return run.materialize();
}

}  // namespace

TEST_CASE("top_story_ids: observable, one request, the ranking as data version, nothing written") {
  ReplayServer server("hn-2022-03-29");
  const auto* d = assetflow::testing::find_asset(hn_test::plugin_entry(), "top_story_ids");
  CHECK(d->flags == AF_ASSET_OBSERVABLE);
  const uint64_t before = server.stat("requests");
  auto a = observe(server, 30);
  CHECK(a.status == AF_OK);
  CHECK(server.stat("requests") - before == 1);
  CHECK(a.output.empty());
  CHECK(a.data_version.rfind("top 30 ids ", 0) == 0);
  CHECK(a.data_version.size() == std::string("top 30 ids ").size() + 16);
  REQUIRE(a.find("ids") != nullptr);
  CHECK(a.find("ids")->value == "30");
  // The same ranking observes the same version; another prefix of it, another version.
  CHECK(observe(server, 30).data_version == a.data_version);
  const auto b = observe(server, 29);
  CHECK(b.data_version.rfind("top 29 ids ", 0) == 0);
  CHECK(b.data_version.substr(11) != a.data_version.substr(11));
}

TEST_CASE("top_story_ids: a server that cannot be reached fails retryably") {
  AssetRun run(hn_test::plugin_entry(), "top_story_ids");
  run.config("{\"base_url\":\"http://127.0.0.1:" + std::to_string(hn_test::free_port()) +
             "/v0\",\"retries\":0,\"timeout_ms\":2000}");
  auto r = run.materialize();
  CHECK(r.status == AF_ERR_RETRYABLE);
  CHECK(r.error.find("/topstories.json") != std::string::npos);
}
