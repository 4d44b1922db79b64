#include "common/redact.h"

#include <assetflow/cpp/json.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace af {

namespace {

// Names seen carrying credentials in the wild: OAuth, API gateways, S3/GCS presigned URLs
// (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token, X-Goog-Signature), Azure SAS (sig).
const char* const kDefaultSecretParams[] = {
    "token", "access_token", "refresh_token", "id_token", "auth", "auth_token", "key",
    "api_key", "apikey", "api-key", "secret", "client_secret", "password", "passwd", "pwd",
    "signature", "sig", "session_token", "x-amz-signature", "x-amz-credential",
    "x-amz-security-token", "x-goog-signature", "x-goog-credential", "code"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool EndsAuthority(char c) {
  return c == '/' || c == '?' || c == '#' || c == '"' || c == '\'' || c == '<' || c == '>' ||
         c == '\\' || c == '`' || std::isspace(static_cast<unsigned char>(c));
}

bool EndsParamValue(char c) {
  return c == '&' || c == '#' || c == ';' || c == '"' || c == '\'' || c == '<' || c == '>' ||
         c == '\\' || c == '`' || std::isspace(static_cast<unsigned char>(c));
}

bool IsParamNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

bool IsSecretParam(std::string_view name) {
  const std::string lower = Lower(name);
  const auto& names = SecretQueryParams();
  return std::find(names.begin(), names.end(), lower) != names.end();
}

void Found(std::vector<std::string>* found, std::string_view secret) {
  if (found != nullptr && !secret.empty()) found->emplace_back(secret);
}

// Masks URL credentials: the userinfo between "://" and the authority's last '@'.
std::string MaskCredentials(std::string_view text, std::vector<std::string>* found) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    const size_t scheme_end = text.find("://", pos);
    if (scheme_end == std::string_view::npos) break;
    const size_t start = scheme_end + 3;
    size_t end = start;
    while (end < text.size() && !EndsAuthority(text[end])) ++end;
    const std::string_view authority = text.substr(start, end - start);
    const size_t at = authority.rfind('@');
    out.append(text.substr(pos, start - pos));
    if (at != std::string_view::npos && at > 0) {
      const std::string_view userinfo = authority.substr(0, at);
      Found(found, userinfo);
      if (const size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
        Found(found, userinfo.substr(colon + 1));
      }
      out.append(kRedacted);
      out.append(authority.substr(at));
    } else {
      out.append(authority);
    }
    pos = end;
  }
  out.append(text.substr(pos));
  return out;
}

// Masks the values of secret query parameters: "?name=value" or "&name=value".
std::string MaskParams(std::string_view text, std::vector<std::string>* found) {
  std::string out;
  size_t copied = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '?' && text[i] != '&') continue;
    size_t name_end = i + 1;
    while (name_end < text.size() && IsParamNameChar(text[name_end])) ++name_end;
    if (name_end == i + 1 || name_end >= text.size() || text[name_end] != '=') continue;
    if (!IsSecretParam(text.substr(i + 1, name_end - i - 1))) continue;
    size_t value_end = name_end + 1;
    while (value_end < text.size() && !EndsParamValue(text[value_end])) ++value_end;
    const std::string_view value = text.substr(name_end + 1, value_end - name_end - 1);
    // Empty, or already masked by value (Redactor::Redact masks before it calls us).
    if (value.empty() || value.substr(0, kRedacted.size()) == kRedacted) continue;
    Found(found, value);
    out.append(text.substr(copied, name_end + 1 - copied));
    out.append(kRedacted);
    copied = value_end;
    i = value_end - 1;
  }
  out.append(text.substr(copied));
  return out;
}

void RedactStrings(rapidjson::Value& v, rapidjson::Document::AllocatorType& alloc,
                   std::vector<std::string>* found) {
  if (v.IsString()) {
    const std::string_view text(v.GetString(), v.GetStringLength());
    const std::string masked = RedactUrls(text, found);
    if (masked != text) {
      v.SetString(masked.data(), static_cast<rapidjson::SizeType>(masked.size()), alloc);
    }
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray()) RedactStrings(e, alloc, found);
  } else if (v.IsObject()) {
    for (auto& m : v.GetObject()) RedactStrings(m.value, alloc, found);
  }
}

std::string JsonText(const rapidjson::Value& v) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  v.Accept(w);
  return std::string(out.GetString(), out.GetSize());
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

}  // namespace

const std::vector<std::string>& SecretQueryParams() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v(std::begin(kDefaultSecretParams), std::end(kDefaultSecretParams));
    if (const char* extra = std::getenv("ASSETFLOW_SECRET_PARAMS")) {
      std::string_view rest(extra);
      while (!rest.empty()) {
        const size_t comma = rest.find(',');
        std::string name = Lower(rest.substr(0, comma));
        name.erase(0, name.find_first_not_of(" \t"));
        name.erase(name.find_last_not_of(" \t") + 1);
        if (!name.empty()) v.push_back(std::move(name));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
    return v;
  }();
  return names;
}

std::string RedactUrls(std::string_view text, std::vector<std::string>* found) {
  // Cheap exit for the common case: most texts hold no URL and no query string.
  if (text.find("://") == std::string_view::npos && text.find('=') == std::string_view::npos) {
    return std::string(text);
  }
  return MaskParams(MaskCredentials(text, found), found);
}

std::string RedactConfigJson(const std::string& config_json,
                             const std::vector<std::string>& secret_keys,
                             std::vector<std::string>* found) {
  // Nothing to mask and no URL to look at: the text as it is (the common case, cheap).
  if (secret_keys.empty() && config_json.find("://") == std::string::npos &&
      config_json.find('=') == std::string::npos) {
    return config_json;
  }
  rapidjson::Document doc;
  if (!assetflow::ParseJson<rapidjson::kParseFullPrecisionFlag>(doc, config_json)) {
    return RedactUrls(config_json, found);
  }
  if (doc.IsObject()) {
    for (const std::string& key : secret_keys) {
      auto it = doc.FindMember(rapidjson::StringRef(key.data(), key.size()));
      if (it == doc.MemberEnd()) continue;
      if (it->value.IsString()) {
        Found(found, std::string_view(it->value.GetString(), it->value.GetStringLength()));
      } else if (!it->value.IsNull()) {
        Found(found, JsonText(it->value));
      }
      it->value.SetString(kRedacted.data(), static_cast<rapidjson::SizeType>(kRedacted.size()));
    }
  }
  RedactStrings(doc, doc.GetAllocator(), found);
  return JsonText(doc);
}

void Redactor::AddSecret(const std::string& value) {
  auto add = [&](std::string s) {
    if (s.size() < kMinSecretLength) return;
    if (std::find(secrets_.begin(), secrets_.end(), s) != secrets_.end()) return;
    secrets_.push_back(std::move(s));
  };
  add(value);
  add(PercentDecoded(value));
  rapidjson::Value v(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  std::string escaped = JsonText(v);  // "\"...\"": the spelling inside JSON text
  add(escaped.substr(1, escaped.size() - 2));
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

void Redactor::AddConfig(const std::string& config_json,
                         const std::vector<std::string>& secret_keys) {
  std::vector<std::string> found;
  RedactConfigJson(config_json, secret_keys, &found);
  for (const std::string& s : found) AddSecret(s);
}

std::string Redactor::Redact(std::string_view text) const {
  std::string out(text);
  for (const std::string& secret : secrets_) {
    size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), kRedacted);
      pos += kRedacted.size();
    }
  }
  return RedactUrls(out);
}

}  // namespace af
