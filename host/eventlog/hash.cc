#include "eventlog/hash.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <assetflow/cpp/json.hpp>

#include "common/redact.h"

namespace af {

namespace {

std::string ToHex(const unsigned char* bytes, size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    hex[2 * i] = kDigits[bytes[i] >> 4];
    hex[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return hex;
}

// EVP calls fail only on allocation failure or a broken libcrypto: a bug, not an expected
// condition, hence abort rather than a Status threaded through every caller.
void CheckEvp(int ok) {
  if (ok != 1) std::abort();
}

// Writes doubles in their shortest round-trip form (std::to_chars), where RapidJSON's
// Grisu2 may print more or other digits than the user wrote: 0.1 + 0.2 prints as
// 0.30000000000000004, not 0.30000000000000007; 1.0 prints as 1, so it hashes like 1.
class CanonicalWriter : public rapidjson::Writer<rapidjson::StringBuffer> {
 public:
  using Writer::Writer;
  bool Double(double d) {
    char text[32];
    const auto result = std::to_chars(text, text + sizeof(text), d);
    return RawValue(text, static_cast<size_t>(result.ptr - text), rapidjson::kNumberType);
  }
};

void SortKeys(rapidjson::Value& v) {
  if (v.IsObject()) {
    for (auto& m : v.GetObject()) SortKeys(m.value);
    std::stable_sort(v.MemberBegin(), v.MemberEnd(), [](const auto& a, const auto& b) {
      const size_t la = a.name.GetStringLength(), lb = b.name.GetStringLength();
      const int c = std::memcmp(a.name.GetString(), b.name.GetString(), std::min(la, lb));
      return c < 0 || (c == 0 && la < lb);
    });
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray()) SortKeys(e);
  }
}

}  // namespace

struct Sha256::Ctx {
  EVP_MD_CTX* md = nullptr;
};

Sha256::Sha256() : ctx_(new Ctx) {
  ctx_->md = EVP_MD_CTX_new();
  if (ctx_->md == nullptr) std::abort();
  CheckEvp(EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr));
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_->md);
  delete ctx_;
}

void Sha256::Update(const void* data, size_t size) {
  if (size > 0) CheckEvp(EVP_DigestUpdate(ctx_->md, data, size));
}

std::string Sha256::FinalHex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  CheckEvp(EVP_DigestFinal_ex(ctx_->md, digest, &size));
  CheckEvp(EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr));
  return ToHex(digest, size);
}

std::string Sha256Hex(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.FinalHex();
}

std::string CanonicalJson(const std::string& json) { return VersionedConfigJson(json, {}); }

std::string VersionedConfigJson(const std::string& json,
                                const std::vector<std::string>& unversioned_keys) {
  rapidjson::Document doc;
  // Full precision: the default parser may round the last digit of some decimals, and then
  // the canonical text (shown to users in staleness causes) would differ from theirs.
  if (!assetflow::ParseJson<rapidjson::kParseFullPrecisionFlag>(doc, json.data(), json.size()))
    return json;
  if (doc.IsObject()) {
    for (const std::string& key : unversioned_keys) {
      doc.RemoveMember(rapidjson::StringRef(key.data(), key.size()));
    }
  }
  SortKeys(doc);
  rapidjson::StringBuffer out;
  CanonicalWriter writer(out);
  doc.Accept(writer);
  return std::string(out.GetString(), out.GetSize());
}

RecordedConfig RecordConfig(const std::string& config_json,
                            const std::vector<std::string>& unversioned_keys,
                            const std::vector<std::string>& secret_keys) {
  RecordedConfig recorded;
  const std::string versioned = VersionedConfigJson(config_json, unversioned_keys);
  recorded.hash = Sha256Hex(versioned);
  std::string masked = RedactConfigJson(versioned, secret_keys);
  recorded.json = masked == versioned ? std::move(masked) : VersionedConfigJson(masked, {});
  return recorded;
}

std::string ConfigHash(const std::string& config_json) {
  return Sha256Hex(CanonicalJson(config_json));
}

std::string FileSha256Hex(const std::string& path, std::string* error) {
  std::FILE* f = std::fopen(path.c_str(), "rbe");
  if (f == nullptr) {
    *error = "cannot read '" + path + "': " + std::strerror(errno);
    return "";
  }
  Sha256 hash;
  char buffer[64 * 1024];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) hash.Update(buffer, n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) {
    *error = "cannot read '" + path + "'";
    return "";
  }
  return hash.FinalHex();
}

}  // namespace af
