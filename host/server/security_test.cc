#include "server/security.h"

#include <doctest/doctest.h>

namespace af {
namespace {

HttpRequest Request(const std::string& method, const std::string& host) {
  HttpRequest r;
  r.method = method;
  r.path = "/api/materialize";
  r.headers["host"] = host;
  if (method == "POST") {
    r.headers["x-assetflow"] = "1";
    r.headers["content-type"] = "application/json";
  }
  return r;
}

SecurityPolicy Loopback() {
  SecurityPolicy p;
  p.allowed_hosts = AllowedHosts("127.0.0.1", {});
  p.port = 8765;
  return p;
}

int Check(const SecurityPolicy& p, const HttpRequest& r) {
  HttpResponse res;
  return CheckRequest(p, r, res) ? res.status : 0;
}

TEST_CASE("Host names: ports and brackets stripped, loopback recognised") {
  CHECK(HostName("LocalHost:8080") == "localhost");
  CHECK(HostName("[::1]:80") == "[::1]");
  CHECK(HostName("a.example") == "a.example");
  CHECK(IsLoopbackHost("127.0.0.2"));
  CHECK(IsLoopbackHost("::1"));
  CHECK_FALSE(IsLoopbackHost("0.0.0.0"));
  CHECK_FALSE(IsLoopbackHost("192.168.1.2"));
  CHECK(AllowedHosts("0.0.0.0", {"box.lan:9000"}) ==
        std::vector<std::string>{"localhost", "127.0.0.1", "[::1]", "box.lan"});
}

TEST_CASE("a Host outside the allowlist is refused (DNS rebinding)") {
  CHECK(Check(Loopback(), Request("GET", "127.0.0.1:8765")) == 0);
  CHECK(Check(Loopback(), Request("GET", "localhost:8765")) == 0);
  CHECK(Check(Loopback(), Request("GET", "evil.example:8765")) == 403);
  CHECK(Check(Loopback(), Request("GET", "")) == 403);
  CHECK(Check(Loopback(), Request("DELETE", "127.0.0.1:8765")) == 405);
}

TEST_CASE("POST needs same-origin fetch metadata, a matching Origin, the header and JSON") {
  const SecurityPolicy p = Loopback();
  HttpRequest ok = Request("POST", "127.0.0.1:8765");
  CHECK(Check(p, ok) == 0);
  ok.headers["sec-fetch-site"] = "same-origin";
  ok.headers["origin"] = "http://127.0.0.1:8765";
  CHECK(Check(p, ok) == 0);

  HttpRequest cross = ok;
  cross.headers["sec-fetch-site"] = "cross-site";
  CHECK(Check(p, cross) == 403);
  HttpRequest same_site = ok;
  same_site.headers["sec-fetch-site"] = "same-site";
  CHECK(Check(p, same_site) == 403);
  HttpRequest origin = ok;
  origin.headers["origin"] = "http://127.0.0.1:9999";
  CHECK(Check(p, origin) == 403);
  HttpRequest no_header = ok;
  no_header.headers.erase("x-assetflow");
  CHECK(Check(p, no_header) == 403);
  HttpRequest form = ok;
  form.headers["content-type"] = "application/x-www-form-urlencoded";
  CHECK(Check(p, form) == 415);
}

TEST_CASE("with a token: bearer or cookie; ?token= sets the cookie and redirects") {
  SecurityPolicy p = Loopback();
  p.token = "s3cret";
  HttpRequest r = Request("GET", "127.0.0.1:8765");
  r.path = "/";
  CHECK(Check(p, r) == 401);
  r.headers["authorization"] = "Bearer s3cret";
  CHECK(Check(p, r) == 0);
  r.headers["authorization"] = "Bearer s3cre";
  CHECK(Check(p, r) == 401);
  r.headers.erase("authorization");
  r.headers["cookie"] = "other=1; assetflow_token_8765=s3cret";
  CHECK(Check(p, r) == 0);
  r.headers["cookie"] = "assetflow_token_8766=s3cret";
  CHECK(Check(p, r) == 401);

  HttpRequest exchange = Request("GET", "127.0.0.1:8765");
  exchange.path = "/";
  exchange.params["token"] = "s3cret";
  HttpResponse res;
  REQUIRE(CheckRequest(p, exchange, res));
  CHECK(res.status == 302);
  REQUIRE(res.headers.size() == 2);
  CHECK(res.headers[0] == std::pair<std::string, std::string>{"Location", "/"});
  CHECK(res.headers[1].second == "assetflow_token_8765=s3cret; HttpOnly; SameSite=Strict; Path=/");
  exchange.params["token"] = "wrong";
  CHECK(Check(p, exchange) == 401);
}

TEST_CASE("tokens are 64 hex characters and differ") {
  const std::string a = NewToken(), b = NewToken();
  CHECK(a.size() == 64);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a != b);
}

}  // namespace
}  // namespace af

namespace af {
namespace {

TEST_CASE("a refusal is valid JSON whatever the Host header holds") {
  HttpRequest r;
  r.method = "GET";
  r.headers["host"] = "a\"b\\c\x01";
  HttpResponse res;
  REQUIRE(CheckRequest(Loopback(), r, res));
  CHECK(res.status == 403);
  CHECK(res.body == "{\"error\":\"host 'a\\\"b\\\\c\\u0001' is not allowed (start with --allow-host to add it)\"}");
}

}  // namespace
}  // namespace af
