// The web server's API and security, through the real `assetflow serve` process on a free
// port (every request goes to 127.0.0.1).
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <fstream>

#include "server/serve_process.h"

namespace af_test {
namespace {

// a (constant) -> b (concat); broken (fail): one success branch, one failure.
const char kManifest[] = R"(assets:
  a: { type: examples/constant, config: { value: "hello" } }
  b: { type: examples/concat, inputs: { x: a } }
  broken: { type: examples/fail, config: { message: "boom on purpose" } }
  slow: { type: examples/sleep, config: { ms: 30000 } }
)";

struct Fixture {
  TempDir dir{"af_serve"};
  std::string home = dir.path + "/home";
  std::string manifest = dir.path + "/m.yaml";
  Fixture() { std::ofstream(manifest) << kManifest; }
};

rapidjson::Document Parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  REQUIRE_MESSAGE(!d.HasParseError(), body);
  return d;
}

std::string Materialize(const ServeProcess& serve, const std::string& body) {
  auto c = serve.Client();
  auto res = c.Post("/api/materialize", UiPostHeaders(serve.port), body, "application/json");
  REQUIRE(res);
  REQUIRE_MESSAGE(res->status == 202, res->body);
  return Parse(res->body)["run_id"].GetString();
}

// Polls the run until it is no longer STARTED; returns its detail document's body.
std::string WaitForRun(const ServeProcess& serve, const std::string& run_id) {
  auto c = serve.Client();
  for (int i = 0; i < 400; ++i) {
    auto res = c.Get("/api/runs/" + run_id);
    REQUIRE(res);
    REQUIRE(res->status == 200);
    if (Parse(res->body)["run"]["status"].GetString() != std::string("STARTED")) return res->body;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("run " << run_id << " did not end");
  return "";
}

std::map<std::string, std::string> Statuses(const ServeProcess& serve) {
  auto res = serve.Client().Get("/api/assets");
  REQUIRE(res);
  auto d = Parse(res->body);
  std::map<std::string, std::string> out;
  for (const auto& a : d["assets"].GetArray()) out[a["key"].GetString()] = a["status"].GetString();
  return out;
}

TEST_CASE("every response carries the CSP and the other security headers") {
  Fixture f;
  ServeProcess serve(f.dir.path, f.home, f.manifest);
  auto c = serve.Client();
  for (const char* path : {"/", "/api/assets", "/api/health", "/nope"}) {
    auto res = c.Get(path);
    REQUIRE(res);
    CHECK(res->get_header_value("Content-Security-Policy") ==
          "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
          "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
          "form-action 'self'; frame-ancestors 'none'");
    CHECK(res->get_header_value("X-Content-Type-Options") == "nosniff");
    CHECK(res->get_header_value("X-Frame-Options") == "DENY");
  }
  auto index = c.Get("/");
  CHECK(index->status == 200);
  CHECK(index->get_header_value("Content-Type") == "text/html; charset=utf-8");
  const std::string etag = index->get_header_value("ETag");
  REQUIRE(etag.size() > 2);
  auto again = c.Get("/", {{"If-None-Match", etag}});
  CHECK(again->status == 304);
}

TEST_CASE("a Host outside the allowlist is 403 (DNS rebinding); loopback names are fine") {
  Fixture f;
  ServeProcess serve(f.dir.path, f.home, f.manifest);
  auto c = serve.Client();
  auto bad = c.Get("/api/assets", {{"Host", "evil.example:" + std::to_string(serve.port)}});
  REQUIRE(bad);
  CHECK(bad->status == 403);
  CHECK(bad->body == R"j({"error":"host 'evil.example' is not allowed (start with --allow-host to add it)"})j");
  CHECK(c.Get("/api/assets", {{"Host", "localhost:" + std::to_string(serve.port)}})->status == 200);
}

TEST_CASE("cross-site POSTs are 403; the UI's POST is accepted; no GET changes state") {
  Fixture f;
  ServeProcess serve(f.dir.path, f.home, f.manifest);
  auto c = serve.Client();
  const std::string body = R"({"select":"a"})";
  const std::string origin = "http://127.0.0.1:" + std::to_string(serve.port);
  auto cross = c.Post("/api/materialize", {{"X-Assetflow", "1"}, {"Sec-Fetch-Site", "cross-site"}},
                      body, "application/json");
  CHECK(cross->status == 403);
  CHECK(cross->body == R"j({"error":"cross-site request refused (Sec-Fetch-Site: cross-site)"})j");
  auto evil_origin = c.Post("/api/materialize", {{"X-Assetflow", "1"}, {"Origin", "http://evil.example"}},
                            body, "application/json");
  CHECK(evil_origin->status == 403);
  auto no_header = c.Post("/api/materialize", {{"Origin", origin}}, body, "application/json");
  CHECK(no_header->status == 403);
  auto form = c.Post("/api/materialize", {{"X-Assetflow", "1"}}, "all=true",
                     "application/x-www-form-urlencoded");
  CHECK(form->status == 415);
  CHECK(c.Get("/api/materialize")->status == 405);
  CHECK(c.Delete("/api/runs")->status == 405);
  // Nothing ran.
  CHECK(Parse(c.Get("/api/runs")->body)["runs"].Size() == 0);
  // The UI's request runs.
  const std::string run_id = Materialize(serve, body);
  CHECK(run_id.size() == 36);
  WaitForRun(serve, run_id);
  CHECK(Statuses(serve)["a"] == "FRESH");
}

TEST_CASE("traversal and unknown paths are 404; artifacts only by id") {
  Fixture f;
  ServeProcess serve(f.dir.path, f.home, f.manifest);
  auto c = serve.Client();
  for (const char* path : {"/%2e%2e/%2e%2e/etc/passwd", "/../../etc/passwd", "/assets/../../../etc/passwd",
                           "/api/artifacts/..%2f..%2fetc%2fpasswd", "/api/artifacts/%2e%2e",
                           "/etc/passwd", "/index.html/../../m.yaml"}) {
    auto res = c.Get(path);
    REQUIRE(res);
    CHECK_MESSAGE((res->status == 404 || res->status == 400), path << " -> " << res->status);
    CHECK(res->body.find("root:") == std::string::npos);
  }
  WaitForRun(serve, Materialize(serve, R"({"select":"a"})"));
  auto detail = Parse(c.Get("/api/assets/a")->body);
  REQUIRE(detail["last"].IsObject());
  const std::string id = detail["last"]["artifact"].GetString();
  CHECK(id.size() == 64);
  CHECK(detail["media_type"].GetString() == std::string("text/plain"));
  CHECK(detail["loadable"].GetBool());
  auto artifact = c.Get("/api/artifacts/" + id);
  REQUIRE(artifact);
  CHECK(artifact->status == 200);
  CHECK(artifact->body == "hello");
  CHECK(artifact->get_header_value("Content-Type") == "text/plain; charset=utf-8");
  CHECK(artifact->get_header_value("Content-Security-Policy") == "default-src 'none'; sandbox");
  CHECK(c.Get("/api/artifacts/" + std::string(64, '0'))->status == 404);
}

TEST_CASE("Materialize all: the failing asset is FAILED with its error, the others FRESH") {
  Fixture f;
  ServeProcess serve(f.dir.path, f.home, f.manifest);
  auto c = serve.Client();
  // Everything but the 30 s sleeper.
  const std::string run_id = Materialize(serve, R"({"select":"a,b,broken"})");
  auto detail = Parse(WaitForRun(serve, run_id));
  CHECK(detail["run"]["status"].GetString() == std::string("FAILED"));
  std::map<std::string, std::pair<std::string, std::string>> steps;
  for (const auto& s : detail["steps"].GetArray()) {
    steps[s["asset"].GetString()] = {s["state"].GetString(), s["message"].GetString()};
  }
  CHECK(steps["a"].first == "SUCCESS");
  CHECK(steps["b"].first == "SUCCESS");
  CHECK(steps["broken"].first == "FAILED");
  CHECK(steps["broken"].second.find("boom on purpose") != std::string::npos);
  auto statuses = Statuses(serve);
  CHECK(statuses["a"] == "FRESH");
  CHECK(statuses["broken"] == "FAILED");
  CHECK(statuses["slow"] == "MISSING");
  auto broken = Parse(c.Get("/api/assets/broken")->body);
  CHECK(broken["last_attempt"]["failed"].GetBool());
  CHECK(std::string(broken["last_attempt"]["message"].GetString()).find("boom on purpose") != std::string::npos);
  REQUIRE(broken["history"].Size() >= 1);
  CHECK(broken["history"][0]["type"].GetString() == std::string("STEP_FAILED"));
  // Materialize failed: only `broken` again.
  auto again = c.Post("/api/materialize", UiPostHeaders(serve.port), R"({"failed":true})", "application/json");
  REQUIRE(again->status == 202);
  CHECK(Parse(again->body)["assets"].GetInt() == 1);
  WaitForRun(serve, Parse(again->body)["run_id"].GetString());
  // Materialize missing: only the sleeper is missing; cancel it.
  auto missing = c.Post("/api/materialize", UiPostHeaders(serve.port), R"({"missing":true})", "application/json");
  REQUIRE(missing->status == 202);
  const std::string slow_run = Parse(missing->body)["run_id"].GetString();
  for (int i = 0; i < 100 && Statuses(serve)["slow"] != "MATERIALIZING"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(Statuses(serve)["slow"] == "MATERIALIZING");
  auto cancel = c.Post("/api/runs/" + slow_run + "/cancel", UiPostHeaders(serve.port), "{}", "application/json");
  CHECK(cancel->status == 202);
  CHECK(Parse(WaitForRun(serve, slow_run))["run"]["status"].GetString() == std::string("CANCELED"));
  auto unknown = c.Post("/api/materialize", UiPostHeaders(serve.port), R"({"assets":["nope"]})", "application/json");
  CHECK(unknown->status == 400);
  CHECK(unknown->body == R"({"error":"unknown asset 'nope'"})");
}

// Reads an event stream until `stop` says so (or 10 s pass); returns the frames' text.
std::string ReadStream(const ServeProcess& serve, const std::string& path,
                       const httplib::Headers& headers,
                       const std::function<bool(const std::string&)>& stop) {
  auto c = serve.Client();
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  c.Get(path, headers, [&](const char* data, size_t n) {
    text.append(data, n);
    return !stop(text) && std::chrono::steady_clock::now() < deadline;
  });
  return text;
}

std::vector<int64_t> Ids(const std::string& text) {
  std::vector<int64_t> ids;
  for (const std::string& line : Lines(text))
    if (line.rfind("id: ", 0) == 0) ids.push_back(std::stoll(line.substr(4)));
  return ids;
}

TEST_CASE("run events: ?after=N pages; the stream resumes after Last-Event-ID and ends") {
  Fixture f;
  ServeProcess serve(f.dir.path, f.home, f.manifest);
  auto c = serve.Client();
  const std::string run_id = Materialize(serve, R"({"select":"a,b"})");
  WaitForRun(serve, run_id);
  auto all = Parse(c.Get("/api/runs/" + run_id + "/events?after=0")->body);
  const auto& events = all["events"];
  REQUIRE(events.Size() >= 6);  // RUN_STARTED, 2 x (STEP_STARTED, MATERIALIZATION, STEP_SUCCESS)...
  CHECK(events[0]["type"].GetString() == std::string("RUN_STARTED"));
  CHECK(all["ended"].GetBool());
  const int64_t third = events[2]["id"].GetInt64();
  auto rest = Parse(c.Get("/api/runs/" + run_id + "/events?after=" + std::to_string(third))->body);
  CHECK(rest["events"].Size() == events.Size() - 3);
  CHECK(rest["events"][0]["id"].GetInt64() == events[3]["id"].GetInt64());

  const std::string text = ReadStream(serve, "/api/runs/" + run_id + "/stream",
                                      {{"Last-Event-ID", std::to_string(third)}},
                                      [](const std::string& t) { return t.find("event: end") != std::string::npos; });
  CHECK(text.rfind("event: hello\ndata: {\"after\":" + std::to_string(third) + "}\n\n", 0) == 0);
  std::vector<int64_t> expected;
  for (rapidjson::SizeType i = 3; i < events.Size(); ++i) expected.push_back(events[i]["id"].GetInt64());
  CHECK(Ids(text) == expected);
  CHECK(text.find("event: end\ndata: {\"run_id\":\"" + run_id + "\",\"status\":\"SUCCESS\"") != std::string::npos);
}

TEST_CASE("the live stream sends a heartbeat, then a new run's events as they happen") {
  Fixture f;
  ServeProcess serve(f.dir.path, f.home, f.manifest, {"--heartbeat", "0.2"});
  std::atomic<bool> launched{false};
  std::thread launcher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    Materialize(serve, R"({"select":"a"})");
    launched = true;
  });
  const std::string text = ReadStream(serve, "/api/stream?after=0", {}, [](const std::string& t) {
    return t.find("\"type\":\"RUN_SUCCESS\"") != std::string::npos;
  });
  launcher.join();
  CHECK(launched);
  const size_t heartbeat = text.find(": heartbeat\n\n");
  const size_t started = text.find("\"type\":\"RUN_STARTED\"");
  CHECK(heartbeat != std::string::npos);
  CHECK(started != std::string::npos);
  CHECK(heartbeat < started);
  CHECK(text.find("\"type\":\"RUN_SUCCESS\"") != std::string::npos);
}

TEST_CASE("at most 8 event streams at once; the ninth is told to poll") {
  Fixture f;
  ServeProcess serve(f.dir.path, f.home, f.manifest);
  std::atomic<int> open{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> holders;
  for (int i = 0; i < 8; ++i) {
    holders.emplace_back([&] {
      auto c = serve.Client();
      bool counted = false;
      c.Get("/api/stream", [&](const char*, size_t) {
        if (!counted) {
          counted = true;
          ++open;
        }
        return !done.load();
      });
    });
  }
  for (int i = 0; i < 200 && open < 8; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  CHECK(open == 8);
  auto c = serve.Client();
  auto ninth = c.Get("/api/stream");
  REQUIRE(ninth);
  CHECK(ninth->status == 503);
  // The API is still served meanwhile (streams do not starve the pool).
  CHECK(c.Get("/api/assets")->status == 200);
  done = true;
  // Each holder notices at its next frame: the heartbeat (15 s) or an event; send events.
  WaitForRun(serve, Materialize(serve, R"({"select":"a"})"));
  for (auto& t : holders) t.join();
}

TEST_CASE("off loopback a token is required: printed once, Bearer or the cookie it sets") {
  Fixture f;
  // Bound to every address (the point of the test); every request still goes to 127.0.0.1.
  ServeProcess serve(f.dir.path, f.home, f.manifest, {"--host", "0.0.0.0"});
  const size_t at = serve.url.find("?token=");
  REQUIRE(at != std::string::npos);
  const std::string token = serve.url.substr(at + 7);
  CHECK(token.size() == 64);
  auto c = serve.Client();
  auto anonymous = c.Get("/api/assets");
  CHECK(anonymous->status == 401);
  CHECK(c.Get("/api/assets", {{"Authorization", "Bearer " + std::string(64, 'a')}})->status == 401);
  CHECK(c.Get("/api/assets", {{"Authorization", "Bearer " + token}})->status == 200);
  auto exchange = c.Get("/?token=" + token);
  REQUIRE(exchange);
  CHECK(exchange->status == 302);
  CHECK(exchange->get_header_value("Location") == "/");
  const std::string cookie = exchange->get_header_value("Set-Cookie");
  CHECK(cookie == "assetflow_token_" + std::to_string(serve.port) + "=" + token +
                      "; HttpOnly; SameSite=Strict; Path=/");
  const std::string pair = cookie.substr(0, cookie.find(';'));
  CHECK(c.Get("/api/assets", {{"Cookie", pair}})->status == 200);
  // A POST needs the token too, besides the CSRF checks.
  auto post = c.Post("/api/materialize", UiPostHeaders(serve.port), R"({"select":"a"})", "application/json");
  CHECK(post->status == 401);
}

TEST_CASE("the CLI and the UI at once on one home: the CLI's run shows in the UI") {
  Fixture f;
  ServeProcess serve(f.dir.path, f.home, f.manifest);
  Child cli = Spawn({AF_ASSETFLOW, "--home", f.home, "--manifest", f.manifest, "--plugin-dir",
                     AF_PLUGIN_DIR, "materialize", "--select", "a,b"},
                    f.dir.path + "/cli.out", f.dir.path + "/cli.err");
  const std::string ui_run = Materialize(serve, R"({"select":"broken"})");
  Result r = WaitAtMost(cli, 60);
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  WaitForRun(serve, ui_run);
  auto runs = Parse(serve.Client().Get("/api/runs")->body);
  REQUIRE(runs["runs"].Size() == 2);
  std::set<std::string> selections;
  for (const auto& run : runs["runs"].GetArray()) selections.insert(run["selection"].GetString());
  const std::set<std::string> expected = {"a,b", "ui: broken"};  // as SelectionText writes them
  CHECK_MESSAGE(selections == expected, *selections.begin() << " / " << *selections.rbegin());
  auto statuses = Statuses(serve);
  CHECK(statuses["a"] == "FRESH");
  CHECK(statuses["b"] == "FRESH");
  CHECK(statuses["broken"] == "FAILED");
}

}  // namespace
}  // namespace af_test

namespace af_test {
namespace {

TEST_CASE("graph --format svg draws the UI's layout: a box per asset, an arrow per edge") {
  Fixture f;
  Child c = Spawn({AF_ASSETFLOW, "--home", f.home, "--manifest", f.manifest, "--plugin-dir",
                   AF_PLUGIN_DIR, "graph", "--format", "svg"},
                  f.dir.path + "/svg.out", f.dir.path + "/svg.err");
  Result r = WaitAtMost(c, 30);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t p = r.out.find(needle); p != std::string::npos; p = r.out.find(needle, p + 1)) ++n;
    return n;
  };
  CHECK(r.out.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 0) == 0);
  CHECK(count("<rect ") == 4);
  CHECK(count("<line ") == 1);
  for (const char* key : {"<title>a</title>", "<title>b</title>", "<title>broken</title>", "<title>slow</title>"})
    CHECK(r.out.find(key) != std::string::npos);
}

}  // namespace
}  // namespace af_test
