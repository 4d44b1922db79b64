// hackernews/top_story_ids: an observable source asset (Dagster's observable_source_asset). It
// fetches topstories.json only and reports the ranking of the first `count` ids as its data
// version; it stores nothing. Put it upstream of hackernews/top_stories and
// `materialize --stale` re-fetches the 500 items only when the ranking changed.
#include <assetflow/cpp/plugin.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "hn_items.h"
#include "http_client/http_fetcher.h"

namespace hackernews {

using http_client::Fetched;
using http_client::FetchPolicy;
using http_client::Fetcher;

namespace {

// 64-bit FNV-1a: the data version only has to change when the ranking does, and 16 hex digits
// keep it short.
std::string ranking_version(const std::vector<int64_t>& ids) {
  uint64_t h = 1469598103934665603ull;
  for (int64_t id : ids) {
    const std::string s = std::to_string(id) + ",";
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "top %zu ids %016llx", ids.size(),
                static_cast<unsigned long long>(h));
  return buf;
}

void top_story_ids(assetflow::Context& ctx) {
  const std::string base = ctx.config_string("base_url");
  FetchPolicy policy;
  policy.concurrency = 1;
  policy.timeout_ms = static_cast<long>(ctx.config_int("timeout_ms"));
  policy.retries = static_cast<int>(ctx.config_int("retries"));
  policy.user_agent = ctx.config_string("user_agent");
  policy.max_body_bytes = static_cast<uint64_t>(ctx.config_int("max_topstories_bytes"));
  Fetcher fetcher(policy);
  const std::string url = api_url(base, "/topstories.json");
  Fetched top;
  if (!fetcher.fetch_all({url}, [&](std::size_t, Fetched& f) { top = std::move(f); },
                         [&] { return ctx.canceled(); }))
    throw assetflow::Error(AF_ERR_CANCELED, "canceled while fetching " + url);
  if (top.outcome != Fetched::Outcome::ok)
    throw assetflow::RetryableError("GET " + url + ": " + top.error);
  std::vector<int64_t> ids = parse_ranking(url, top.body);
  const auto count = static_cast<std::size_t>(ctx.config_int("count"));
  if (ids.size() > count) ids.resize(count);
  ctx.metadata_int("ids", static_cast<int64_t>(ids.size()));
  ctx.data_version(ranking_version(ids));
}

}  // namespace
}  // namespace hackernews

using hackernews::top_story_ids;
ASSETFLOW_ASSET(top_story_ids)
    .observable()
    .describe("Observable source: the ranking of the top N story ids as a data version")
    .version("1")
    // How the ids are fetched is not part of the version (as for top_stories).
    .schema(R"json({"type":"object","additionalProperties":false,"properties":{
      "base_url":{"type":"string","pattern":"^https?://","default":"https://hacker-news.firebaseio.com/v0","x-assetflow-no-version":true},
      "count":{"type":"integer","minimum":1,"maximum":500,"default":500},
      "timeout_ms":{"type":"integer","minimum":1,"maximum":600000,"default":10000,"x-assetflow-no-version":true},
      "retries":{"type":"integer","minimum":0,"maximum":50,"default":4,"x-assetflow-no-version":true},
      "user_agent":{"type":"string","minLength":1,"default":"assetflow-hackernews/0.1","x-assetflow-no-version":true},
      "max_topstories_bytes":{"type":"integer","minimum":64,"default":8388608}}})json");
