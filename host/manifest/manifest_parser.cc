#include "manifest/manifest_parser.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <span>
#include <sstream>
#include <string_view>

#include "manifest/scalars.h"
#include "schedule/cron.h"

namespace af {

namespace {

using Kind = YamlNode::Kind;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
// [A-Za-z0-9_]+ (input names, groups, resource keys); with `dash`, also '-' (key segments).
bool IsName(const std::string& s, bool dash = false) {
  if (s.empty()) return false;
  for (char c : s)
    if (!IsNameChar(c) && !(dash && c == '-')) return false;
  return true;
}

const std::vector<std::string> kTopKeys = {"plugin_dirs", "resources", "assets", "retry_policy",
                                           "schedules", "alerts", "executor"};
const std::vector<std::string> kResourceKeys = {"type", "config", "description"};
const std::vector<std::string> kAssetKeys = {
    "type",         "inputs",           "config",     "group",     "tags",    "code_version",
    "description",  "retry_policy",     "freshness_policy", "io_manager", "isolation",
    "timeout",      "max_rss_mb",       "owners",     "kinds",   "resources"};
const std::vector<std::string> kExecutorKeys = {"type",        "max_jobs",          "poll_interval",
                                                "exit_grace",  "heartbeat_timeout", "infra_retries",
                                                "resources"};
const std::vector<std::string> kJobResourceKeys = {"cpus", "mem", "time", "partition", "account",
                                                   "qos",  "gres", "extra"};
// sbatch options assetflow sets itself: its job name finds a run's jobs, the others place the
// attempt's files and command.
const std::vector<std::string> kReservedSbatchOptions = {
    "--job-name", "-J", "--parsable", "--wrap", "--output", "-o", "--error", "-e", "--chdir",
    "-D", "--requeue", "--no-requeue", "--array", "-a"};
const std::vector<std::string> kRetryKeys = {"max_retries", "delay", "backoff", "jitter",
                                             "deadline"};
const std::vector<std::string> kFreshnessKeys = {"maximum_lag_minutes", "cron_schedule",
                                                 "cron_schedule_timezone", "warn_after_minutes"};
const std::vector<std::string> kScheduleKeys = {"cron", "timezone", "select", "description"};
const std::vector<std::string> kAlertKeys = {"command", "webhook"};
const std::vector<std::string> kWebhookKeys = {"url", "retries", "timeout"};

// A message fragment ("'group' of asset 'x'"), assembled only when an error needs it: the
// happy path must not allocate for every key it checks.
struct What {
  What(std::string_view a, std::string_view b = {}, std::string_view c = {},
       std::string_view d = {})
      : a(a), b(b), c(c), d(d) {}
  std::string_view a, b, c, d;
  std::string str() const { return std::string(a).append(b).append(c).append(d); }
};

// A key segment is a file name of the fs IO manager (255 bytes at most on every Linux file
// system), and its staged temp file adds ".<segment>.af-<run id>-<attempt>.tmp", 50 bytes.
constexpr size_t kMaxKeySegmentBytes = 200;

// No duration in a manifest needs more than a year; beyond, doubles of seconds stop being
// sleepable (std::chrono overflows) long before they stop being finite.
constexpr double kMaxDurationSeconds = 366 * 24 * 3600;

// "24h", "7d"-free wording of a bound: whole hours, or seconds.
std::string FormatDuration(double seconds) {
  const auto s = static_cast<long long>(seconds);
  return s % 3600 == 0 ? std::to_string(s / 3600) + "h" : std::to_string(s) + "s";
}

class Walker {
 public:
  Walker(const YamlDocument& doc, ParsedManifest* out, Diagnostics* diagnostics)
      : doc_(doc), out_(out), diagnostics_(diagnostics) {}

  void Top(YamlId root) {
    if (doc_.node(root).kind == Kind::kNull) return;  // an empty document declares nothing
    if (!doc_.node(root).IsMap()) {
      // Not quoted: a file that is no manifest (`--manifest /etc/shadow`) is one long plain
      // scalar, and its contents must not end up on the terminal or in a log.
      Error(root, "expected a mapping for the top of the manifest, got " + doc_.KindName(root) +
                      (doc_.node(root).IsScalar() ? " (is this file a manifest?)" : ""));
      return;
    }
    // Lines of another format often read as top-level keys ("root:x:0:0::" in /etc/passwd):
    // a key that is no name is not quoted, and one such key says enough.
    std::span<const YamlId> top = doc_.children(root);
    for (size_t i = 0; i + 1 < top.size(); i += 2) {
      const YamlNode& key = doc_.node(top[i]);
      if (key.IsScalar() && !IsNameLike(std::string(doc_.Value(top[i])))) {
        Error(top[i], "a top-level key that is not a name: is this file a manifest?");
        return;
      }
    }
    Keys(root, &kTopKeys, {"at the top level"}, [&](const std::string& key, YamlId k, YamlId v) {
      if (key == "plugin_dirs") PluginDirs(v);
      if (key == "resources") Resources(v);
      if (key == "assets") Assets(v);
      if (key == "retry_policy") DefaultRetry(k, v);
      if (key == "schedules") Schedules(v);
      if (key == "alerts") Alerts(k, v);
      if (key == "executor") Executor(k, v);
    }, IsExtensionKey);
  }

  // "x-..." keys at the top level are for the manifest's author (as in docker-compose): a place
  // to define YAML anchors shared by merge keys. Everything else must be known.
  static bool IsExtensionKey(const std::string& key) { return key.rfind("x-", 0) == 0;
  }

  // What a manifest's top-level key can be: a short name of letters, digits and "_-./".
  static bool IsNameLike(const std::string& key) {
    if (key.empty() || key.size() > 128) return false;
    return std::all_of(key.begin(), key.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
             c == '/';
    });
  }

 private:
  void Error(YamlId at, std::string message, std::string suggestion = "") {
    diagnostics_->push_back({doc_.Location(at), std::move(message), std::move(suggestion)});
  }

  // "'five'" for a scalar, else "a list", "a mapping", "null".
  std::string Got(YamlId v) const {
    const YamlNode& n = doc_.node(v);
    return n.IsScalar() ? "'" + std::string(doc_.Value(v)) + "'" : doc_.KindName(v);
  }

  // A null stands for an empty mapping or list ("assets:" with nothing under it).
  bool Expect(YamlId v, Kind kind, const What& what) {
    Kind actual = doc_.node(v).kind;
    if (actual == kind || (actual == Kind::kNull && kind != Kind::kScalar)) return true;
    const char* expected = kind == Kind::kMap        ? "a mapping"
                           : kind == Kind::kSequence ? "a list"
                                                     : "a string";
    Error(v, std::string("expected ") + expected + " for " + what.str() + ", got " + Got(v));
    return false;
  }

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

  bool Scalar(YamlId v, const What& what, std::string* out) {
    if (!Expect(v, Kind::kScalar, what)) return false;
    *out = std::string(doc_.Value(v));
    return true;
  }
  bool Scalar(YamlId v, const What& what, InternedString* out) {
    if (!Expect(v, Kind::kScalar, what)) return false;
    *out = InternedString(doc_.Value(v));
    return true;
  }

  // A list of scalars, sorted and without duplicates; an entry that is not a scalar is an error.
  bool StringList(YamlId v, const What& what, std::vector<std::string>* out) {
    if (!Expect(v, Kind::kSequence, what)) return false;
    bool ok = true;
    for (YamlId item : doc_.children(v)) {
      std::string entry;
      if (Scalar(item, {"an entry of ", what.str()}, &entry)) {
        out->push_back(std::move(entry));
      } else {
        ok = false;
      }
    }
    std::sort(out->begin(), out->end());
    out->erase(std::unique(out->begin(), out->end()), out->end());
    return ok;
  }

  void PluginDirs(YamlId v) {
    if (!Expect(v, Kind::kSequence, {"'plugin_dirs'"})) return;
    std::filesystem::path base = std::filesystem::path(doc_.file()).parent_path();
    for (YamlId item : doc_.children(v)) {
      std::string dir;
      if (!Scalar(item, {"an entry of 'plugin_dirs'"}, &dir)) continue;
      if (dir.empty()) {
        Error(item, "empty entry in 'plugin_dirs' (use '.' for the manifest's own directory)");
        continue;
      }
      // The error_code overload: a path the OS cannot make absolute is an error, not a throw.
      std::error_code ec;
      std::filesystem::path full = std::filesystem::absolute(base / dir, ec);
      if (ec) {
        Error(item, "cannot use plugin directory '" + dir + "': " + ec.message());
        continue;
      }
      std::string absolute = full.lexically_normal().string();
      if (absolute.size() > 1 && absolute.back() == '/') absolute.pop_back();
      auto& dirs = out_->plugin_dirs;
      if (std::find(dirs.begin(), dirs.end(), absolute) == dirs.end()) dirs.push_back(absolute);
    }
  }

  // Registers `key` as the next of `records`; a key seen before (in this file or an earlier
  // one) is reported with both places, and skipped.
  static const SourceLocation& LocationOf(const ParsedResource& r) { return r.def.location; }
  static const SourceLocation& LocationOf(const AssetDef& a) { return a.location; }
  static std::string_view KeyOf(const ParsedResource& r) { return r.def.key; }
  static std::string_view KeyOf(const AssetDef& a) { return a.key; }
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

  void Resources(YamlId v) {
    if (!Expect(v, Kind::kMap, {"'resources'"})) return;
    std::span<const YamlId> c = doc_.children(v);
    for (size_t i = 0; i + 1 < c.size(); i += 2) {
      const std::string key(doc_.Value(c[i]));
      if (!IsName(key)) {
        Error(c[i], "invalid resource key '" + key + "' (want letters, digits and '_')");
        continue;
      }
      if (!Claim(&out_->resource_by_key, out_->resources, key, c[i], "resource")) continue;
      ParsedResource r;
      r.def.key = key;
      r.def.location = doc_.Location(c[i]);
      Resource(c[i], c[i + 1], &r);
      out_->resources.push_back(std::move(r));
    }
  }

  void Resource(YamlId key_id, YamlId v, ParsedResource* r) {
    const std::string owner = "resource '" + r->def.key + "'";
    if (!Expect(v, Kind::kMap, {owner})) return;
    bool has_type = false;
    Keys(v, &kResourceKeys, {"in ", owner}, [&](const std::string& key, YamlId k, YamlId value) {
      What what{"'", key, "' of ", owner};
      if (key == "type" && Scalar(value, what, &r->def.type)) {
        has_type = true;
        r->def.type_location = doc_.Location(value);
      }
      if (key == "config" && Expect(value, Kind::kMap, what)) r->config = {&doc_, k, value};
      if (key == "description") Scalar(value, what, &r->def.description);
    });
    if (!has_type) Error(key_id, "missing required key 'type' in " + owner);
  }

  void Assets(YamlId v) {
    if (!Expect(v, Kind::kMap, {"'assets'"})) return;
    std::span<const YamlId> c = doc_.children(v);
    out_->assets.reserve(out_->assets.size() + c.size() / 2);
    out_->asset_defs.reserve(out_->asset_defs.size() + c.size() / 2);
    out_->asset_by_key.Reserve(out_->asset_by_key.size() + c.size() / 2,
                               [this](uint32_t i) { return KeyOf(out_->asset_defs[i]); });
    std::vector<std::string> segments;  // only to validate: AssetDef::segments() derives them
    for (size_t i = 0; i + 1 < c.size(); i += 2) {
      const std::string key(doc_.Value(c[i]));
      ParsedAsset a;
      AssetDef def;
      if (!SplitAssetKey(key, &segments)) {
        Error(c[i], "invalid asset key '" + key +
                        "' (want segments of letters, digits, '_' "
                        "and '-', separated by '/')");
        continue;
      }
      auto too_long = std::find_if(segments.begin(), segments.end(),
                                   [](const std::string& s) { return s.size() > kMaxKeySegmentBytes; });
      if (too_long != segments.end()) {
        Error(c[i], "asset key segment of " + std::to_string(too_long->size()) +
                        " bytes is too long (at most " + std::to_string(kMaxKeySegmentBytes) +
                        ": stored as a file name, with room for its temp file's suffix)");
        continue;
      }
      if (!Claim(&out_->asset_by_key, out_->asset_defs, key, c[i], "asset")) continue;
      def.key = key;
      def.location = doc_.Location(c[i]);
      Asset(c[i], c[i + 1], &def, &a);
      out_->assets.push_back(std::move(a));
      out_->asset_defs.push_back(std::move(def));
    }
  }

  void Asset(YamlId key_id, YamlId v, AssetDef* asset, ParsedAsset* a) {
    AssetDef& def = *asset;
    const std::string owner = "asset '" + def.key + "'";
    if (!Expect(v, Kind::kMap, {owner})) return;
    bool has_type = false;
    Keys(v, &kAssetKeys, {"in ", owner}, [&](const std::string& key, YamlId k, YamlId value) {
      What what{"'", key, "' of ", owner};
      if (key == "type" && Scalar(value, what, &def.type)) {
        has_type = true;
        def.type_location = doc_.Location(value);
      } else if (key == "inputs") {
        Inputs(value, owner, &def.inputs);
      } else if (key == "config" && Expect(value, Kind::kMap, what)) {
        a->config = {&doc_, k, value};
      } else if (key == "group" && Scalar(value, what, &def.group) && !IsName(def.group)) {
        Error(value, "invalid group name '" + def.group + "' in " + owner +
                         " (want letters, digits and '_')");
      } else if (key == "tags" && Expect(value, Kind::kMap, what)) {
        Keys(value, nullptr, {"in tags of ", owner}, [&](const std::string& tag, YamlId, YamlId t) {
          Scalar(t, {"tag '", tag, "' of ", owner}, &def.mutable_details().tags[tag]);
        });
      } else if (key == "owners" || key == "kinds") {
        AssetDetails& details = def.mutable_details();
        StringList(value, what, key == "owners" ? &details.owners : &details.kinds);
      } else if (key == "code_version") {
        a->has_code_version = Scalar(value, what, &def.code_version);
      } else if (key == "description") {
        Scalar(value, what, &def.mutable_details().description);
      } else if (key == "retry_policy") {
        Retry(value, owner, &def.retry_policy);
      } else if (key == "freshness_policy") {
        Freshness(k, value, owner, &def.mutable_details().freshness_policy);
      } else if (key == "io_manager" && Scalar(value, what, &def.io_manager_key)) {
        a->io_manager_location = doc_.Location(value);
      } else if (key == "isolation") {
        Choice(value, what, {"in_process", "process"},
               {AssetDef::Isolation::kInProcess, AssetDef::Isolation::kProcess}, &def.isolation);
      } else if (key == "timeout") {
        double seconds = 0;
        if (Duration(value, what, /*positive=*/true, &seconds))
          def.mutable_details().timeout_seconds = seconds;
      } else if (key == "max_rss_mb") {
        double mb = 0;
        if (Number(value, what, /*integer=*/true, /*non_negative=*/false, &mb))
          def.mutable_details().max_rss_mb = static_cast<int64_t>(std::min(mb, 9e18));
      } else if (key == "resources") {
        std::optional<JobResources>& resources = def.mutable_details().resources;
        resources = JobResources{};
        Resources(k, value, owner, &*resources);
      }
    });
    if (!has_type) Error(key_id, "missing required key 'type' in " + owner);
  }

  void Inputs(YamlId v, const std::string& owner, std::vector<InputDef>* inputs) {
    if (!Expect(v, Kind::kMap, {"'inputs' of ", owner})) return;
    // Sized once: grown one by one, every asset left a freed block behind between the
    // definitions (issue 12's memory).
    inputs->reserve(inputs->size() + doc_.children(v).size() / 2);
    Keys(v, nullptr, {"in inputs of ", owner}, [&](const std::string& name, YamlId k, YamlId up) {
      InputDef input;
      if (!IsName(name)) {
        Error(k,
              "invalid input name '" + name + "' in " + owner + " (want letters, digits and '_')");
      } else if (Scalar(up, {"input '", name, "' of ", owner}, &input.asset_key)) {
        std::vector<std::string> segments;
        if (!SplitAssetKey(input.asset_key, &segments)) {
          Error(up, "invalid asset key '" + input.asset_key + "' for input '" + name + "' of " +
                        owner +
                        " (want segments of letters, digits, '_' and '-', separated "
                        "by '/')");
          return;
        }
        input.name = name;
        input.location = doc_.Location(up);
        inputs->push_back(std::move(input));
      }
    });
  }

  // A number (>= 0 when `non_negative`, > 0 otherwise); plain or quoted, as the text says.
  bool Number(YamlId v, const What& what, bool integer, bool non_negative, double* out) {
    const YamlNode& n = doc_.node(v);
    PlainScalar s = ResolvePlainScalar(std::string(doc_.Value(v)));
    double x = s.kind == PlainScalar::Kind::kInt ? static_cast<double>(s.i) : s.d;
    bool ok = n.IsScalar() && (s.kind == PlainScalar::Kind::kInt ||
                               (!integer && s.kind == PlainScalar::Kind::kDouble));
    if (ok && (non_negative ? x >= 0 : x > 0)) {
      *out = x;
      return true;
    }
    std::string expected = integer ? (non_negative ? "a non-negative integer" : "a positive integer")
                           : non_negative ? "a non-negative number"
                                          : "a number greater than 0";
    Error(v, "expected " + expected + " for " + what.str() + ", got " + Got(v));
    return false;
  }

  // A duration: seconds, or a number with a unit ('500ms', '5s', '2m', '1h'); > 0 when
  // `positive`, else >= 0; at most `max_seconds`.
  bool Duration(YamlId v, const What& what, bool positive, double* out,
                double max_seconds = kMaxDurationSeconds) {
    const YamlNode& n = doc_.node(v);
    std::optional<double> s =
        n.IsScalar() ? ParseDurationSeconds(std::string(doc_.Value(v))) : std::nullopt;
    if (s && (!positive || *s > 0) && *s > max_seconds) {
      Error(v, "expected a duration of at most " + FormatDuration(max_seconds) + " for " +
                   what.str() + ", got " + Got(v));
      return false;
    }
    if (s && (!positive || *s > 0)) {
      *out = *s;
      return true;
    }
    Error(v, std::string("expected a duration ") + (positive ? "greater than 0 " : "") +
                 "(seconds, or like '500ms', '5s', '2m', '1h') for " + what.str() + ", got " +
                 Got(v));
    return false;
  }

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

  static std::string Upper(std::string s) {
    for (char& c : s)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
  }

  // The top-level `retry_policy:`, the default of every asset without its own: one across all
  // files (a second is reported with the first's place, and ignored).
  void DefaultRetry(YamlId key_id, YamlId v) {
    if (out_->default_retry_location.line != 0) {
      Error(key_id, "duplicate top-level 'retry_policy' (first defined at " +
                        out_->default_retry_location.ToString() + ")");
      return;
    }
    out_->default_retry_location = doc_.Location(key_id);
    Retry(v, "the top level", &out_->default_retry_policy);
  }

  // Dagster's RetryPolicy(max_retries=1, delay=None, backoff=None, jitter=None); `out` is left
  // unset when anything in it is wrong.
  void Retry(YamlId v, const std::string& owner, std::shared_ptr<const RetryPolicy>* out) {
    if (!Expect(v, Kind::kMap, {"'retry_policy' of ", owner})) return;
    RetryPolicy p;
    p.max_retries = 1;  // Dagster's default
    bool has_delay = false, ok = true;
    std::vector<YamlId> needs_delay;
    Keys(v, &kRetryKeys, {"in retry_policy of ", owner},
         [&](const std::string& key, YamlId k, YamlId value) {
           What what{"'", key, "' of ", owner};
           if (key == "max_retries") {
             double n = 0;
             bool valid = Number(value, what, /*integer=*/true, /*non_negative=*/true, &n);
             if (valid && n > kMaxRetries) {
               Error(value, "expected at most " + std::to_string(kMaxRetries) + " for " +
                                what.str() + ", got " + Got(value) +
                                " (bound the total time with 'deadline' instead)");
               valid = false;
             }
             ok &= valid;
             if (valid) p.max_retries = static_cast<int>(n);
           } else if (key == "delay") {
             has_delay = true;
             ok &= Duration(value, what, /*positive=*/false, &p.delay_seconds,
                            kMaxRetryDelaySeconds);
           } else if (key == "deadline") {
             ok &= Duration(value, what, /*positive=*/true, &p.deadline_seconds,
                            kMaxRetryDeadlineSeconds);
           } else if (key == "backoff") {
             needs_delay.push_back(k);
             ok &= Choice(value, what, {"linear", "exponential"},
                          {RetryPolicy::Backoff::kLinear, RetryPolicy::Backoff::kExponential},
                          &p.backoff, /*upper_too=*/true);
           } else if (key == "jitter") {
             needs_delay.push_back(k);
             ok &= Choice(value, what, {"full", "plus_minus"},
                          {RetryPolicy::Jitter::kFull, RetryPolicy::Jitter::kPlusMinus}, &p.jitter,
                          /*upper_too=*/true);
           }
         });
    if (!has_delay) {
      for (YamlId k : needs_delay)
        Error(k, std::string("'").append(doc_.Value(k)).append("' needs a 'delay' in ").append(
                     "retry_policy of " + owner));
      ok &= needs_delay.empty();
    }
    if (ok) *out = std::make_shared<const RetryPolicy>(p);
  }

  void Freshness(YamlId key_id, YamlId v, const std::string& owner,
                 std::optional<FreshnessPolicy>* out) {
    if (!Expect(v, Kind::kMap, {"'freshness_policy' of ", owner})) return;
    FreshnessPolicy p;
    bool has_lag = false, given_lag = false, ok = true;
    YamlId zone_key = 0, warn_value = 0;
    Keys(v, &kFreshnessKeys, {"in freshness_policy of ", owner},
         [&](const std::string& key, YamlId k, YamlId value) {
           What what{"'", key, "' of ", owner};
           if (key == "maximum_lag_minutes") {
             given_lag = true;
             has_lag = Number(value, what, /*integer=*/false, /*non_negative=*/false,
                              &p.maximum_lag_minutes);
           } else if (key == "cron_schedule") {
             ok &= Cron(value, what, &p.cron_schedule);
           } else if (key == "cron_schedule_timezone") {
             zone_key = k;
             ok &= Zone(value, what, &p.cron_schedule_timezone);
           } else if (key == "warn_after_minutes") {
             double warn = 0;
             warn_value = value;
             if (Number(value, what, /*integer=*/false, /*non_negative=*/false, &warn))
               p.warn_after_minutes = warn;
             else
               ok = false;
           }
         });
    if (!given_lag)
      Error(key_id, "missing required key 'maximum_lag_minutes' in freshness_policy of " + owner);
    // As Dagster: a time zone without a schedule means nothing.
    if (zone_key != 0 && p.cron_schedule.empty()) {
      ok = false;
      Error(zone_key, "'cron_schedule_timezone' needs a 'cron_schedule' in freshness_policy of " +
                          owner);
    }
    if (has_lag && p.warn_after_minutes && *p.warn_after_minutes >= p.maximum_lag_minutes) {
      ok = false;
      Error(warn_value, "'warn_after_minutes' must be less than 'maximum_lag_minutes' (" +
                            FormatNumber(p.maximum_lag_minutes) + ") in freshness_policy of " +
                            owner);
    }
    if (ok && has_lag) *out = p;
  }

  static std::string FormatNumber(double x) {
    std::ostringstream out;
    out << x;
    return out.str();
  }

  // A cron string (schedule/cron.h); an error points at the bad field inside the value.
  bool Cron(YamlId v, const What& what, std::string* out) {
    if (!Scalar(v, what, out)) return false;
    CronError error;
    if (CronSchedule::Parse(*out, &error)) return true;
    const YamlNode& n = doc_.node(v);
    SourceLocation at = doc_.Location(v);
    if (at.line != 0) at.column += static_cast<int>(error.offset) + (n.plain ? 0 : 1);
    diagnostics_->push_back({at, error.message + " in " + what.str(), ""});
    return false;
  }

  bool Zone(YamlId v, const What& what, std::string* out) {
    if (!Scalar(v, what, out)) return false;
    auto zone = FindTimeZone(*out);
    if (zone.ok()) return true;
    Error(v, zone.status().message() + " for " + what.str());
    return false;
  }

  void Schedules(YamlId v) {
    if (!Expect(v, Kind::kMap, {"'schedules'"})) return;
    std::span<const YamlId> c = doc_.children(v);
    for (size_t i = 0; i + 1 < c.size(); i += 2) {
      const std::string name(doc_.Value(c[i]));
      if (!IsName(name, /*dash=*/true)) {
        Error(c[i], "invalid schedule name '" + name + "' (want letters, digits, '_' and '-')");
        continue;
      }
      if (auto it = out_->schedules.find(name); it != out_->schedules.end()) {
        Error(c[i], "duplicate schedule '" + name + "' (first defined at " +
                        it->second.location.ToString() + ")");
        continue;
      }
      ScheduleDef def;
      def.name = name;
      def.location = doc_.Location(c[i]);
      const std::string owner = "schedule '" + name + "'";
      if (!Expect(c[i + 1], Kind::kMap, {owner})) continue;
      bool has_cron = false, ok = true;
      Keys(c[i + 1], &kScheduleKeys, {"in ", owner},
           [&](const std::string& key, YamlId, YamlId value) {
             What what{"'", key, "' of ", owner};
             std::string ignored;
             if (key == "cron") {
               has_cron = true;
               ok &= Cron(value, what, &def.cron);
             } else if (key == "timezone") {
               ok &= Zone(value, what, &def.timezone);
             } else if (key == "select") {
               ok &= Scalar(value, what, &def.selection);
               def.selection_location = doc_.Location(value);
             } else if (key == "description") {
               ok &= Scalar(value, what, &ignored);
             }
           });
      if (!has_cron) Error(c[i], "missing required key 'cron' in " + owner);
      if (ok && has_cron) out_->schedules.emplace(name, std::move(def));
    }
  }

  // `alerts: { command: "...", webhook: URL | { url, retries, timeout } }`, one across files.
  void Executor(YamlId key_id, YamlId v) {
    ExecutorDef& e = out_->executor;
    if (e.location.line != 0) {
      Error(key_id, "duplicate top-level 'executor' (first defined at " + e.location.ToString() +
                        ")");
      return;
    }
    e.location = doc_.Location(key_id);
    if (!Expect(v, Kind::kMap, {"'executor'"})) return;
    Keys(v, &kExecutorKeys, {"in executor"}, [&](const std::string& key, YamlId k, YamlId x) {
      What what{"'", key, "' of executor"};
      double n = 0;
      if (key == "type") {
        Choice(x, what, {"in_process", "multiprocess", "slurm"},
               {std::string("in_process"), std::string("multiprocess"), std::string("slurm")},
               &e.type);
      } else if (key == "max_jobs") {
        if (Number(x, what, /*integer=*/true, /*non_negative=*/false, &n))
          e.max_jobs = static_cast<int>(std::min(n, 100000.0));
      } else if (key == "infra_retries") {
        if (Number(x, what, /*integer=*/true, /*non_negative=*/true, &n))
          e.infra_retries = static_cast<int>(std::min(n, 100.0));
      } else if (key == "poll_interval") {
        Duration(x, what, /*positive=*/true, &e.poll_interval_seconds, 3600);
      } else if (key == "exit_grace") {
        Duration(x, what, /*positive=*/true, &e.exit_grace_seconds, 24 * 3600);
      } else if (key == "heartbeat_timeout") {
        Duration(x, what, /*positive=*/true, &e.heartbeat_timeout_seconds, 24 * 3600);
      } else if (key == "resources") {
        Resources(k, x, "executor", &e.resources);
      }
    });
  }

  // A cluster job's `resources:` of `owner` ("asset 'a'", "executor").
  void Resources(YamlId key_id, YamlId v, const std::string& owner, JobResources* r) {
    r->location = doc_.Location(key_id);
    if (!Expect(v, Kind::kMap, {"'resources' of ", owner})) return;
    Keys(v, &kJobResourceKeys, {"in resources of ", owner},
         [&](const std::string& key, YamlId, YamlId x) {
      What what{"'", key, "' of the resources of ", owner};
      if (key == "cpus") {
        double n = 0;
        if (Number(x, what, /*integer=*/true, /*non_negative=*/false, &n))
          r->cpus = static_cast<int>(std::min(n, 1e6));
      } else if (key == "mem") {
        if (Scalar(x, what, &r->mem) && !IsSlurmMemory(r->mem)) {
          Error(x, "expected a memory size like '512M' or '2G' for " + what.str() + ", got " + Got(x));
          r->mem.clear();
        }
      } else if (key == "time") {
        if (Scalar(x, what, &r->time) && !IsSlurmTime(r->time)) {
          Error(x, "expected a Slurm time limit ('30' minutes, '10:00', '1:00:00', "
                   "'1-00:00:00') for " + what.str() + ", got " + Got(x));
          r->time.clear();
        }
      } else if (key == "extra") {
        if (!Expect(x, Kind::kSequence, what)) return;
        for (YamlId item : doc_.children(x)) {
          std::string flag;
          if (!Scalar(item, {"an entry of ", what.str()}, &flag)) continue;
          const std::string name = flag.substr(0, flag.find('='));
          if (flag.rfind("-", 0) != 0) {
            Error(item, "expected an sbatch option like '--constraint=fast' in " + what.str() +
                            ", got " + Got(item));
          } else if (std::find(kReservedSbatchOptions.begin(), kReservedSbatchOptions.end(),
                               name) != kReservedSbatchOptions.end()) {
            Error(item, "sbatch option '" + name + "' in " + what.str() +
                            " is set by assetflow itself");
          } else {
            r->extra.push_back(flag);
          }
        }
      } else {
        std::string* field = key == "partition" ? &r->partition
                             : key == "account" ? &r->account
                             : key == "qos"     ? &r->qos
                                                : &r->gres;
        if (Scalar(x, what, field) && (field->empty() || field->find_first_of(" \t\n") != std::string::npos)) {
          Error(x, "expected a name without spaces for " + what.str() + ", got " + Got(x));
          field->clear();
        }
      }
    });
  }

  static bool IsSlurmMemory(const std::string& s) {
    size_t digits = 0;
    while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
    if (digits == 0 || digits > 12) return false;
    return digits == s.size() ||
           (digits + 1 == s.size() && std::string("KMGTkmgt").find(s.back()) != std::string::npos);
  }
  // [D-]HH[:MM[:SS]] or MM[:SS] (sbatch --time), digits only between the separators.
  static bool IsSlurmTime(const std::string& s) {
    std::string rest = s;
    const size_t dash = s.find('-');
    if (dash != std::string::npos) {
      if (dash == 0 || dash > 4 || !std::all_of(s.begin(), s.begin() + dash, ::isdigit)) return false;
      rest = s.substr(dash + 1);
    }
    int parts = 0;
    std::stringstream in(rest);
    for (std::string p; std::getline(in, p, ':');) {
      if (p.empty() || p.size() > 6 || !std::all_of(p.begin(), p.end(), ::isdigit)) return false;
      ++parts;
    }
    return parts >= 1 && parts <= 3 && rest.back() != ':';
  }

  void Alerts(YamlId key_id, YamlId v) {
    AlertSinks& a = out_->alerts;
    if (a.location.line != 0) {
      Error(key_id, "duplicate top-level 'alerts' (first defined at " + a.location.ToString() +
                        ")");
      return;
    }
    a.location = doc_.Location(key_id);
    if (!Expect(v, Kind::kMap, {"'alerts'"})) return;
    Keys(v, &kAlertKeys, {"in alerts"}, [&](const std::string& key, YamlId, YamlId value) {
      if (key == "command") Scalar(value, {"'command' of alerts"}, &a.command);
      if (key != "webhook") return;
      if (doc_.node(value).IsScalar()) {
        Url(value, &a.webhook_url);
        return;
      }
      if (!Expect(value, Kind::kMap, {"'webhook' of alerts"})) return;
      bool has_url = false;
      Keys(value, &kWebhookKeys, {"in the webhook of alerts"},
           [&](const std::string& k, YamlId, YamlId x) {
             What what{"'", k, "' of the webhook of alerts"};
             if (k == "url") has_url = Url(x, &a.webhook_url);
             if (k == "retries") {
               double n = 0;
               if (Number(x, what, /*integer=*/true, /*non_negative=*/true, &n))
                 a.webhook_retries = static_cast<int>(std::min(n, 100.0));
             }
             if (k == "timeout") Duration(x, what, /*positive=*/true, &a.webhook_timeout_seconds);
           });
      if (!has_url && a.webhook_url.empty())
        Error(value, "missing required key 'url' in the webhook of alerts");
    });
  }

  bool Url(YamlId v, std::string* out) {
    std::string url;
    if (!Scalar(v, {"the webhook's url in alerts"}, &url)) return false;
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      // The value may hold a token: say what is wrong without echoing it.
      Error(v, "expected an http:// or https:// URL for the webhook of alerts");
      return false;
    }
    *out = url;
    return true;
  }

  const YamlDocument& doc_;
  ParsedManifest* out_;
  Diagnostics* diagnostics_;
};

}  // namespace

bool SplitAssetKey(const std::string& key, std::vector<std::string>* segments) {
  segments->clear();
  for (std::string_view segment : SplitKeySegments(key)) {
    if (!IsName(std::string(segment), /*dash=*/true)) return false;
    segments->emplace_back(segment);
  }
  return true;
}

void ParseManifestDocument(const YamlDocument& doc, ParsedManifest* out, Diagnostics* diagnostics) {
  Walker walker(doc, out, diagnostics);
  for (YamlId root : doc.roots()) walker.Top(root);
}

}  // namespace af
