#include "s3_io/s3_client.h"

#include <openssl/evp.h>
#include <pugixml.hpp>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "http_client/http_request.h"

namespace s3 {
namespace {

using http_client::Request;
using http_client::Response;
using http_client::UriEncode;

std::string Hex(const unsigned char* p, unsigned n) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 15]);
  }
  return out;
}

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  if (!EVP_Digest(data.data(), data.size(), out, &n, md, nullptr))
    throw std::runtime_error("OpenSSL digest failed");
  return std::string(reinterpret_cast<char*>(out), n);
}

// "scheme://host[:port]" without a trailing slash.
std::string TrimEndpoint(std::string e) {
  while (!e.empty() && e.back() == '/') e.pop_back();
  return e;
}

// <Error><Code>..</Code><Message>..</Message></Error>: only Code and Message are kept. S3's
// SignatureDoesNotMatch also carries the string to sign, the canonical request and the
// signature provided; none of those may reach a message.
struct ErrorBody {
  std::string code, message;
};
ErrorBody ParseError(const std::string& body) {
  ErrorBody e;
  pugi::xml_document doc;
  if (body.empty() || !doc.load_buffer(body.data(), body.size())) return e;
  pugi::xml_node error = doc.child("Error");
  e.code = error.child_value("Code");
  e.message = error.child_value("Message");
  return e;
}

pugi::xml_document ParseXml(const std::string& body, const char* what) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size()))
    throw S3Error(S3Error::Kind::kOther, 200, "", std::string("S3 sent an unreadable ") + what);
  return doc;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  const std::string d = Digest(EVP_sha256(), data);
  return Hex(reinterpret_cast<const unsigned char*>(d.data()), static_cast<unsigned>(d.size()));
}

std::string MultipartEtag(const std::vector<std::string>& part_etags) {
  std::string binary;
  for (const std::string& etag : part_etags) {
    std::string hex = etag;
    hex.erase(std::remove(hex.begin(), hex.end(), '"'), hex.end());
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
      binary.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  const std::string md5 = Digest(EVP_md5(), binary);
  return "\"" + Hex(reinterpret_cast<const unsigned char*>(md5.data()), 16) + "-" +
         std::to_string(part_etags.size()) + "\"";
}

struct Client::Impl {
  http_client::Session session;
  http_client::AwsSigning signing;
  std::mt19937_64 jitter{std::random_device{}()};
};

// One logical S3 call: what to send and how to name it in messages.
struct Client::Call {
  Call(const char* op, std::string k) : operation(op), key(std::move(k)) {}
  const char* operation;   // "PUT", "GET", "CompleteMultipartUpload", ...
  std::string key;         // "" for bucket-level calls
  std::string method = "GET";
  std::string query;       // canonical: sorted, encoded
  std::vector<std::string> headers;
  std::string_view body;
  uint64_t max_body_bytes = 1 << 20;
  // Statuses that are an answer rather than a failure (e.g. 404 for Delete).
  std::vector<long> accept = {200};
  Response response;  // the final one
};

Client::Client(ClientConfig config, Credentials credentials)
    : config_(std::move(config)), credentials_(std::move(credentials)), impl_(std::make_unique<Impl>()) {
  config_.endpoint_url = TrimEndpoint(config_.endpoint_url);
  if (config_.endpoint_url.empty())
    config_.endpoint_url = "https://s3." + config_.region + ".amazonaws.com";
  impl_->signing.region = config_.region;
  impl_->signing.service = "s3";
  impl_->signing.access_key_id = credentials_.access_key_id;
  impl_->signing.secret_access_key = credentials_.secret_access_key;
}

Client::~Client() = default;

std::string Client::UriOf(const std::string& key) const { return "s3://" + config_.bucket + "/" + key; }

std::string Client::UrlOf(const std::string& key, const std::string& query) const {
  std::string url;
  if (config_.virtual_addressing) {
    const size_t scheme_end = config_.endpoint_url.find("://");
    const size_t host_at = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    url = config_.endpoint_url.substr(0, host_at) + config_.bucket + "." +
          config_.endpoint_url.substr(host_at) + "/";
  } else {
    url = config_.endpoint_url + "/" + UriEncode(config_.bucket, false) + "/";
  }
  url += UriEncode(key, /*keep_slash=*/true);
  if (!query.empty()) url += "?" + query;
  return url;
}

std::string Client::Perform(Call& call) {
  Request r;
  r.method = call.method;
  r.url = UrlOf(call.key, call.query);
  r.headers = call.headers;
  // Signed: S3 checks the body against it (libcurl does not add the header itself).
  r.headers.push_back("x-amz-content-sha256: " + Sha256Hex(call.body));
  if (!credentials_.session_token.empty())
    r.headers.push_back("x-amz-security-token: " + credentials_.session_token);
  r.body = call.body;
  r.max_body_bytes = call.max_body_bytes;
  r.signing = &impl_->signing;
  r.timeout_ms = config_.timeout_ms;
  r.connect_timeout_ms = config_.connect_timeout_ms;
  r.ca_file = config_.ca_file;

  const std::string subject = call.key.empty() ? "s3://" + config_.bucket : UriOf(call.key);
  const int attempts = std::max(1, config_.max_attempts);
  std::string last_failure;
  for (int attempt = 1;; ++attempt) {
    ++requests_sent_;
    call.response = impl_->session.Perform(r);
    const Response& res = call.response;
    if (res.completed &&
        std::find(call.accept.begin(), call.accept.end(), res.status) != call.accept.end())
      return res.body;
    const ErrorBody err = res.completed ? ParseError(res.body) : ErrorBody{};
    const bool transient =
        res.transient() || err.code == "RequestTimeout" || err.code == "SlowDown" ||
        err.code == "InternalError";
    if (!res.completed) {
      last_failure = res.error;
    } else {
      last_failure = "HTTP " + std::to_string(res.status) + (err.code.empty() ? "" : " " + err.code) +
                     (err.message.empty() ? "" : ": " + err.message);
    }
    if (transient && attempt < attempts) {
      long delay = config_.backoff_ms;
      for (int i = 1; i < attempt && delay < config_.max_backoff_ms; ++i) delay *= 2;
      delay = std::min(delay, config_.max_backoff_ms);
      delay = delay / 2 + std::uniform_int_distribution<long>(0, delay - delay / 2)(impl_->jitter);
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      continue;
    }
    const std::string what = std::string(call.operation) + " " + subject;
    if (transient) {
      throw S3Error(S3Error::Kind::kTransient, res.status, err.code,
                    what + " failed after " + std::to_string(attempt) + " attempts: " + last_failure);
    }
    if (!res.completed)
      throw S3Error(S3Error::Kind::kOther, 0, "", what + " failed: " + last_failure);
    if (res.status == 403) {
      throw S3Error(S3Error::Kind::kDenied, 403, err.code,
                    what + " was denied (" + last_failure + ") for access key id " +
                        credentials_.access_key_id + " from " + credentials_.source);
    }
    if (err.code == "NoSuchBucket" || (res.status == 404 && call.key.empty())) {
      throw S3Error(S3Error::Kind::kNoSuchBucket, res.status, err.code,
                    what + ": bucket '" + config_.bucket + "' does not exist at " +
                        config_.endpoint_url);
    }
    if (err.code == "NoSuchUpload")
      throw S3Error(S3Error::Kind::kNoSuchUpload, res.status, err.code, what + ": " + last_failure);
    if (res.status == 404)
      throw S3Error(S3Error::Kind::kNoSuchKey, 404, err.code, what + ": no such object");
    throw S3Error(S3Error::Kind::kOther, res.status, err.code, what + " failed: " + last_failure);
  }
}

void Client::HeadBucket() {
  Call c{"HEAD bucket", ""};
  c.method = "HEAD";
  try {
    Perform(c);
  } catch (const S3Error& e) {
    // A HEAD answer has no body: 404 is the bucket's absence, 403 a denial; say so plainly.
    if (e.http_status() == 404)
      throw S3Error(S3Error::Kind::kNoSuchBucket, 404, "NoSuchBucket",
                    "bucket '" + config_.bucket + "' does not exist at " + config_.endpoint_url);
    throw;
  }
}

std::string Client::Put(const std::string& key, std::string_view body,
                        const std::vector<std::string>& metadata) {
  Call c{"PUT", key};
  c.method = "PUT";
  c.body = body;
  c.headers = metadata;
  c.headers.push_back("Content-Type: application/octet-stream");
  Perform(c);
  return c.response.header("etag");
}

RangeRead Client::GetRange(const std::string& key, uint64_t offset, uint64_t length,
                           const std::string& if_match) {
  Call c{"GET", key};
  c.headers.push_back("Range: bytes=" + std::to_string(offset) + "-" +
                      std::to_string(offset + std::max<uint64_t>(length, 1) - 1));
  if (!if_match.empty()) c.headers.push_back("If-Match: " + if_match);
  c.max_body_bytes = length + 1;
  c.accept = {200, 206, 416};
  Perform(c);
  RangeRead out;
  out.etag = c.response.header("etag");
  const std::string range = c.response.header("content-range");  // "bytes 0-9/1234", "bytes */0"
  const size_t slash = range.rfind('/');
  if (c.response.status == 416) {
    // Past the end; for an empty object the only possible answer.
    out.total_size = slash == std::string::npos ? 0 : std::stoull(range.substr(slash + 1));
    return out;
  }
  out.body = std::move(c.response.body);
  if (c.response.status == 200) {
    // The server ignored the range and sent the whole object.
    out.total_size = out.body.size();
    out.body = out.body.substr(std::min<uint64_t>(offset, out.body.size()), length);
  } else {
    out.total_size = slash == std::string::npos ? offset + out.body.size()
                                                : std::stoull(range.substr(slash + 1));
  }
  return out;
}

std::string Client::Get(const std::string& key, uint64_t max_bytes) {
  Call c{"GET", key};
  c.max_body_bytes = max_bytes;
  return Perform(c);
}

void Client::Delete(const std::string& key) {
  Call c{"DELETE", key};
  c.method = "DELETE";
  c.accept = {200, 204, 404};
  Perform(c);
}

std::string Client::Copy(const std::string& from_key, const std::string& to_key) {
  Call c{"COPY to", to_key};
  c.method = "PUT";
  c.headers.push_back("x-amz-copy-source: /" + UriEncode(config_.bucket, false) + "/" +
                      UriEncode(from_key, true));
  const std::string body = Perform(c);
  // S3 may answer 200 and put the failure in the body.
  const ErrorBody err = ParseError(body);
  if (!err.code.empty())
    throw S3Error(S3Error::Kind::kTransient, 200, err.code,
                  "COPY " + UriOf(from_key) + " to " + to_key + " failed: " + err.code + ": " + err.message);
  pugi::xml_document doc = ParseXml(body, "CopyObject answer");
  return doc.child("CopyObjectResult").child_value("ETag");
}

std::vector<std::string> Client::ListKeys(const std::string& prefix) {
  std::vector<std::string> keys;
  std::string token;
  for (;;) {
    Call c{"LIST", prefix};
    c.key = "";
    c.query = (token.empty() ? "" : "continuation-token=" + UriEncode(token, false) + "&") +
              "list-type=2&prefix=" + UriEncode(prefix, false);
    c.max_body_bytes = 16 << 20;
    pugi::xml_document doc = ParseXml(Perform(c), "object listing");
    pugi::xml_node result = doc.child("ListBucketResult");
    for (pugi::xml_node item : result.children("Contents")) keys.push_back(item.child_value("Key"));
    if (std::string(result.child_value("IsTruncated")) != "true") return keys;
    token = result.child_value("NextContinuationToken");
    if (token.empty()) return keys;
  }
}

std::string Client::CreateMultipartUpload(const std::string& key,
                                          const std::vector<std::string>& metadata) {
  Call c{"CreateMultipartUpload", key};
  c.method = "POST";
  c.query = "uploads=";
  c.headers = metadata;
  c.headers.push_back("Content-Type: application/octet-stream");
  pugi::xml_document doc = ParseXml(Perform(c), "CreateMultipartUpload answer");
  std::string id = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
  if (id.empty())
    throw S3Error(S3Error::Kind::kOther, 200, "", "CreateMultipartUpload " + UriOf(key) + " gave no upload id");
  return id;
}

std::string Client::UploadPart(const std::string& key, const std::string& upload_id, int number,
                               std::string_view body) {
  Call c{"UploadPart", key};
  c.method = "PUT";
  c.query = "partNumber=" + std::to_string(number) + "&uploadId=" + UriEncode(upload_id, false);
  c.body = body;
  Perform(c);
  return c.response.header("etag");
}

std::string Client::CompleteMultipartUpload(const std::string& key, const std::string& upload_id,
                                            const std::vector<std::string>& part_etags) {
  std::string xml = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < part_etags.size(); ++i)
    xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + part_etags[i] +
           "</ETag></Part>";
  xml += "</CompleteMultipartUpload>";
  Call c{"CompleteMultipartUpload", key};
  c.method = "POST";
  c.query = "uploadId=" + UriEncode(upload_id, false);
  c.body = xml;
  c.headers.push_back("Content-Type: application/xml");
  const std::string body = Perform(c);
  const ErrorBody err = ParseError(body);
  if (!err.code.empty())
    throw S3Error(S3Error::Kind::kTransient, 200, err.code,
                  "CompleteMultipartUpload " + UriOf(key) + " failed: " + err.code + ": " + err.message);
  pugi::xml_document doc = ParseXml(body, "CompleteMultipartUpload answer");
  return doc.child("CompleteMultipartUploadResult").child_value("ETag");
}

void Client::AbortMultipartUpload(const std::string& key, const std::string& upload_id) {
  Call c{"AbortMultipartUpload", key};
  c.method = "DELETE";
  c.query = "uploadId=" + UriEncode(upload_id, false);
  c.accept = {200, 204, 404};
  Perform(c);
}

std::vector<MultipartUpload> Client::ListMultipartUploads(const std::string& prefix) {
  std::vector<MultipartUpload> uploads;
  std::string key_marker, id_marker;
  for (;;) {
    Call c{"ListMultipartUploads", ""};
    c.query = (key_marker.empty() ? "" : "key-marker=" + UriEncode(key_marker, false) + "&") +
              "prefix=" + UriEncode(prefix, false) +
              (id_marker.empty() ? "" : "&upload-id-marker=" + UriEncode(id_marker, false)) +
              "&uploads=";
    c.max_body_bytes = 16 << 20;
    pugi::xml_document doc = ParseXml(Perform(c), "multipart upload listing");
    pugi::xml_node result = doc.child("ListMultipartUploadsResult");
    for (pugi::xml_node u : result.children("Upload"))
      uploads.push_back({u.child_value("Key"), u.child_value("UploadId")});
    if (std::string(result.child_value("IsTruncated")) != "true") return uploads;
    key_marker = result.child_value("NextKeyMarker");
    id_marker = result.child_value("NextUploadIdMarker");
    if (key_marker.empty() && id_marker.empty()) return uploads;
  }
}

}  // namespace s3
