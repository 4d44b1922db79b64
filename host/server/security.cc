#include "server/security.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <random>

namespace af {

const char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

std::vector<std::pair<std::string, std::string>> SecurityHeaders() {
  return {{"Content-Security-Policy", kContentSecurityPolicy},
          {"X-Content-Type-Options", "nosniff"},
          {"Referrer-Policy", "no-referrer"},
          {"X-Frame-Options", "DENY"},
          {"Cross-Origin-Opener-Policy", "same-origin"},
          {"Cross-Origin-Resource-Policy", "same-origin"}};
}

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

void Refuse(HttpResponse& response, int status, const std::string& why) {
  response.status = status;
  response.content_type = kJsonType;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("error");
  w.String(why.data(), static_cast<rapidjson::SizeType>(why.size()));
  w.EndObject();
  response.body.assign(buffer.GetString(), buffer.GetSize());
}

// The value of cookie `name` in a Cookie header ("a=1; b=2").
std::string CookieValue(const std::string& header, const std::string& name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    part.erase(0, part.find_first_not_of(' '));
    if (part.compare(0, name.size() + 1, name + "=") == 0) return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return "";
}

}  // namespace

bool IsLoopbackHost(const std::string& host) {
  const std::string h = Lower(host);
  return h == "localhost" || h == "::1" || h == "[::1]" || h.rfind("127.", 0) == 0;
}

std::string HostName(const std::string& host_header) {
  std::string h = Lower(host_header);
  if (!h.empty() && h[0] == '[') {
    const size_t close = h.find(']');
    return close == std::string::npos ? h : h.substr(0, close + 1);
  }
  const size_t colon = h.rfind(':');
  return colon == std::string::npos ? h : h.substr(0, colon);
}

std::vector<std::string> AllowedHosts(const std::string& bind_host,
                                      const std::vector<std::string>& extra) {
  std::vector<std::string> hosts = {"localhost", "127.0.0.1", "[::1]"};
  const std::string b = Lower(bind_host);
  if (b != "0.0.0.0" && b != "::" && b != "[::]" && !b.empty()) {
    hosts.push_back(b.find(':') != std::string::npos && b[0] != '[' ? "[" + b + "]" : b);
  }
  for (const std::string& e : extra) hosts.push_back(HostName(e));
  return hosts;
}

std::string NewToken() {
  std::random_device rd;  // /dev/urandom with libstdc++ on Linux
  std::string hex;
  for (int i = 0; i < 8; ++i) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
    hex += buf;
  }
  return hex;
}

std::string TokenCookieName(int port) { return "assetflow_token_" + std::to_string(port); }

bool CheckRequest(const SecurityPolicy& policy, const HttpRequest& request, HttpResponse& response) {
  const std::string host_header = request.Header("host");
  const std::string host = HostName(host_header);
  if (std::find(policy.allowed_hosts.begin(), policy.allowed_hosts.end(), host) ==
      policy.allowed_hosts.end()) {
    Refuse(response, 403, "host '" + host + "' is not allowed (start with --allow-host to add it)");
    return true;
  }
  if (request.method != "GET" && request.method != "POST") {
    Refuse(response, 405, "method not allowed");
    return true;
  }
  if (!policy.token.empty()) {
    const std::string given = request.Param("token");
    if (request.method == "GET" && !given.empty()) {
      if (!ConstantTimeEquals(given, policy.token)) {
        Refuse(response, 401, "wrong token");
        return true;
      }
      // Always to "/" (the UI routes with #fragments): a decoded path could carry CR/LF.
      response.status = 302;
      response.headers.push_back({"Location", "/"});
      response.headers.push_back({"Set-Cookie", TokenCookieName(policy.port) + "=" + policy.token +
                                                    "; HttpOnly; SameSite=Strict; Path=/"});
      response.body = "";
      return true;
    }
    const std::string auth = request.Header("authorization");
    const bool bearer = auth.rfind("Bearer ", 0) == 0 &&
                        ConstantTimeEquals(auth.substr(7), policy.token);
    const bool cookie = ConstantTimeEquals(
        CookieValue(request.Header("cookie"), TokenCookieName(policy.port)), policy.token);
    if (!bearer && !cookie) {
      Refuse(response, 401,
             "a token is required: open the URL `assetflow serve` printed, or send "
             "'Authorization: Bearer <token>'");
      return true;
    }
  }
  if (request.method == "POST") {
    const std::string site = request.Header("sec-fetch-site");
    if (!site.empty() && site != "same-origin" && site != "none") {
      Refuse(response, 403, "cross-site request refused (Sec-Fetch-Site: " + site + ")");
      return true;
    }
    const std::string origin = request.Header("origin");
    if (!origin.empty() && Lower(origin) != "http://" + Lower(host_header)) {
      Refuse(response, 403, "cross-origin request refused (Origin: " + origin + ")");
      return true;
    }
    if (request.Header("x-assetflow") != "1") {
      Refuse(response, 403, "missing the X-Assetflow: 1 header");
      return true;
    }
    if (request.Header("content-type").rfind("application/json", 0) != 0) {
      Refuse(response, 415, "the body must be JSON (Content-Type: application/json)");
      return true;
    }
  }
  return false;
}

}  // namespace af
