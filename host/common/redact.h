// Redaction: secrets in config never leave the host's memory. What counts as a secret:
//   - the credentials of a URL ("scheme://user:password@host": everything before the '@');
//   - the value of a query parameter whose name is secret-looking (token, key, secret,
//     password, signature, access_token, api_key, ... see SecretQueryParams()), in any URL;
//   - the whole value of a top-level config key that the definition's JSON Schema marks
//     secret ("x-assetflow-secret": true, "writeOnly": true or "format": "password"; see
//     sdk/README.md).
// Two ways they are removed, both needed:
//   - by shape (RedactUrls, RedactConfigJson): a URL's credentials and secret parameters are
//     masked wherever a URL appears, secret keys are masked in the config that is recorded;
//   - by value (Redactor): the secrets found in a run's configs are masked in every text the
//     run produces (events, logs, errors, metadata), because a plugin's own message may quote
//     a secret in any form (a URL it built, a header it echoed).
// The mask is "***". Thread contract: a Redactor is immutable once built (Redact is const and
// safe from any thread); the free functions are pure.
#ifndef ASSETFLOW_HOST_COMMON_REDACT_H_
#define ASSETFLOW_HOST_COMMON_REDACT_H_

#include <string>
#include <string_view>
#include <vector>

namespace af {

inline constexpr std::string_view kRedacted = "***";

// The query parameter names whose values are secrets, lower case: a built-in list plus the
// comma-separated names in $ASSETFLOW_SECRET_PARAMS (read once). Matched case-insensitively.
const std::vector<std::string>& SecretQueryParams();

// `text` with every URL's credentials ("https://u:p@h" -> "https://***@h") and every secret
// query parameter's value ("?token=abc&x=1" -> "?token=***&x=1") masked. The secrets removed
// are appended to `found` when given (a credential "u:p" adds "u:p" and "p").
std::string RedactUrls(std::string_view text, std::vector<std::string>* found = nullptr);

// `config_json` (a JSON object) with the values of the top-level `secret_keys` replaced by
// "***" and RedactUrls applied to every string in it, re-serialized (key order kept; callers
// canonicalize); returned as is when there are no `secret_keys` and no "://" or "=" in it.
// The secrets removed are appended to `found` when given. Text that is not JSON is passed
// through RedactUrls only.
std::string RedactConfigJson(const std::string& config_json,
                             const std::vector<std::string>& secret_keys,
                             std::vector<std::string>* found = nullptr);

// Masks known secret values in text. Values shorter than kMinSecretLength are not scrubbed
// by value (masking every "ab" in a log would garble it and protects little); they are still
// masked by shape in configs and URLs.
class Redactor {
 public:
  static constexpr size_t kMinSecretLength = 4;

  // Adds `value`, also in its JSON-escaped and percent-decoded spellings.
  void AddSecret(const std::string& value);
  // Adds every secret of `config_json` (see RedactConfigJson).
  void AddConfig(const std::string& config_json, const std::vector<std::string>& secret_keys);

  // `text` with every known secret masked, then RedactUrls.
  std::string Redact(std::string_view text) const;
  bool empty() const { return secrets_.empty(); }

 private:
  std::vector<std::string> secrets_;  // longest first, so a secret's part never masks first
};

}  // namespace af

#endif
