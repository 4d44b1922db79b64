// Hashing for data versions and config hashes: SHA-256 through OpenSSL's libcrypto, and a
// canonical JSON form so that two configs that differ only in key order or whitespace hash
// the same. The engine hashes what it stores; staleness compares the hashes.
#ifndef ASSETFLOW_HOST_EVENTLOG_HASH_H_
#define ASSETFLOW_HOST_EVENTLOG_HASH_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace af {

// Lowercase hex SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);

// Incremental SHA-256, for outputs streamed in chunks (a 1 GB asset is never held whole).
// Not thread-safe; one instance per stream. FinalHex() ends the digest and resets the object,
// so it can hash a new stream afterwards.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t size);
  void Update(std::string_view data) { Update(data.data(), data.size()); }
  std::string FinalHex();

 private:
  struct Ctx;
  Ctx* ctx_;
};

// Lowercase hex SHA-256 of the file at `path`, read in chunks; empty when it cannot be read
// (*error then says why).
std::string FileSha256Hex(const std::string& path, std::string* error);

// `json` re-serialized compactly with every object's keys sorted (recursively, by byte order;
// array order is kept) and numbers that are not integers in their shortest round-trip form
// (0.10 -> 0.1, 1.0 -> 1, 1e300 -> 1e+300). Text that is not valid JSON is returned
// unchanged, so hashing it still gives a deterministic value.
std::string CanonicalJson(const std::string& json);

// Sha256Hex(CanonicalJson(config_json)): the hash of a config with no unversioned keys.
std::string ConfigHash(const std::string& config_json);

// The "versioned config": CanonicalJson(config_json) without the top-level keys in
// `unversioned_keys` (those the definition's schema marks "x-assetflow-no-version": they
// cannot change the output, e.g. a fetcher's concurrency or a server's URL). This is what
// MaterializationRecord::config_json holds and Sha256Hex of it is config_hash; staleness
// compares these, so changing an unversioned key never makes an asset stale. Nested keys are
// kept; text that is not a JSON object is returned as CanonicalJson returns it.
std::string VersionedConfigJson(const std::string& config_json,
                                const std::vector<std::string>& unversioned_keys);

// What a materialization records of its config (MaterializationRecord::config_json and
// config_hash): `json` is the versioned config with its secrets masked (the `secret_keys`'
// values and URL credentials, see common/redact.h), `hash` the SHA-256 of the versioned
// config *with* the secrets, so a changed secret still changes the version while the secret
// itself is never stored. Without secrets, hash == Sha256Hex(json).
struct RecordedConfig {
  std::string json;
  std::string hash;
};
RecordedConfig RecordConfig(const std::string& config_json,
                            const std::vector<std::string>& unversioned_keys,
                            const std::vector<std::string>& secret_keys);

}  // namespace af

#endif
