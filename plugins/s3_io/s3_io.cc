// The "s3_io" plugin: s3_io_manager stores asset "a/b/c" as the object <prefix>/a/b/c of a
// bucket (Dagster's S3PickleIOManager layout, bytes instead of pickles), on AWS or any
// S3-compatible store.
//
// Writes: the first part_size bytes are buffered; an output that fits is one PUT, a longer one
// becomes a multipart upload whose parts are sent as they fill (memory stays at one part).
// Staging (ABI 1.1 two-phase commit) keeps every version invisible until the host publishes it:
//   small output   PUT  <prefix>/.assetflow-staging/<run>/<attempt>/object/<key>;
//                  publish = server-side COPY to <prefix>/<key>, then DELETE of the staged copy;
//   multipart      the upload targets <prefix>/<key> and is left uncompleted; a marker object
//                  .../<run>/<attempt>/upload/<key> is written before the upload is created
//                  (so a host killed at any moment of it leaves a trail), then names it, and
//                  once staged lists its parts' ETags;
//                  publish = CompleteMultipartUpload, then DELETE of the marker.
// discard and sweep abort the uploads the markers name and delete what the run left under
// .assetflow-staging/<run>/. An object at <prefix>/<key> is therefore always whole.
#include <assetflow/cpp/plugin.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "s3_io/s3_client.h"
#include "s3_io/upload_marker.h"

namespace {

using namespace s3_io;
using assetflow::Context;
using assetflow::Error;
using s3::S3Error;

constexpr const char* kStagingDir = ".assetflow-staging";

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The status the host sees for an S3 failure: what retrying cannot fix is fatal (wrong
// credentials, no bucket), a transient failure is retryable, the rest an IO error.
af_status StatusOf(const S3Error& e) {
  switch (e.kind()) {
    case S3Error::Kind::kDenied:
    case S3Error::Kind::kNoSuchBucket:
      return AF_ERR_FATAL;
    case S3Error::Kind::kNoSuchKey:
    case S3Error::Kind::kNoSuchUpload:
      return AF_ERR_NOT_FOUND;
    case S3Error::Kind::kTransient:
      return AF_ERR_RETRYABLE;
    case S3Error::Kind::kOther:
      break;
  }
  return AF_ERR_IO;
}

// Runs `body`, turning S3 and setup failures into assetflow errors with their status.
template <class F>
auto Guard(F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const S3Error& e) {
    throw Error(StatusOf(e), e.what());
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(AF_ERR_FATAL, std::string("s3_io: ") + e.what());
  }
}

// What one resource config says, with the environment and AWS profile filling the gaps.
struct Settings {
  s3::ClientConfig client;
  std::string prefix;  // "" or without a trailing '/'
  uint64_t part_size = 8 << 20;
};

Settings SettingsOf(const Context& ctx, s3::Profile* profile) {
  auto opt = [&](const char* key) { return ctx.has_config(key) ? ctx.config_string(key) : ""; };
  *profile = s3::LoadProfile(opt("profile"));
  auto from_profile = [&](const char* key) {
    auto it = profile->values.find(key);
    return it == profile->values.end() ? std::string() : it->second;
  };
  Settings s;
  s.client.bucket = ctx.config_string("bucket");
  s.prefix = ctx.has_config("prefix") ? ctx.config_string("prefix") : "assetflow";
  while (!s.prefix.empty() && s.prefix.back() == '/') s.prefix.pop_back();
  for (std::string r : {opt("region"), Env("AWS_REGION"), Env("AWS_DEFAULT_REGION"),
                        from_profile("region")}) {
    if (!r.empty()) {
      s.client.region = r;
      break;
    }
  }
  for (std::string e : {opt("endpoint_url"), Env("AWS_ENDPOINT_URL_S3"), Env("AWS_ENDPOINT_URL"),
                        from_profile("endpoint_url")}) {
    if (!e.empty()) {
      s.client.endpoint_url = e;
      break;
    }
  }
  // Virtual-hosted names need DNS for every bucket: AWS has it, a local server rarely does.
  const std::string addressing = opt("addressing");
  s.client.virtual_addressing = addressing.empty() ? s.client.endpoint_url.empty() : addressing == "virtual";
  if (ctx.has_config("part_size")) s.part_size = static_cast<uint64_t>(ctx.config_int("part_size"));
  if (ctx.has_config("max_attempts")) s.client.max_attempts = static_cast<int>(ctx.config_int("max_attempts"));
  if (ctx.has_config("timeout_ms")) s.client.timeout_ms = static_cast<long>(ctx.config_int("timeout_ms"));
  if (ctx.has_config("backoff_ms")) s.client.backoff_ms = static_cast<long>(ctx.config_int("backoff_ms"));
  if (ctx.has_config("ca_file")) s.client.ca_file = ctx.config_string("ca_file");
  return s;
}

// Clients (each with its kept-alive connection) are reused across calls and threads, one
// caller at a time: a lease takes one from the pool and gives it back.
class ClientPool {
 public:
  struct Entry {
    Settings settings;
    std::unique_ptr<s3::Client> client;
  };
  class Lease {
   public:
    Lease(ClientPool* pool, std::string key, std::unique_ptr<Entry> e)
        : pool_(pool), key_(std::move(key)), entry_(std::move(e)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (entry_) pool_->Return(key_, std::move(entry_));
    }
    s3::Client& client() { return *entry_->client; }
    const Settings& settings() const { return entry_->settings; }

   private:
    ClientPool* pool_;
    std::string key_;
    std::unique_ptr<Entry> entry_;
  };

  Lease Acquire(const Context& ctx) {
    std::string key = ctx.config_json();
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = idle_.find(key);
      if (it != idle_.end()) {
        auto e = std::move(it->second);
        idle_.erase(it);
        return Lease(this, std::move(key), std::move(e));
      }
    }
    return Guard([&] {
      auto e = std::make_unique<Entry>();
      s3::Profile profile;
      e->settings = SettingsOf(ctx, &profile);
      e->client = std::make_unique<s3::Client>(e->settings.client, s3::FindCredentials(profile));
      return Lease(this, std::move(key), std::move(e));
    });
  }

 private:
  void Return(const std::string& key, std::unique_ptr<Entry> e) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.count(key) < kMaxIdlePerConfig) idle_.emplace(key, std::move(e));
  }
  static constexpr size_t kMaxIdlePerConfig = 16;
  std::mutex mu_;
  std::multimap<std::string, std::unique_ptr<Entry>> idle_;
};

std::string Join(const std::string& prefix, const std::string& rest) {
  return prefix.empty() ? rest : prefix + "/" + rest;
}

// The host validates asset keys; refusing empty, "." and ".." segments here too keeps a
// hand-written context from writing outside <prefix>/.
std::string ObjectKey(const Settings& s, const std::string& asset_key) {
  std::stringstream segments(asset_key);
  std::string segment;
  bool any = false;
  while (std::getline(segments, segment, '/')) {
    if (segment.empty() || segment == "." || segment == "..")
      throw Error(AF_ERR_INVALID_ARGUMENT, "asset key '" + asset_key + "' is not a valid S3 key path");
    any = true;
  }
  if (!any || asset_key.back() == '/')
    throw Error(AF_ERR_INVALID_ARGUMENT, "asset key '" + asset_key + "' is not a valid S3 key path");
  return Join(s.prefix, asset_key);
}

std::string RunDir(const Settings& s, const std::string& run_id) {
  return Join(s.prefix, std::string(kStagingDir) + "/" + (run_id.empty() ? "-" : run_id) + "/");
}
std::string StagedObjectKey(const Settings& s, const Context& ctx) {
  return RunDir(s, ctx.run_id()) + std::to_string(ctx.attempt()) + "/object/" + ctx.asset_key();
}
std::string UploadMarkerKey(const Settings& s, const Context& ctx) {
  return RunDir(s, ctx.run_id()) + std::to_string(ctx.attempt()) + "/upload/" + ctx.asset_key();
}

class S3Writer : public assetflow::Writer {
 public:
  S3Writer(ClientPool::Lease lease, const Context& ctx)
      : lease_(std::move(lease)),
        key_(ObjectKey(lease_.settings(), ctx.asset_key())),
        marker_key_(UploadMarkerKey(lease_.settings(), ctx)),
        staged_key_(StagedObjectKey(lease_.settings(), ctx)),
        part_size_(lease_.settings().part_size) {
    buffer_.reserve(static_cast<size_t>(std::min<uint64_t>(part_size_, 1 << 20)));
  }

  // A failure to send a part is kept and reported by stage/commit, where it can carry its
  // message (a write callback can only say -1); the rest of the output is then dropped.
  void write(const void* data, std::size_t size) override {
    if (failure_) return;
    const char* p = static_cast<const char*>(data);
    try {
      while (size > 0) {
        if (buffer_.size() == part_size_) SendPart();
        const size_t take = std::min<size_t>(size, part_size_ - buffer_.size());
        buffer_.append(p, take);
        p += take;
        size -= take;
        bytes_ += take;
      }
    } catch (const S3Error& e) {
      failure_ = std::make_unique<S3Error>(e);
    }
  }

  void commit(Context& ctx) override {
    Guard([&] {
      Rethrow();
      s3::Client& c = lease_.client();
      std::string etag;
      if (upload_id_.empty()) {
        etag = c.Put(key_, buffer_);
      } else {
        Finish();
        etag = c.CompleteMultipartUpload(key_, upload_id_, part_etags_);
        upload_id_.clear();
        c.Delete(marker_key_);
        marker_written_ = false;
      }
      Describe(ctx, etag);
    });
  }

  void stage(Context& ctx) override {
    Guard([&] {
      Rethrow();
      s3::Client& c = lease_.client();
      std::string etag;
      if (upload_id_.empty()) {
        etag = c.Put(staged_key_, buffer_);
      } else {
        Finish();
        c.Put(marker_key_, FormatMarker(upload_id_, &part_etags_));
        etag = s3::MultipartEtag(part_etags_);
        upload_id_.clear();  // staged: publish or discard owns the upload and its marker now
        marker_written_ = false;
      }
      Describe(ctx, etag);
    });
  }

  void abort() noexcept override {
    if (!marker_written_) return;
    try {
      if (!upload_id_.empty()) lease_.client().AbortMultipartUpload(key_, upload_id_);
      lease_.client().Delete(marker_key_);
    } catch (...) {
      // The server is unreachable: the marker stays, and sweep or discard aborts it later.
    }
  }

 private:
  void Rethrow() {
    if (failure_) throw *failure_;
  }
  void SendPart() {
    s3::Client& c = lease_.client();
    if (upload_id_.empty()) {
      c.Put(marker_key_, FormatMarker("", nullptr));
      marker_written_ = true;
      upload_id_ = c.CreateMultipartUpload(key_);
      c.Put(marker_key_, FormatMarker(upload_id_, nullptr));
    }
    part_etags_.push_back(c.UploadPart(key_, upload_id_, static_cast<int>(part_etags_.size()) + 1, buffer_));
    buffer_.clear();
  }
  // The last part (S3 allows it to be short; never empty unless it is the only one).
  void Finish() {
    if (!buffer_.empty() || part_etags_.empty()) SendPart();
  }
  void Describe(Context& ctx, const std::string& etag) {
    ctx.metadata("uri", AF_META_URL, lease_.client().UriOf(key_));
    ctx.metadata_int("bytes", static_cast<int64_t>(bytes_));
    ctx.metadata_text("etag", etag);
  }

  ClientPool::Lease lease_;
  const std::string key_, marker_key_, staged_key_;
  const uint64_t part_size_;
  std::string buffer_;
  std::string upload_id_;
  std::vector<std::string> part_etags_;
  uint64_t bytes_ = 0;
  bool marker_written_ = false;  // a marker of this writer's upload exists
  std::unique_ptr<S3Error> failure_;
};

// Streams an object with ranged GETs of part_size bytes, each retried on its own, all pinned
// to the ETag of the first answer (a version replaced meanwhile fails instead of mixing).
class S3Reader : public assetflow::Reader {
 public:
  static constexpr uint64_t kFirstRange = 1 << 20;

  S3Reader(ClientPool::Lease lease, const Context& ctx) : lease_(std::move(lease)) {
    key_ = ObjectKey(lease_.settings(), ctx.asset_key());
    try {
      Fill(kFirstRange);
    } catch (const S3Error& e) {
      if (e.kind() != S3Error::Kind::kNoSuchKey) throw;
      throw Error(AF_ERR_NOT_FOUND,
                  "asset '" + ctx.asset_key() + "' is not stored at " + lease_.client().UriOf(key_) +
                      ": materialize it first (assetflow materialize --select '" + ctx.asset_key() + "')");
    }
  }

  std::size_t read(void* buffer, std::size_t size) override {
    if (pos_ == chunk_.size()) {
      if (offset_ >= total_) return 0;
      Fill(lease_.settings().part_size);
    }
    const size_t n = std::min(size, chunk_.size() - pos_);
    std::copy_n(chunk_.data() + pos_, n, static_cast<char*>(buffer));
    pos_ += n;
    return n;
  }

 private:
  void Fill(uint64_t length) {
    s3::RangeRead r = lease_.client().GetRange(key_, offset_, length, etag_);
    if (etag_.empty()) {
      etag_ = r.etag;
      total_ = r.total_size;
    }
    chunk_ = std::move(r.body);
    pos_ = 0;
    offset_ += chunk_.size();
    if (chunk_.empty() && offset_ < total_)
      throw S3Error(S3Error::Kind::kOther, 0, "", "GET " + lease_.client().UriOf(key_) + " ended early");
  }

  ClientPool::Lease lease_;
  std::string key_, etag_, chunk_;
  size_t pos_ = 0;
  uint64_t offset_ = 0, total_ = 0;
};

class S3IoManager : public assetflow::IoManager {
 public:
  std::unique_ptr<assetflow::Writer> open_writer(Context& ctx) override {
    return std::make_unique<S3Writer>(pool_.Acquire(ctx), ctx);
  }
  std::unique_ptr<assetflow::Reader> open_reader(Context& ctx) override {
    return Guard([&] { return std::make_unique<S3Reader>(pool_.Acquire(ctx), ctx); });
  }
  void wipe(Context& ctx) override {
    Guard([&] {
      auto lease = pool_.Acquire(ctx);
      lease.client().Delete(ObjectKey(lease.settings(), ctx.asset_key()));
    });
  }

  bool stages() const override { return true; }
  void publish(Context& ctx) override {
    Guard([&] {
      auto lease = pool_.Acquire(ctx);
      s3::Client& c = lease.client();
      const std::string key = ObjectKey(lease.settings(), ctx.asset_key());
      const std::string staged = StagedObjectKey(lease.settings(), ctx);
      try {
        c.Copy(staged, key);
        c.Delete(staged);
        return;
      } catch (const S3Error& e) {
        if (e.kind() != S3Error::Kind::kNoSuchKey) throw;
      }
      const std::string marker_key = UploadMarkerKey(lease.settings(), ctx);
      Marker m;
      if (!ReadMarker(c, marker_key, &m) || !m.staged)
        throw Error(AF_ERR_NOT_FOUND, "nothing staged for '" + ctx.asset_key() + "' at " + c.UriOf(staged));
      try {
        c.CompleteMultipartUpload(key, m.upload_id, m.part_etags);
      } catch (const S3Error& e) {
        // Completed by an earlier publish that died before deleting the marker: done.
        if (e.kind() != S3Error::Kind::kNoSuchUpload) throw;
      }
      c.Delete(marker_key);
    });
  }
  void discard(Context& ctx) noexcept override {
    try {
      auto lease = pool_.Acquire(ctx);
      s3::Client& c = lease.client();
      c.Delete(StagedObjectKey(lease.settings(), ctx));
      AbortMarked(c, UploadMarkerKey(lease.settings(), ctx), ObjectKey(lease.settings(), ctx.asset_key()));
    } catch (...) {  // unreachable now: sweep removes it when the run is swept
    }
  }
  bool probes() const override { return true; }
  void probe(Context& ctx) override {
    Guard([&] { pool_.Acquire(ctx).client().HeadBucket(); });
  }
  // A 200 from S3 means the object is durable: nothing to flush.
  void sync(Context&) override {}
  void sweep(Context& ctx) override {
    Guard([&] {
      auto lease = pool_.Acquire(ctx);
      s3::Client& c = lease.client();
      const std::string dir = RunDir(lease.settings(), ctx.run_id());
      for (const std::string& key : c.ListKeys(dir)) {
        // <dir><attempt>/upload/<asset key>: abort the upload it names, at <prefix>/<asset key>.
        const size_t slash = key.find('/', dir.size());
        const std::string kind = "/upload/";
        if (slash != std::string::npos && key.compare(slash, kind.size(), kind) == 0) {
          AbortMarked(c, key, Join(lease.settings().prefix, key.substr(slash + kind.size())));
        } else {
          c.Delete(key);
        }
      }
    });
  }

 private:
  ClientPool pool_;
};

}  // namespace

ASSETFLOW_IO_MANAGER(s3_io_manager, S3IoManager)
    .describe("Stores each asset as the S3 object <prefix>/<key segments>; multipart for large "
              "outputs; versions visible only once recorded")
    .schema(R"({"type":"object","additionalProperties":false,"required":["bucket"],"properties":{
      "bucket":{"type":"string","minLength":3,"maxLength":63},
      "prefix":{"type":"string","default":"assetflow",
                "description":"Key prefix; an asset a/b is stored at <prefix>/a/b"},
      "region":{"type":"string","minLength":1,
                "description":"Default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1"},
      "endpoint_url":{"type":"string","pattern":"^https?://",
                      "description":"S3-compatible endpoint; default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's endpoint_url, AWS"},
      "addressing":{"type":"string","enum":["path","virtual"],
                    "description":"virtual: bucket.host/key; path: host/bucket/key. Default: virtual on AWS, path with endpoint_url"},
      "profile":{"type":"string","minLength":1,
                 "description":"AWS profile of ~/.aws/credentials and ~/.aws/config; default AWS_PROFILE, then default"},
      "part_size":{"type":"integer","minimum":5242880,"maximum":5368709120,"default":8388608,
                   "description":"Bytes per multipart part; larger outputs go multipart"},
      "max_attempts":{"type":"integer","minimum":1,"maximum":20,"default":5},
      "backoff_ms":{"type":"integer","minimum":1,"default":100},
      "timeout_ms":{"type":"integer","minimum":100,"default":120000},
      "ca_file":{"type":"string","minLength":1}}})");

ASSETFLOW_PLUGIN("s3_io", "1.0.0", "S3 IO manager: s3_io_manager")
