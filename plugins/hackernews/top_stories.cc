// hackernews/top_stories: the top N Hacker News stories as a JSON array (see README.md).
//
// One topstories.json request, then every item concurrently over a shared connection pool.
// Each item gets a verdict (a row, or skipped with a reason); transport failures are retried
// per item, and the step fails as retryable only if too few items arrived at all.
#include <assetflow/cpp/plugin.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "hn_items.h"
#include "http_client/http_fetcher.h"

namespace hackernews {

using http_client::Fetched;
using http_client::FetchPolicy;
using http_client::Fetcher;
using http_client::FetchStats;

namespace {

// Defaults live here only: the host (and the SDK harness) fill them in before the call.
// "x-assetflow-no-version" marks how the stories are fetched (where from, how fast, how
// patiently, with which identity and CAs): the same stories whatever they are, so changing
// them never makes the asset stale. count, min_success_ratio and the body caps can change
// which stories arrive: they stay versioned.
const char kSchema[] = R"json({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "base_url": {"type": "string", "pattern": "^https?://", "default": "https://hacker-news.firebaseio.com/v0", "x-assetflow-no-version": true,
                 "description": "API root: /topstories.json and /item/<id>.json are below it"},
    "count": {"type": "integer", "minimum": 1, "maximum": 500, "default": 500,
              "description": "how many of the top stories to fetch"},
    "concurrency": {"type": "integer", "minimum": 1, "maximum": 256, "default": 128, "x-assetflow-no-version": true,
                    "description": "requests in flight at most: HTTP/2 streams on one connection, or HTTP/1.1 connections"},
    "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000, "default": 10000, "x-assetflow-no-version": true,
                   "description": "per attempt of one request, connecting included"},
    "retries": {"type": "integer", "minimum": 0, "maximum": 50, "default": 4, "x-assetflow-no-version": true,
                "description": "extra attempts per request after a 5xx, 408, 429, timeout or dropped connection"},
    "deadline_ms": {"type": "integer", "minimum": 1, "maximum": 3600000, "default": 120000, "x-assetflow-no-version": true,
                    "description": "the topstories fetch, and then all item fetches, each end within this; what has not arrived by then failed"},
    "retry_backoff_ms": {"type": "integer", "minimum": 0, "maximum": 60000, "default": 200, "x-assetflow-no-version": true,
                         "description": "delay before the first retry; doubles per retry up to 10 s, jittered; a longer Retry-After wins (up to 60 s)"},
    "min_success_ratio": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.98,
                          "description": "share of items that must arrive, else the step fails as retryable"},
    "max_null_ratio": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5, "x-assetflow-no-version": true,
                       "description": "share of the arrived items that may be null; above it the API is taken to be broken and the step fails as retryable, keeping the stored stories"},
    "user_agent": {"type": "string", "minLength": 1, "default": "assetflow-hackernews/0.1", "x-assetflow-no-version": true},
    "ca_file": {"type": "string", "minLength": 1, "x-assetflow-no-version": true,
                "description": "PEM file of CA certificates to verify the server with, instead of the system's (verification is always on)"},
    "max_body_bytes": {"type": "integer", "minimum": 64, "default": 1048576,
                       "description": "cap of one item response; a longer one is an error"},
    "max_topstories_bytes": {"type": "integer", "minimum": 64, "default": 8388608,
                             "description": "cap of the topstories.json response"}
  }
})json";

struct Config {
  std::string base_url;
  std::size_t count;
  double min_success_ratio;
  double max_null_ratio;
  FetchPolicy fetch;
  uint64_t max_topstories_bytes;
};

Config read_config(const assetflow::Context& ctx) {
  Config c;
  c.base_url = ctx.config_string("base_url");
  c.count = static_cast<std::size_t>(ctx.config_int("count"));
  c.min_success_ratio = ctx.config_double("min_success_ratio");
  c.max_null_ratio = ctx.config_double("max_null_ratio");
  c.fetch.concurrency = static_cast<int>(ctx.config_int("concurrency"));
  c.fetch.timeout_ms = static_cast<long>(ctx.config_int("timeout_ms"));
  c.fetch.retries = static_cast<int>(ctx.config_int("retries"));
  c.fetch.backoff_ms = static_cast<long>(ctx.config_int("retry_backoff_ms"));
  c.fetch.deadline_ms = static_cast<long>(ctx.config_int("deadline_ms"));
  c.fetch.user_agent = ctx.config_string("user_agent");
  if (ctx.has_config("ca_file")) c.fetch.ca_file = ctx.config_string("ca_file");
  c.fetch.max_body_bytes = static_cast<uint64_t>(ctx.config_int("max_body_bytes"));
  c.max_topstories_bytes = static_cast<uint64_t>(ctx.config_int("max_topstories_bytes"));
  return c;
}

// The step's error for a request that did not end in a 200: fatal outcomes and 4xx (other than
// 408/429, which the fetcher already retried) stay fatal; transient failures stay retryable.
[[noreturn]] void fail_request(const std::string& url, const Fetched& f) {
  const std::string m = "GET " + url + ": " + f.error;
  const bool client_error = f.http_status >= 400 && f.http_status < 500 && f.http_status != 408 &&
                            f.http_status != 429;
  if (f.outcome == Fetched::Outcome::fatal || client_error) throw assetflow::FatalError(m);
  throw assetflow::RetryableError(m);
}

std::string percent(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", r * 100);
  return buf;
}

// What became of the items, for the ratio check and metadata.
struct Tally {
  std::map<std::string, std::vector<int64_t>> skipped;  // reason -> ids, rank order
  std::map<std::string, int64_t> kept_by_type;          // "story", "job", "poll", ...
  std::vector<std::string> failures;                    // "<id>: <error>"
};

std::string ids_json(const std::map<std::string, std::vector<int64_t>>& by_reason) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  for (const auto& [reason, ids] : by_reason) {
    w.Key(reason.c_str());
    w.StartArray();
    for (int64_t id : ids) w.Int64(id);
    w.EndArray();
  }
  w.EndObject();
  return b.GetString();
}

std::string strings_json(const std::vector<std::string>& strings) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartArray();
  for (const std::string& s : strings) w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
  return b.GetString();
}

void add_metadata(const assetflow::Context& ctx, const std::vector<Story>& rows, const Tally& t,
                  std::size_t requested, const FetchStats& net, double elapsed_s) {
  ctx.metadata_int("requested", static_cast<int64_t>(requested));
  ctx.metadata_int("stories", static_cast<int64_t>(rows.size()));
  ctx.metadata_int("fetched", static_cast<int64_t>(requested - t.failures.size()));
  ctx.metadata_int("failed", static_cast<int64_t>(t.failures.size()));
  for (const char* reason : {"null", "deleted", "dead", "no_title"}) {
    auto it = t.skipped.find(reason);
    ctx.metadata_int(std::string("skipped_") + reason,
                     it == t.skipped.end() ? 0 : static_cast<int64_t>(it->second.size()));
  }
  for (const auto& [type, n] : t.kept_by_type) ctx.metadata_int("kept_" + type, n);
  ctx.metadata("skipped_ids", AF_META_JSON, ids_json(t.skipped));
  if (!t.failures.empty()) ctx.metadata("failures", AF_META_JSON, strings_json(t.failures));
  ctx.metadata_int("requests", static_cast<int64_t>(net.requests));
  ctx.metadata_int("retries", static_cast<int64_t>(net.retries));
  ctx.metadata_int("bytes", static_cast<int64_t>(net.bytes));
  ctx.metadata_int("connections", static_cast<int64_t>(net.connections));
  ctx.metadata_text("http_version", net.http_version == 20 ? "2" : "1.1");
  ctx.metadata_float("elapsed_s", elapsed_s);
  ctx.metadata("preview", AF_META_MARKDOWN, markdown_preview(rows, 10));
}

void top_stories(assetflow::Context& ctx) {
  const auto t0 = std::chrono::steady_clock::now();
  const Config cfg = read_config(ctx);
  auto canceled = [&] { return ctx.canceled(); };
  // Topstories goes through the same pool as the items, so its connection is reused for them.
  Fetcher fetcher(cfg.fetch);

  const std::string top_url = api_url(cfg.base_url, "/topstories.json");
  Fetched top;
  fetcher.set_max_body_bytes(cfg.max_topstories_bytes);
  // The item connections open while topstories is on its round trip (plain HTTP/1.1 only):
  // the first wave of items then starts on connected sockets.
  fetcher.preconnect(std::min<std::size_t>(cfg.count, static_cast<std::size_t>(cfg.fetch.concurrency)) - 1);
  if (!fetcher.fetch_all({top_url}, [&](std::size_t, Fetched& f) { top = std::move(f); }, canceled))
    throw assetflow::Error(AF_ERR_CANCELED, "canceled while fetching " + top_url);
  if (top.outcome != Fetched::Outcome::ok) fail_request(top_url, top);
  std::vector<int64_t> ids = parse_ranking(top_url, top.body);
  // An empty front page is an API that broke, not news: storing [] would replace good data.
  if (ids.empty()) throw assetflow::RetryableError("GET " + top_url + ": the ranking lists no stories");
  if (ids.size() > cfg.count) ids.resize(cfg.count);

  std::vector<std::string> urls;
  for (int64_t id : ids) urls.push_back(api_url(cfg.base_url, "/item/" + std::to_string(id) + ".json"));
  std::vector<Verdict> verdicts(ids.size());
  std::vector<bool> arrived(ids.size(), false);
  Tally tally;
  std::size_t done = 0;
  ctx.progress(0, ids.size());
  fetcher.set_max_body_bytes(cfg.fetch.max_body_bytes);
  fetcher.last_fetch();
  const bool complete = fetcher.fetch_all(
      urls,
      [&](std::size_t i, Fetched& f) {
        if (f.outcome == Fetched::Outcome::fatal) fail_request(urls[i], f);
        if (f.outcome == Fetched::Outcome::ok) {
          verdicts[i] = parse_item(urls[i], ids[i], static_cast<int>(i + 1), f.body);
          arrived[i] = true;
        } else {
          tally.failures.push_back(std::to_string(ids[i]) + ": " + f.error);
        }
        ctx.progress(++done, ids.size());
      },
      canceled);
  if (!complete)
    throw assetflow::Error(AF_ERR_CANCELED, "canceled after " + std::to_string(done) + " of " +
                                                std::to_string(ids.size()) + " items");

  std::vector<Story> rows;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!arrived[i]) continue;
    if (verdicts[i].skip != Skip::none) {
      tally.skipped[skip_name(verdicts[i].skip)].push_back(ids[i]);
    } else {
      ++tally.kept_by_type[verdicts[i].story.type.value_or("unknown")];
      rows.push_back(std::move(verdicts[i].story));
    }
  }

  const std::size_t got = ids.size() - tally.failures.size();
  const double ratio = ids.empty() ? 1.0 : static_cast<double>(got) / static_cast<double>(ids.size());
  for (std::size_t i = 0; i < tally.failures.size() && i < 10; ++i)
    ctx.warn("item " + tally.failures[i]);
  if (ratio < cfg.min_success_ratio)
    throw assetflow::RetryableError("only " + std::to_string(got) + " of " +
                                    std::to_string(ids.size()) + " items arrived (" +
                                    percent(ratio) + " < min_success_ratio " +
                                    percent(cfg.min_success_ratio) + "); first failure: item " +
                                    tally.failures.front());

  // A server that answers null for (almost) every item has lost its data, or is not the HN
  // API: the stored stories stay rather than be replaced by a near-empty list.
  const auto nulls = tally.skipped.find(skip_name(Skip::null_item));
  const std::size_t null_count = nulls == tally.skipped.end() ? 0 : nulls->second.size();
  const double null_ratio = got == 0 ? 0.0 : static_cast<double>(null_count) / static_cast<double>(got);
  if (null_ratio > cfg.max_null_ratio)
    throw assetflow::RetryableError(std::to_string(null_count) + " of " + std::to_string(got) +
                                    " items are null (" + percent(null_ratio) + " > max_null_ratio " +
                                    percent(cfg.max_null_ratio) + "); first: item " +
                                    std::to_string(nulls->second.front()));

  ctx.write(stories_json(rows));
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  add_metadata(ctx, rows, tally, ids.size(), fetcher.stats(), elapsed);
}

}  // namespace
}  // namespace hackernews

using hackernews::top_stories;
ASSETFLOW_ASSET(top_stories)
    .describe("The top Hacker News stories (up to 500), in rank order, as a JSON array")
    .schema(hackernews::kSchema)
    .version("1")
    .output("application/json");
ASSETFLOW_PLUGIN("hackernews", "0.1.0", "Hacker News API extract assets")
