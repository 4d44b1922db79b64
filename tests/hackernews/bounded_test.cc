// hackernews/top_stories against a server that answers what no real HN server would: JSON
// nested far deeper than any item (a stack overflow in a recursive parser), null for every
// item, an empty ranking; and a base_url carrying credentials and a query key. The server is
// cpp-httplib on a free port of 127.0.0.1, in this process; the plugin is the built .so.
#include <assetflow/testing/harness.hpp>
#include <doctest/doctest.h>
#include <httplib.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "replay_server.h"

using assetflow::testing::AssetRun;
using assetflow::testing::Result;

namespace {

// An HTTP server whose answers the test sets: the ranking and one body for every item.
class HostileServer {
 public:
  HostileServer(std::string ranking, std::string item_body)
      : ranking_(std::move(ranking)), item_body_(std::move(item_body)) {
    server_.Get("/v0/topstories.json", [this](const httplib::Request& req, httplib::Response& res) {
      Note(req);
      res.set_content(ranking_, "application/json");
    });
    server_.Get(R"(/v0/item/(\d+)\.json)", [this](const httplib::Request& req, httplib::Response& res) {
      Note(req);
      res.set_content(item_body_, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    // Bound and listening already: connections queue until the accept loop runs.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~HostileServer() {
    server_.stop();
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v0"; }
  int port() const { return port_; }
  // What the requests carried: "<path>?<token param>|<Authorization header>", first one.
  std::string first_request() {
    std::lock_guard<std::mutex> lock(mu_);
    return first_;
  }
  int requests() const { return requests_; }

 private:
  void Note(const httplib::Request& req) {
    ++requests_;
    std::lock_guard<std::mutex> lock(mu_);
    if (first_.empty()) {
      first_ = req.path + "?" + req.get_param_value("token") + "|" +
               req.get_header_value("Authorization");
    }
  }

  std::string ranking_, item_body_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string first_;
  std::atomic<int> requests_{0};
};

Result materialize(const std::string& base_url, const std::string& extra = "") {
  AssetRun run(hn_test::plugin_entry(), "top_stories");
  run.config("{\"base_url\":\"" + base_url + "\",\"retries\":0" + (extra.empty() ? "" : "," + extra) + "}");
  return run.materialize();
}

}  // namespace

TEST_CASE("an item nested 100,000 deep is a clear error, not a stack overflow") {
  HostileServer server("[1,2,3]", std::string(100000, '[') + std::string(100000, ']'));
  const Result r = materialize(server.base_url());
  CHECK(r.status == AF_ERR_FATAL);
  CHECK(r.error.find("/item/") != std::string::npos);
  CHECK(r.error.find("response is not JSON (nested deeper than 256 levels at offset 256; "
                     "body starts '[[[[") != std::string::npos);
  CHECK(r.output.empty());
}

TEST_CASE("a ranking nested 1,000,000 deep is a clear error too") {
  HostileServer server(std::string(1000000, '['), "null");
  const Result r = materialize(server.base_url());
  CHECK(r.status == AF_ERR_FATAL);
  CHECK(r.error.find("/topstories.json: response is not JSON (nested deeper than 256 levels at "
                     "offset 256") != std::string::npos);
}

TEST_CASE("null for every item fails as retryable and writes nothing") {
  HostileServer server("[11,12,13,14]", "null");
  const Result r = materialize(server.base_url());
  CHECK(r.status == AF_ERR_RETRYABLE);
  CHECK(r.error == "4 of 4 items are null (100.0% > max_null_ratio 50.0%); first: item 11");
  CHECK(r.output.empty());
  // The threshold is the config's: allowing every item to be null writes [].
  const Result lenient = materialize(server.base_url(), "\"max_null_ratio\":1");
  CHECK(lenient.status == AF_OK);
  CHECK(lenient.output == "[\n]\n");
}

TEST_CASE("an empty ranking fails as retryable and writes nothing") {
  HostileServer server("[]", "null");
  const Result r = materialize(server.base_url());
  CHECK(r.status == AF_ERR_RETRYABLE);
  CHECK(r.error.find("/topstories.json: the ranking lists no stories") != std::string::npos);
  CHECK(r.output.empty());
}

TEST_CASE("a base_url with credentials and a query key keeps both on every request") {
  HostileServer server("[7]", R"({"id":7,"title":"Seven","type":"story"})");
  const std::string url =
      "http://user:s3cr3t@127.0.0.1:" + std::to_string(server.port()) + "/v0/?token=t0k3n#x";
  const Result r = materialize(url);
  REQUIRE(r.status == AF_OK);
  CHECK(r.output.find("\"title\":\"Seven\"") != std::string::npos);
  CHECK(server.requests() == 2);
  // libcurl sends the URL's userinfo as Basic auth ("user:s3cr3t" in base64).
  CHECK(server.first_request() == "/v0/topstories.json?t0k3n|Basic dXNlcjpzM2NyM3Q=");
}

TEST_CASE("a story's title and url from the server cannot break out of the markdown preview") {
  auto preview = [](const std::string& item) {
    HostileServer server("[7]", item);
    const Result r = materialize(server.base_url());
    REQUIRE_MESSAGE(r.status == AF_OK, r.error);
    const auto* p = r.find("preview");
    REQUIRE(p != nullptr);
    CHECK(p->type == AF_META_MARKDOWN);
    return p->value;
  };
  // Not a web link: the story's HN page instead; a line break in the title stays on its line.
  CHECK(preview(R"j({"id":7,"type":"story","title":"Evil](x)\n2. [more","url":"javascript:alert(1)","score":5,"by":"a_b"})j") ==
        "1. [Evil\\](x) 2. \\[more](<https://news.ycombinator.com/item?id=7>) · 5 points by a\\_b\n");
  // What would end the <destination> or the line is percent-encoded; the scheme's case is kept.
  CHECK(preview(R"j({"id":7,"type":"story","title":"t","url":"HTTPS://x.test/a b<c>\\d\n","score":1})j") ==
        "1. [t](<HTTPS://x.test/a%20b%3Cc%3E%5Cd%0A>) · 1 points\n");
}
