#include "http_client/http_request.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace http_client {
namespace {

// libcurl 7.84+ makes curl_global_init thread-safe; the once_flag keeps older ones safe too.
void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw std::runtime_error("curl_global_init failed");
  });
}

// Failures that another attempt cannot fix; every other transport failure (refused, reset,
// timed out, empty reply, DNS hiccup) is transient.
bool IsPermanent(CURLcode c) {
  switch (c) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return true;
    default:
      return false;
  }
}

struct Transfer {
  const Request* request = nullptr;
  Response* response = nullptr;
  uint64_t sent = 0;
  bool body_too_large = false;
  bool stopped_by_sink = false;

  static size_t OnBody(char* p, size_t size, size_t n, void* self) {
    Transfer& t = *static_cast<Transfer*>(self);
    const size_t len = size * n;
    if (t.request->on_body) {
      if (!t.request->on_body(p, len)) {
        t.stopped_by_sink = true;
        return 0;
      }
      return len;
    }
    if (t.response->body.size() + len > t.request->max_body_bytes) {
      t.body_too_large = true;
      return 0;
    }
    t.response->body.append(p, len);
    return len;
  }
  static size_t OnHeader(char* p, size_t size, size_t n, void* self) {
    Transfer& t = *static_cast<Transfer*>(self);
    const size_t len = size * n;
    std::string_view line(p, len);
    if (line.rfind("HTTP/", 0) == 0) {
      t.response->headers.clear();  // a new response (after 100 Continue or a redirect)
      return len;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return len;
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    t.response->headers[name] = std::string(value);
    return len;
  }
  static size_t OnRead(char* buffer, size_t size, size_t n, void* self) {
    Transfer& t = *static_cast<Transfer*>(self);
    const Request& r = *t.request;
    const size_t room = size * n;
    if (r.read_body) {
      const size_t got = r.read_body(buffer, room);
      t.sent += got;
      return got;
    }
    const size_t left = static_cast<size_t>(r.body.size() - t.sent);
    const size_t take = std::min(room, left);
    std::memcpy(buffer, r.body.data() + t.sent, take);
    t.sent += take;
    return take;
  }
  // A retry of the same request from the start (curl rewinds after a redirect or an auth
  // round trip); only an in-memory body can be rewound.
  static int OnSeek(void* self, curl_off_t offset, int origin) {
    Transfer& t = *static_cast<Transfer*>(self);
    if (t.request->read_body || origin != SEEK_SET || offset < 0 ||
        static_cast<uint64_t>(offset) > t.request->body.size())
      return CURL_SEEKFUNC_CANTSEEK;
    t.sent = static_cast<uint64_t>(offset);
    return CURL_SEEKFUNC_OK;
  }
};

}  // namespace

std::string Response::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

bool Response::transient() const {
  if (!completed) return !permanent_transport_failure;
  return status == 408 || status == 429 || status >= 500;
}

struct Session::Impl {
  CURL* easy = nullptr;
  char error[CURL_ERROR_SIZE] = {};
};

Session::Session() : impl_(std::make_unique<Impl>()) {
  GlobalInit();
  impl_->easy = curl_easy_init();
  if (!impl_->easy) throw std::runtime_error("curl_easy_init failed");
}

Session::~Session() {
  if (impl_->easy) curl_easy_cleanup(impl_->easy);
}

Response Session::Perform(const Request& r) {
  CURL* e = impl_->easy;
  // Resets the options, keeps the connection cache: the next request reuses the connection.
  curl_easy_reset(e);
  Response response;
  Transfer t;
  t.request = &r;
  t.response = &response;
  impl_->error[0] = '\0';

  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, impl_->error);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);  // we run inside a host's worker thread
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!r.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, r.ca_file.c_str());
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r.timeout_ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r.connect_timeout_ms);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, r.low_speed_time_s);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, r.low_speed_bytes);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "assetflow");
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);

  const bool has_body = r.read_body || !r.body.empty() || r.body_size > 0;
  if (r.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (has_body || r.method == "PUT" || r.method == "POST") {
    // Every body goes through the read callback with its size known up front, so curl sends
    // Content-Length (S3 refuses chunked uploads without it) and never holds it whole.
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, &Transfer::OnRead);
    curl_easy_setopt(e, CURLOPT_READDATA, &t);
    curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, &Transfer::OnSeek);
    curl_easy_setopt(e, CURLOPT_SEEKDATA, &t);
    const uint64_t size = r.read_body ? r.body_size : r.body.size();
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
    if (r.method != "PUT") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  } else if (r.method != "GET") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }

  curl_slist* headers = nullptr;
  for (const std::string& h : r.headers) headers = curl_slist_append(headers, h.c_str());
  // No "Expect:" here to suppress curl's 100-continue: libcurl 7.88's SigV4 would sign that
  // empty header although it is never sent, and the server's signature would differ.
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);

  std::string sigv4, userpwd;
  if (r.signing) {
    sigv4 = r.signing->provider + ":" + r.signing->region + ":" + r.signing->service;
    userpwd = r.signing->access_key_id + ":" + r.signing->secret_access_key;
    curl_easy_setopt(e, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(e, CURLOPT_USERPWD, userpwd.c_str());
  }

  const CURLcode code = curl_easy_perform(e);
  curl_slist_free_all(headers);
  // The secret leaves no copy behind in this object's memory once the request is sent.
  if (!userpwd.empty()) {
    std::fill(userpwd.begin(), userpwd.end(), '\0');
    curl_easy_setopt(e, CURLOPT_USERPWD, nullptr);
  }

  if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && t.stopped_by_sink)) {
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &response.status);
    response.completed = code == CURLE_OK;
    if (t.stopped_by_sink) response.error = "stopped by the receiver";
    return response;
  }
  response.timed_out = code == CURLE_OPERATION_TIMEDOUT;
  response.permanent_transport_failure = IsPermanent(code);
  if (t.body_too_large) {
    response.permanent_transport_failure = true;
    response.error = "response body exceeds " + std::to_string(r.max_body_bytes) + " bytes";
  } else {
    response.error = impl_->error[0] ? impl_->error : curl_easy_strerror(code);
  }
  response.headers.clear();
  return response;
}

std::string UriEncode(std::string_view text, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace http_client
