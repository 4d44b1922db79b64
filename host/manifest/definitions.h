// Definitions: what the manifests say, after merging, expansion and validation. Produced by
// the manifest loader, read by the graph, planner and engine. Plain data (its accessors only
// read or lay it out), self-contained: usable after the plugins are gone.
#ifndef ASSETFLOW_HOST_MANIFEST_DEFINITIONS_H_
#define ASSETFLOW_HOST_MANIFEST_DEFINITIONS_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostic.h"

namespace af {

// Dagster's RetryPolicy: delay before retry n (1-based) is
//   linear: n*delay; exponential: (2^n - 1)*delay; none: delay;
//   jitter full: random*computed; plus_minus: computed + (2*random - 1)*delay.
// A manifest's `retry_policy:` without `max_retries` means 1 (Dagster's default); this struct's
// own default, 0, is "no policy" (the executor's fallback).
// Bounds assetflow adds to Dagster's policy, so no manifest can make a step retry without end
// or sleep past the heat death of the sun: `max_retries` and `delay` beyond them are manifest
// errors, a computed delay (exponential backoff) is capped at kMaxRetryDelaySeconds, and no
// retry starts once `deadline` (since the step's first attempt began) has passed.
constexpr int kMaxRetries = 1000;
constexpr double kMaxRetryDelaySeconds = 24 * 3600;
constexpr double kDefaultRetryDeadlineSeconds = 3600;
constexpr double kMaxRetryDeadlineSeconds = 7 * 24 * 3600;

struct RetryPolicy {
  enum class Backoff { kNone, kLinear, kExponential };
  enum class Jitter { kNone, kFull, kPlusMinus };
  int max_retries = 0;
  double delay_seconds = 0;
  Backoff backoff = Backoff::kNone;
  Jitter jitter = Jitter::kNone;
  // `retry_policy: { deadline: 2h }`: time after which a failed attempt is not retried any more.
  // It never stops a running attempt (that is `timeout`).
  double deadline_seconds = kDefaultRetryDeadlineSeconds;
};

// Dagster's (legacy) FreshnessPolicy, plus a WARN threshold (the new time_window policy's
// warn_window): WARN once the data is more than warn_after_minutes behind, FAIL past
// maximum_lag_minutes. freshness/freshness.h evaluates it.
struct FreshnessPolicy {
  double maximum_lag_minutes = 0;
  std::string cron_schedule;                   // empty = evaluated continuously
  std::string cron_schedule_timezone = "UTC";  // an IANA name; only with a cron_schedule
  std::optional<double> warn_after_minutes;    // 0 < warn < maximum_lag
};

// std::optional's interface for a large value that is rarely set: a pointer (8 bytes) when
// unset instead of the whole value (AssetDef's details, of which a manifest may have 100,000).
// Copies deep-copy; the value lives on the heap.
template <class T>
class HeapOptional {
 public:
  HeapOptional() = default;
  HeapOptional(std::nullopt_t) {}  // NOLINT: as std::optional
  HeapOptional(const T& value) : value_(std::make_unique<T>(value)) {}  // NOLINT
  HeapOptional(T&& value) : value_(std::make_unique<T>(std::move(value))) {}  // NOLINT
  HeapOptional(const HeapOptional& other)
      : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
  HeapOptional(HeapOptional&&) noexcept = default;
  HeapOptional& operator=(const HeapOptional& other) {
    if (this != &other) value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
    return *this;
  }
  HeapOptional& operator=(HeapOptional&&) noexcept = default;
  HeapOptional& operator=(std::nullopt_t) {
    value_.reset();
    return *this;
  }

  bool has_value() const { return value_ != nullptr; }
  explicit operator bool() const { return has_value(); }
  const T& operator*() const { return *value_; }
  T& operator*() { return *value_; }
  const T* operator->() const { return value_.get(); }
  T* operator->() { return value_.get(); }
  const T& value() const {
    if (!value_) throw std::bad_optional_access();
    return *value_;
  }
  void reset() { value_.reset(); }

 private:
  std::unique_ptr<T> value_;
};

// A top-level `schedules:` entry: runs `selection` at each tick of `cron` in `timezone`.
struct ScheduleDef {
  std::string name;
  std::string cron;                // validated (schedule/cron.h), macros allowed
  std::string timezone = "UTC";    // validated against the tz database
  std::string selection = "*";     // graph/selection.h syntax, checked against the graph
  SourceLocation location;         // of the schedule's name
  SourceLocation selection_location;
};

// The top-level `alerts:` (at most one across files): where alerts go besides the log.
struct AlertSinks {
  // Run with /bin/sh -c, the alert as one JSON object on stdin; empty = none.
  std::string command;
  // HTTP POST of the alert JSON (Content-Type: application/json); empty = none. It may hold a
  // token: never printed whole (AlertSinks users show only its scheme and host).
  std::string webhook_url;
  int webhook_retries = 3;          // retries after the first attempt (>= 0)
  double webhook_timeout_seconds = 10;
  SourceLocation location;          // of `alerts`
};

// What a cluster job of an asset asks for: an asset's `resources:` (field by field over the
// `resources:` of the top-level `executor:`). Empty / 0 = not given. Only the Slurm executor
// uses them (sbatch's --cpus-per-task, --mem, --time, --partition, --account, --qos, --gres,
// then `extra` as given).
struct JobResources {
  int cpus = 0;
  std::string mem;        // "512M", "2G" (a number with an optional K, M, G or T)
  std::string time;       // Slurm's forms: "30", "10:00", "1:00:00", "1-00:00:00"
  std::string partition, account, qos, gres;
  std::vector<std::string> extra;  // "--option[=value]", in order; never one assetflow sets
  SourceLocation location;         // of the `resources` key; line 0 when not given
};

// The top-level `executor:` (at most one across files): where `materialize` runs steps by
// default, and how a cluster executor behaves. Zero / empty = the executor's own default.
struct ExecutorDef {
  std::string type;                 // "in_process", "multiprocess", "slurm"; "" = not given
  int max_jobs = 0;                 // cluster jobs in flight per run
  double poll_interval_seconds = 0; // between two queue queries
  double exit_grace_seconds = 0;    // a job gone with no result is lost after this
  double heartbeat_timeout_seconds = 0;
  int infra_retries = -1;           // per step; -1 = default
  JobResources resources;           // every asset's defaults
  SourceLocation location;          // of `executor`
};

// A resource (today: an IO manager) instantiated from a plugin definition.
struct ResourceDef {
  std::string key;   // "io_manager", "hn_io_manager"
  std::string type;  // "<plugin>/<definition>"
  std::string config_json = "{}";  // validated against the definition's schema, defaults filled
  std::string description;
  // Top-level config keys the definition's schema marks secret (DefinitionInfo): masked in
  // everything recorded or printed (common/redact.h). Sorted, unique.
  std::vector<std::string> secret_config_keys;
  SourceLocation location;         // of the resource's key
  SourceLocation type_location;
};

struct InputDef {
  InternedString name;    // the name the plugin opens it by
  std::string asset_key;  // the upstream asset
  SourceLocation location;  // of the upstream key in the manifest
};

// The top-level config keys an asset type's schema marks (DefinitionInfo), sorted and unique.
// The same for every asset of a type, so the loader shares one block per type among them.
struct ConfigKeys {
  // Keys that cannot change the output: left out of the config that is recorded, hashed and
  // compared for staleness (VersionedConfigJson in eventlog/hash.h).
  std::vector<std::string> unversioned;
  // Keys marked secret: masked in the recorded config, in events, logs and errors; still part
  // of the config hash (common/redact.h).
  std::vector<std::string> secret;
};

// What few assets set: an AssetDef holds it out of line, and not at all when none is set.
struct AssetDetails {
  std::map<std::string, std::string> tags;
  // `owners: [team:data, a@b.com]` and `kinds: [python, s3]`: strings, sorted and unique, as
  // Dagster's owners and kinds (selected by `owner:` and `kind:`).
  std::vector<std::string> owners;
  std::vector<std::string> kinds;
  std::string description;
  std::optional<FreshnessPolicy> freshness_policy;
  std::optional<double> timeout_seconds;  // `timeout: 30s` (a duration > 0); unset = no limit
  std::optional<int64_t> max_rss_mb;      // `max_rss_mb: 512` (> 0); unset = no limit
  // `resources:` (a cluster job's), over the executor's; unset when the asset has none.
  std::optional<JobResources> resources;
};

// "a/b/c" -> {"a","b","c"}: split at '/' only (manifest_parser.h's SplitAssetKey also validates
// the segments). Views into `key`.
inline std::vector<std::string_view> SplitKeySegments(std::string_view key) {
  std::vector<std::string_view> segments;
  for (size_t start = 0;;) {
    const size_t slash = key.find('/', start);
    segments.push_back(key.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) return segments;
    start = slash + 1;
  }
}

// A manifest may define 100,000 assets, and their definitions live for the whole run: the
// values repeated across assets (type, group, IO manager, code version, input names) are
// interned, those the same for many assets (config keys, retry policy) are shared immutable
// blocks, and what few assets set is one block out of line (details()).
struct AssetDef {
  std::string key;                    // "a/b/c": segments of [A-Za-z0-9_-]
  InternedString type;                // "<plugin>/<definition>"
  std::vector<InputDef> inputs;       // sorted by name
  std::string config_json = "{}";     // validated, defaults filled
  // From the definition's schema; null when it marks none (the accessors below read it).
  std::shared_ptr<const ConfigKeys> config_keys;
  InternedString group = "default";
  InternedString code_version;  // manifest's code_version, else the definition's, else ""
  // Its own `retry_policy:`, else the manifests' top-level one (then the block is shared by
  // every asset without its own), else null (no retries).
  std::shared_ptr<const RetryPolicy> retry_policy;
  InternedString io_manager_key = "io_manager";
  // Its definition is an observable source asset: it records a data version, stores nothing.
  bool observable = false;
  // Where the asset's steps run: `isolation: in_process | process`; kDefault leaves it to the
  // runner's choice.
  enum class Isolation { kDefault, kInProcess, kProcess };
  Isolation isolation = Isolation::kDefault;
  SourceLocation location;       // of the asset's key
  SourceLocation type_location;

  // {"a","b","c"} for "a/b/c": views into `key`, valid while it is unchanged.
  std::vector<std::string_view> segments() const { return SplitKeySegments(key); }
  const std::vector<std::string>& unversioned_config_keys() const {
    return config_keys ? config_keys->unversioned : NoConfigKeys().unversioned;
  }
  const std::vector<std::string>& secret_config_keys() const {
    return config_keys ? config_keys->secret : NoConfigKeys().secret;
  }
  // The rarely set fields: an empty AssetDetails (shared) when the asset sets none of them.
  const AssetDetails& details() const { return details_ ? *details_ : NoDetails(); }
  // For writing them: the asset's own block, created empty on first use.
  AssetDetails& mutable_details() {
    if (!details_) details_ = AssetDetails{};
    return *details_;
  }

 private:
  static const AssetDetails& NoDetails() {
    static const AssetDetails kNone;
    return kNone;
  }
  static const ConfigKeys& NoConfigKeys() {
    static const ConfigKeys kNone;
    return kNone;
  }
  HeapOptional<AssetDetails> details_;  // unset: 8 bytes; copies deep-copy it
};
// The 100,000-asset memory target (peak RSS <= 100 MiB, bench/BENCHMARKS.md): the definitions
// array lives for the whole run, so a field every asset pays for must earn its place here.
static_assert(sizeof(AssetDef) <= 200, "AssetDef grew: put what few assets set in AssetDetails");

// Everything the manifests define. Contract: `assets` is sorted by key, strictly (std::string's
// <, no duplicates). The loader makes it so; a hand-built Definitions must too (AssetGraph::Build
// rejects one that is not). Lookups by key are a binary search over `assets`: no per-asset index.
struct Definitions {
  std::vector<AssetDef> assets;
  std::map<std::string, ResourceDef> resources;
  std::vector<std::string> plugin_dirs;  // absolute, in manifest order
  std::vector<std::string> files;        // the manifest files read, in order
  std::map<std::string, ScheduleDef> schedules;  // by name
  AlertSinks alerts;
  ExecutorDef executor;

  // The index in `assets` of the asset `key`, if there is one. O(log n).
  std::optional<size_t> IndexOf(std::string_view key) const {
    auto it = std::lower_bound(assets.begin(), assets.end(), key,
                               [](const AssetDef& a, std::string_view k) { return a.key < k; });
    if (it == assets.end() || it->key != key) return std::nullopt;
    return static_cast<size_t>(it - assets.begin());
  }
  const AssetDef* FindAsset(std::string_view key) const {
    const std::optional<size_t> i = IndexOf(key);
    return i ? &assets[*i] : nullptr;
  }
};

// What the plugins offer, as the manifest loader needs it to validate types and config.
// Built by the plugin registry; the loader never sees plugin code.
// An input a definition declares (af_input_declaration).
struct DeclaredInput {
  std::string name;
  std::string description;
  bool optional = false;
};

struct DefinitionInfo {
  std::string config_schema;  // JSON Schema text; empty = no config allowed
  std::string code_version;
  bool observable = false;    // an observable source asset (AF_ASSET_OBSERVABLE)
  // The schema's top-level properties annotated "x-assetflow-no-version": true (sorted,
  // unique); the loader shares them with the type's assets (AssetDef::config_keys).
  std::vector<std::string> unversioned_config_keys = {};
  // The schema's top-level properties marked secret: "x-assetflow-secret": true,
  // "writeOnly": true or "format": "password" (sorted, unique).
  std::vector<std::string> secret_config_keys = {};
  // The inputs an asset definition declares (sorted by name); nullopt when it declares none
  // (an ABI 1.0 plugin): then any `inputs:` are accepted.
  std::optional<std::vector<DeclaredInput>> declared_inputs = std::nullopt;
  // An IO manager that stores but cannot load (AF_IO_MANAGER_WRITE_ONLY).
  bool write_only = false;
};
struct TypeCatalog {
  std::map<std::string, DefinitionInfo> assets;       // "<plugin>/<definition>"
  std::map<std::string, DefinitionInfo> io_managers;  // "<plugin>/<definition>"
};

}  // namespace af

#endif
