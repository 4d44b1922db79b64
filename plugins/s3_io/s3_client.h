// A small S3 client: the object and multipart calls an IO manager needs, on one kept-alive
// connection (http_client::Session), signed with SigV4 by libcurl, each retried with backoff on
// transient failures (no answer, timeouts, 408/429/5xx, S3's RequestTimeout and SlowDown).
//
// Thread contract: a Client is used by one thread at a time. It knows nothing of assetflow's
// SDK: failures are S3Error exceptions with a Kind, and the IO manager maps them to statuses.
// Messages name the bucket, key and access key id, never the secret, a signature or the
// canonical request S3 echoes in its error bodies.
#ifndef ASSETFLOW_PLUGINS_S3_IO_S3_CLIENT_H
#define ASSETFLOW_PLUGINS_S3_IO_S3_CLIENT_H

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "s3_io/credentials.h"

namespace s3 {

struct ClientConfig {
  std::string bucket;
  std::string region = "us-east-1";
  // scheme://host[:port] of the S3 API; "" = AWS's regional endpoint.
  std::string endpoint_url;
  // true: bucket.host/key (AWS's default); false: host/bucket/key (local servers).
  bool virtual_addressing = true;
  int max_attempts = 5;          // per request, the first included
  long backoff_ms = 100;         // before retry k: backoff_ms * 2^(k-1), equal jitter
  long max_backoff_ms = 5000;
  long timeout_ms = 120000;      // one attempt of one request
  long connect_timeout_ms = 5000;
  std::string ca_file;           // PEM bundle; "" = the system's
};

class S3Error : public std::runtime_error {
 public:
  enum class Kind {
    kDenied,          // 403: bad key, bad signature, no permission
    kNoSuchKey,       // 404 on an object
    kNoSuchBucket,    // the bucket does not exist
    kNoSuchUpload,    // a multipart upload that was aborted or completed already
    kTransient,       // retries exhausted on failures worth retrying
    kOther,           // any other answer
  };
  S3Error(Kind kind, long http_status, std::string code, const std::string& message)
      : std::runtime_error(message), kind_(kind), http_status_(http_status), code_(std::move(code)) {}
  Kind kind() const noexcept { return kind_; }
  long http_status() const noexcept { return http_status_; }
  const std::string& code() const noexcept { return code_; }

 private:
  Kind kind_;
  long http_status_;
  std::string code_;
};

struct ObjectPart {
  const char* data = nullptr;
  std::size_t size = 0;
};

struct RangeRead {
  std::string body;
  uint64_t total_size = 0;  // the object's size
  std::string etag;         // with its quotes, as S3 sends it
};

struct MultipartUpload {
  std::string key;
  std::string upload_id;
};

class Client {
 public:
  Client(ClientConfig config, Credentials credentials);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const ClientConfig& config() const { return config_; }
  // "s3://bucket/key".
  std::string UriOf(const std::string& key) const;

  // HEAD of the bucket: it exists and these credentials may use it.
  void HeadBucket();
  // PUT of one object; returns its ETag. `metadata` are x-amz-meta-* headers ("name: value").
  std::string Put(const std::string& key, std::string_view body,
                  const std::vector<std::string>& metadata = {});
  // Bytes [offset, offset + length) of the object (fewer at its end); `if_match` (an ETag)
  // makes a changed object a kOther error (412) rather than a mix of two versions.
  RangeRead GetRange(const std::string& key, uint64_t offset, uint64_t length,
                     const std::string& if_match = "");
  // Whole small object (up to `max_bytes`).
  std::string Get(const std::string& key, uint64_t max_bytes = 1 << 20);
  // Deletes the object; no error when there was none.
  void Delete(const std::string& key);
  // Server-side copy within the bucket; returns the new object's ETag. Up to 5 GB.
  std::string Copy(const std::string& from_key, const std::string& to_key);
  // Keys under `prefix`, all pages.
  std::vector<std::string> ListKeys(const std::string& prefix);

  std::string CreateMultipartUpload(const std::string& key,
                                    const std::vector<std::string>& metadata = {});
  // Uploads part `number` (1-based); returns its ETag.
  std::string UploadPart(const std::string& key, const std::string& upload_id, int number,
                         std::string_view body);
  // Completes with the parts' ETags in order; returns the object's ETag.
  std::string CompleteMultipartUpload(const std::string& key, const std::string& upload_id,
                                      const std::vector<std::string>& part_etags);
  // Aborts; no error when the upload is gone already.
  void AbortMultipartUpload(const std::string& key, const std::string& upload_id);
  // Unfinished uploads of keys under `prefix`, all pages.
  std::vector<MultipartUpload> ListMultipartUploads(const std::string& prefix);

  // Requests sent so far, retries included (for tests and benchmarks).
  uint64_t requests_sent() const { return requests_sent_; }

 private:
  struct Call;
  std::string Perform(Call& call);
  std::string UrlOf(const std::string& key, const std::string& query) const;

  ClientConfig config_;
  Credentials credentials_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t requests_sent_ = 0;
};

// The ETag S3 gives an object completed from parts with these ETags: the MD5 of the parts'
// binary MD5s, "-" and their count. Lets an IO manager report the ETag when it stages.
std::string MultipartEtag(const std::vector<std::string>& part_etags);
// Lower-case hex SHA-256 of `data` (the signed payload hash).
std::string Sha256Hex(std::string_view data);

}  // namespace s3

#endif
