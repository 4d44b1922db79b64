// The web server's request policy, checked before any route (OWASP's CSRF and DNS-rebinding
// defences, Jupyter's token model):
//   - Host allowlist: the Host header's name must be localhost, 127.0.0.1, [::1] or one the
//     user allowed (the --host name); anything else is 403, so a page on evil.example whose
//     name resolves to 127.0.0.1 (DNS rebinding) cannot read the API.
//   - Token (when set; required off loopback): a cookie `assetflow_token_<port>` or
//     `Authorization: Bearer <token>`, else 401. `GET /?token=<token>` (the URL printed once)
//     sets the cookie (HttpOnly; SameSite=Strict) and redirects to "/".
//   - Every POST: `Sec-Fetch-Site`, when sent, must be same-origin or none; `Origin`, when
//     sent, must be this server; the custom header `X-Assetflow: 1` (which a cross-site form
//     cannot send, and which forces a CORS preflight we never answer) and a JSON body are
//     required. Else 403 (415 for another body type).
//   - Only GET (and HEAD) and POST exist; no GET changes state (the routes' contract).
// Comparisons of secrets take constant time.
#ifndef ASSETFLOW_HOST_SERVER_SECURITY_H_
#define ASSETFLOW_HOST_SERVER_SECURITY_H_

#include <string>
#include <vector>

#include "server/http_server.h"

namespace af {

// Every response's headers: the CSP (frame-ancestors only works as a header), nosniff, no
// referrer, no framing.
extern const char kContentSecurityPolicy[];
std::vector<std::pair<std::string, std::string>> SecurityHeaders();

struct SecurityPolicy {
  std::vector<std::string> allowed_hosts;  // host names, lower case, without port
  std::string token;                       // empty: none required
  int port = 0;                            // names the cookie, so two servers do not clash
};

// The allowlist for a server bound to `bind_host`: the loopback names, plus `bind_host` itself
// (unless it is a wildcard address) and `extra`.
std::vector<std::string> AllowedHosts(const std::string& bind_host,
                                      const std::vector<std::string>& extra);
// 127.0.0.0/8, ::1 and localhost.
bool IsLoopbackHost(const std::string& host);
// The name part of a Host header: "a.b:8080" -> "a.b", "[::1]:80" -> "[::1]"; lower case.
std::string HostName(const std::string& host_header);
// 32 random bytes from the OS, as hex.
std::string NewToken();
std::string TokenCookieName(int port);

// Applies the policy; true when it answered (refused, or the token exchange's redirect).
bool CheckRequest(const SecurityPolicy& policy, const HttpRequest& request, HttpResponse& response);

}  // namespace af

#endif
