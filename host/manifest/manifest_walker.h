// The Walker behind ParseManifestDocument (manifest_parser.h): one pass over a YamlDocument
// into a ParsedManifest. Its members are defined by the manifest section they read:
// manifest_walker.cc (the top level and the readers every section uses), manifest_values.cc,
// manifest_assets.cc, manifest_policies.cc, manifest_executor.cc, manifest_schedules_alerts.cc.
// Internal to the manifest module: included by those files and manifest_parser.cc only.
#ifndef ASSETFLOW_HOST_MANIFEST_MANIFEST_WALKER_H_
#define ASSETFLOW_HOST_MANIFEST_MANIFEST_WALKER_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "manifest/manifest_parser.h"

namespace af::manifest_internal {

using Kind = YamlNode::Kind;

// [A-Za-z0-9_]+ (input names, groups, resource keys); with `dash`, also '-' (key segments).
bool IsName(const std::string& s, bool dash = false);

// A message fragment ("'group' of asset 'x'"), assembled only when an error needs it: the
// happy path must not allocate for every key it checks.
struct What {
  What(std::string_view a, std::string_view b = {}, std::string_view c = {},
       std::string_view d = {})
      : a(a), b(b), c(c), d(d) {}
  std::string_view a, b, c, d;
  std::string str() const { return std::string(a).append(b).append(c).append(d); }
};

// No duration in a manifest needs more than a year; beyond, doubles of seconds stop being
// sleepable (std::chrono overflows) long before they stop being finite.
constexpr double kMaxDurationSeconds = 366 * 24 * 3600;

class Walker {
 public:
  Walker(const YamlDocument& doc, ParsedManifest* out, Diagnostics* diagnostics)
      : doc_(doc), out_(out), diagnostics_(diagnostics) {}

  void Top(YamlId root);

  // "x-..." keys at the top level are for the manifest's author (as in docker-compose): a place
  // to define YAML anchors shared by merge keys. Everything else must be known.
  static bool IsExtensionKey(const std::string& key);

  // What a manifest's top-level key can be: a short name of letters, digits and "_-./".
  static bool IsNameLike(const std::string& key);

 private:
  // manifest_walker.cc: the readers every section uses.
  void Error(YamlId at, std::string message, std::string suggestion = "");

  // "'five'" for a scalar, else "a list", "a mapping", "null".
  std::string Got(YamlId v) const;

  // A null stands for an empty mapping or list ("assets:" with nothing under it).
  bool Expect(YamlId v, Kind kind, const What& what);

  // Visits a mapping's entries in order. With `allowed`, other keys are errors (with the
  // nearest allowed key) unless `ignore` says to skip them; a repeated key is an error either
  // way. `where` ends messages. `visit(key, key_id, value)`.
  template <class Visit>
  void Keys(YamlId map, const std::vector<std::string>* allowed, const What& where,
            const Visit& visit, bool (*ignore)(const std::string&) = nullptr) {
    std::span<const YamlId> c = doc_.children(map);
    for (size_t i = 0; i + 1 < c.size(); i += 2) {
      const std::string key(doc_.Value(c[i]));
      if (!doc_.node(c[i]).IsScalar()) {
        Error(c[i], "expected a string key " + where.str() + ", got " + doc_.KindName(c[i]));
        continue;
      }
      if (ignore && ignore(key)) continue;
      if (allowed && std::find(allowed->begin(), allowed->end(), key) == allowed->end()) {
        Error(c[i], "unknown key '" + key + "' " + where.str(), NearestName(key, *allowed));
        continue;
      }
      bool repeated = false;
      for (size_t j = 0; j < i && !repeated; j += 2) {
        if (doc_.Value(c[j]) == key) {
          Error(c[i], "duplicate key '" + key + "' " + where.str() + " (first at " +
                          doc_.Location(c[j]).ToString() + ")");
          repeated = true;
        }
      }
      if (!repeated) visit(key, c[i], c[i + 1]);
    }
  }

  bool Scalar(YamlId v, const What& what, std::string* out);
  bool Scalar(YamlId v, const What& what, InternedString* out);

  // A list of scalars, sorted and without duplicates; an entry that is not a scalar is an error.
  bool StringList(YamlId v, const What& what, std::vector<std::string>* out);

  void PluginDirs(YamlId v);

  // manifest_values.cc
  // A number (>= 0 when `non_negative`, > 0 otherwise); plain or quoted, as the text says.
  bool Number(YamlId v, const What& what, bool integer, bool non_negative, double* out);

  // A duration: seconds, or a number with a unit ('500ms', '5s', '2m', '1h'); > 0 when
  // `positive`, else >= 0; at most `max_seconds`.
  bool Duration(YamlId v, const What& what, bool positive, double* out,
                double max_seconds = kMaxDurationSeconds);

  // One of the lower-case `names` (upper_too: exactly two); with `upper_too`, also their upper-case spelling (Dagster's
  // enum names, 'LINEAR'). A miss suggests the nearest name, in upper case if `text` is.
  template <class E>
  bool Choice(YamlId v, const What& what, const std::vector<std::string>& names,
              const std::vector<E>& values, E* out, bool upper_too = false) {
    std::string text;
    if (!Scalar(v, what, &text)) return false;
    const std::string upper = Upper(text);
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == text || (upper_too && Upper(names[i]) == text)) {
        *out = values[i];
        return true;
      }
    }
    std::string expected;
    for (size_t i = 0; i < names.size(); ++i)
      expected += (i == 0 ? "'" : i + 1 == names.size() ? "' or '" : "', '") + names[i];
    expected += "'";
    std::string suggestion = NearestName(text, names);
    if (upper_too) {
      expected += " (or '" + Upper(names[0]) + "', '" + Upper(names[1]) + "')";
      if (text == upper) suggestion = Upper(suggestion);
    }
    Error(v, "expected " + expected + " for " + what.str() + ", got " + Got(v), suggestion);
    return false;
  }

  static std::string Upper(std::string s);

  // A cron string (schedule/cron.h); an error points at the bad field inside the value.
  bool Cron(YamlId v, const What& what, std::string* out);

  bool Zone(YamlId v, const What& what, std::string* out);

  // A top-level key that may appear once across all files (`executor`, `alerts`,
  // `retry_policy`): records its place in `*at` and returns true the first time; a second one is
  // reported with the first's place and returns false (the caller ignores it).
  bool FirstTopLevel(YamlId key_id, const char* name, SourceLocation* at) {
    if (at->line != 0) {
      Error(key_id, std::string("duplicate top-level '") + name + "' (first defined at " +
                        at->ToString() + ")");
      return false;
    }
    *at = doc_.Location(key_id);
    return true;
  }

  // manifest_assets.cc
  static const SourceLocation& LocationOf(const ParsedResource& r) { return r.def.location; }
  static const SourceLocation& LocationOf(const AssetDef& a) { return a.location; }
  static std::string_view KeyOf(const ParsedResource& r) { return r.def.key; }
  static std::string_view KeyOf(const AssetDef& a) { return a.key; }
  // Registers `key` as the next of `records`; a key seen before (in this file or an earlier
  // one) is reported with both places, and skipped.
  template <class Record>
  bool Claim(KeyIndex* index, const std::vector<Record>& records, const std::string& key,
             YamlId key_id, const char* what) {
    auto key_of = [&records](uint32_t i) { return KeyOf(records[i]); };
    if (std::optional<uint32_t> first = index->Find(key, key_of)) {
      Error(key_id, std::string("duplicate ") + what + " '" + key + "' (first defined at " +
                        LocationOf(records[*first]).ToString() + ")");
      return false;
    }
    index->Insert(static_cast<uint32_t>(records.size()), key, key_of);
    return true;
  }

  void Resources(YamlId v);
  void Resource(YamlId key_id, YamlId v, ParsedResource* r);
  void Assets(YamlId v);
  void Asset(YamlId key_id, YamlId v, AssetDef* asset, ParsedAsset* a);
  void Inputs(YamlId v, const std::string& owner, std::vector<InputDef>* inputs);

  // manifest_policies.cc
  // The top-level `retry_policy:`, the default of every asset without its own: one across all
  // files (a second is reported with the first's place, and ignored).
  void DefaultRetry(YamlId key_id, YamlId v);

  // Dagster's RetryPolicy(max_retries=1, delay=None, backoff=None, jitter=None); `out` is left
  // unset when anything in it is wrong.
  void Retry(YamlId v, const std::string& owner, std::shared_ptr<const RetryPolicy>* out);

  void Freshness(YamlId key_id, YamlId v, const std::string& owner,
                 std::optional<FreshnessPolicy>* out);

  static std::string FormatNumber(double x);

  // manifest_executor.cc
  void Executor(YamlId key_id, YamlId v);

  // A cluster job's `resources:` of `owner` ("asset 'a'", "executor").
  void Resources(YamlId key_id, YamlId v, const std::string& owner, JobResources* r);

  static bool IsSlurmMemory(const std::string& s);
  // [D-]HH[:MM[:SS]] or MM[:SS] (sbatch --time), digits only between the separators.
  static bool IsSlurmTime(const std::string& s);

  // manifest_schedules_alerts.cc
  void Schedules(YamlId v);

  // `alerts: { command: "...", webhook: URL | { url, retries, timeout } }`, one across files.
  void Alerts(YamlId key_id, YamlId v);

  bool Url(YamlId v, std::string* out);

  const YamlDocument& doc_;
  ParsedManifest* out_;
  Diagnostics* diagnostics_;
};

}  // namespace af::manifest_internal

#endif
