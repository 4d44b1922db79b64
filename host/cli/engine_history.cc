// What the event log knows: `status [--why] [ASSET]`, `runs`, `logs RUN_ID`, and `wipe ASSET...`.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <ctime>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/engine_cli.h"
#include "cli/table.h"
#include "common/json_field.h"
#include "common/diagnostic.h"
#include "common/redact.h"
#include "engine/event_sink.h"
#include "engine/io_managers.h"
#include "engine/recovery.h"
#include "slurm/slurm_resume.h"
#include "staleness/staleness.h"
#include <assetflow/cpp/json.hpp>

namespace af {

std::unique_ptr<EventLog> OpenEventLogOrReport(const std::string& home) {
  auto log = EventLog::Open(home);
  if (!log.ok()) {
    std::cerr << "error: cannot open the event log in " << home << ": " << log.status().message()
              << "\n";
    return nullptr;
  }
  return std::move(*log);
}

bool ReportDamage(EventLog& log) {
  const Status damage = log.Damage();
  if (damage.ok()) return false;
  std::cerr << "error: " << damage.message() << "\n";
  return true;
}

void RecoverRunsOrReport(EventLog& log, const std::string& home, const Workspace* ws) {
  std::unique_ptr<IoManagerSet> io;
  if (ws) {
    auto resolved = IoManagerSet::Resolve(ws->definitions(), ws->plugins());
    if (resolved.ok()) io = std::move(*resolved);
  }
  std::vector<RecoveredRun> recovered;
  Status s = RecoverAbandonedRuns(
      log, home, io.get(), &recovered,
      [](const std::string& h, const std::string& run, const std::vector<EventRecord>& events) {
        return SlurmRunInFlight(h, run, events);
      });
  for (const RecoveredRun& r : recovered) {
    if (!r.in_flight.empty()) {
      std::cerr << "note: run " << r.run_id << " lost its host (" << r.reason
                << "); still in flight: " << r.in_flight << ": resume it with `assetflow resume "
                << r.run_id << "`\n";
      continue;
    }
    std::cerr << "note: run " << r.run_id << " did not finish (" << r.reason
              << "); recorded it FAILED";
    if (!r.failed_steps.empty()) {
      std::cerr << " with " << r.failed_steps.size() << " failed step"
                << (r.failed_steps.size() == 1 ? "" : "s");
    }
    if (r.published) std::cerr << "; published " << r.published << " recorded version(s)";
    std::cerr << "\n";
  }
  if (!s.ok()) std::cerr << "warning: recovering abandoned runs: " << s.message() << "\n";
}

std::unique_ptr<EventLog> OpenRecoveredLog(const GlobalOptions& options, const Workspace* ws) {
  const std::string home = ws ? ws->home() : ResolveHome(options.home);
  auto log = OpenEventLogOrReport(home);
  if (!log) return nullptr;
  if (ws) {
    RecoverRunsOrReport(*log, home, ws);
    return log;
  }
  // Commands that need no manifests still end dead runs; their storage is recovered too when
  // the manifests load (quietly: their errors are not this command's). Loaded only when there
  // is something to recover, so `runs` and `logs` stay a database read.
  if (log->AbandonedRuns().empty() && log->RunsPendingStorageRecovery().empty()) return log;
  Diagnostics ignored;
  auto workspace = Workspace::Open(ToWorkspaceOptions(options, false), &ignored);
  RecoverRunsOrReport(*log, home, workspace.ok() ? workspace->get() : nullptr);
  return log;
}

size_t FindAssetOrReport(const Workspace& ws, const std::string& key) {
  if (std::optional<size_t> i = ws.definitions().IndexOf(key)) return *i;
  std::vector<std::string> keys;
  for (const AssetDef& a : ws.definitions().assets) keys.push_back(a.key);
  const std::string near = NearestName(key, keys);
  std::cerr << EscapeControlBytes("error: unknown asset '" + key + "'" + DidYouMean(near)) << "\n";
  return static_cast<size_t>(-1);
}

namespace {
// One JSON object on one line; Field writes a string member of any length.
struct JsonLineWriter {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
  void Field(const char* key, const std::string& value) { JsonField(writer, key, value); }
};
}  // namespace

std::string EventJsonLine(const EventRecord& e) {
  JsonLineWriter json;
  auto& w = json.writer;
  w.StartObject();
  json.Field("run_id", e.run_id);
  json.Field("asset", e.asset_key);
  json.Field("type", e.type);
  json.Field("time", FormatTime(e.time_ms));
  w.Key("time_ms");
  w.Int64(e.time_ms);
  // Masked again by shape: history recorded before secrets were masked may hold URL
  // credentials (what the engine records now is masked already; this is idempotent).
  json.Field("message", RedactUrls(e.message));
  w.Key("data");
  rapidjson::Document d;
  const std::string data = RedactUrls(e.data_json);
  if (data.empty() || !assetflow::ParseJson(d, data)) {
    w.StartObject();
    w.EndObject();
  } else {
    w.RawValue(data.c_str(), data.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  return json.buffer.GetString();
}

std::string FormatTime(int64_t ms) {
  if (ms <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03d UTC", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string FormatTimeOfDay(int64_t ms) {
  const std::string full = FormatTime(ms);
  return full.size() > 11 ? full.substr(11, 12) : full;
}

std::string FormatDuration(int64_t ms) {
  char buf[32];
  if (ms < 1000) std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(ms));
  else if (ms < 60000) std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000.0);
  else std::snprintf(buf, sizeof buf, "%lld min %02lld s", static_cast<long long>(ms / 60000),
                     static_cast<long long>(ms / 1000 % 60));
  return buf;
}

namespace {

std::string Short(const std::string& version) { return version.substr(0, 12); }

// The one-line reason shown in the status table.
std::string Why(const AssetStatus& s) {
  switch (s.state) {
    case AssetState::kStale: {
      std::string why = s.causes.front().detail;
      if (s.causes.size() > 1) why += " (+" + std::to_string(s.causes.size() - 1) + " more)";
      return why;
    }
    case AssetState::kFailed: return s.last_attempt ? RedactUrls(s.last_attempt->message) : "";
    case AssetState::kMissing: return "never materialized";
    default: return "";
  }
}

void PrintAssetStatus(const std::string& key, const AssetStatus& s) {
  std::cout << "asset:   " << key << "\nstatus:  " << AssetStateName(s.state) << "\n";
  for (const StaleCause& c : s.causes) std::cout << "  - " << c.detail << "\n";
  if (s.state == AssetState::kFailed && s.last_attempt) {
    std::cout << "last attempt failed: " << RedactUrls(s.last_attempt->message) << "\n"
              << "  run:  " << s.last_attempt->run_id << "\n"
              << "  time: " << FormatTime(s.last_attempt->time_ms) << "\n";
  }
  if (!s.last) {
    std::cout << "last materialization: none\n";
    return;
  }
  const MaterializationRecord& m = *s.last;
  std::cout << "last materialization:\n"
            << "  run:          " << m.run_id << "\n"
            << "  time:         " << FormatTime(m.time_ms) << "\n"
            << "  data version: " << m.data_version << "\n"
            << "  code version: " << (m.code_version.empty() ? "(none)" : m.code_version) << "\n"
            << "  config hash:  " << m.config_hash << "\n";
  for (const auto& [up, version] : m.upstream_data_versions)
    std::cout << "  upstream:     " << up << " @ " << Short(version) << "\n";
  if (!m.metadata.empty()) std::cout << "  metadata:\n";
  for (const MetadataEntry& e : m.metadata)
    std::cout << "    " << e.key << " (" << e.type << "): " << e.value << "\n";
}

// One asset's status as one JSON object (for --log-format json).
std::string StatusJsonLine(const std::string& key, const AssetStatus& s) {
  JsonLineWriter json;
  auto& w = json.writer;
  w.StartObject();
  json.Field("asset", key);
  json.Field("status", AssetStateName(s.state));
  w.Key("causes");
  w.StartArray();
  for (const StaleCause& c : s.causes) w.String(c.detail.c_str());
  w.EndArray();
  w.Key("last_materialization");
  if (s.last) {
    w.StartObject();
    json.Field("run_id", s.last->run_id);
    w.Key("time_ms");
    w.Int64(s.last->time_ms);
    json.Field("data_version", s.last->data_version);
    json.Field("code_version", s.last->code_version);
    json.Field("config_hash", s.last->config_hash);
    w.Key("metadata");
    const std::string metadata = MetadataJson(s.last->metadata);
    w.RawValue(metadata.c_str(), metadata.size(), rapidjson::kArrayType);
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("last_attempt");
  if (s.last_attempt) {
    w.StartObject();
    json.Field("run_id", s.last_attempt->run_id);
    w.Key("time_ms");
    w.Int64(s.last_attempt->time_ms);
    w.Key("failed");
    w.Bool(s.last_attempt->failed);
    json.Field("message", RedactUrls(s.last_attempt->message));
    w.EndObject();
  } else {
    w.Null();
  }
  w.EndObject();
  return json.buffer.GetString();
}

// `status --why ASSET`: the asset's state, then one line per root cause (RootCauseLine), or
// one JSON object {"asset","status","root_causes":[{"path":[..],"asset","kind","cause"}]}.
void PrintWhy(const GlobalOptions& options, const AssetGraph& graph, size_t asset,
              const std::vector<AssetStatus>& statuses) {
  const std::string& key = graph.definitions().assets[asset].key;
  const std::vector<StaleRootCause> roots = StaleRootCauses(graph, asset, statuses);
  if (options.log_format == "json") {
    JsonLineWriter json;
    auto& w = json.writer;
    w.StartObject();
    json.Field("asset", key);
    json.Field("status", AssetStateName(statuses[asset].state));
    w.Key("root_causes");
    w.StartArray();
    for (const StaleRootCause& root : roots) {
      w.StartObject();
      w.Key("path");
      w.StartArray();
      for (size_t i : root.path) w.String(graph.definitions().assets[i].key.c_str());
      w.EndArray();
      json.Field("asset", graph.definitions().assets[root.path.back()].key);
      json.Field("kind", StaleCauseKindName(root.cause.kind));
      json.Field("cause", root.cause.detail);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    std::cout << json.buffer.GetString() << "\n";
    return;
  }
  std::cout << key << ": " << AssetStateName(statuses[asset].state) << "\n";
  if (roots.empty()) std::cout << "nothing stale here or upstream\n";
  for (const StaleRootCause& root : roots) std::cout << "  " << RootCauseLine(graph, root) << "\n";
}

int RunStatusCommand(const GlobalOptions& options, const std::string& asset, bool why,
                     bool freshness) {
  if (why && asset.empty()) {
    std::cerr << "error: status --why needs an asset: assetflow status --why ASSET\n";
    return kExitUsage;
  }
  auto ws = LoadWorkspace(options);
  if (!ws) return kExitUsage;
  auto log = OpenRecoveredLog(options, ws.get());
  if (!log) return kExitUsage;
  if (freshness) return PrintFreshness(options, *ws, *log);
  if (why) {
    const size_t i = FindAssetOrReport(*ws, asset);
    if (i == static_cast<size_t>(-1)) return kExitUsage;
    const auto statuses = ComputeAllStatuses(ws->graph(), *log);
    if (ReportDamage(*log)) return kExitUsage;
    PrintWhy(options, ws->graph(), i, statuses);
    return kExitOk;
  }
  if (!asset.empty()) {
    const size_t i = FindAssetOrReport(*ws, asset);
    if (i == static_cast<size_t>(-1)) return kExitUsage;
    const AssetStatus status = ComputeStatus(ws->graph(), i, *log);
    if (ReportDamage(*log)) return kExitUsage;
    if (options.log_format == "json") std::cout << StatusJsonLine(asset, status) << "\n";
    else PrintAssetStatus(asset, status);
    return kExitOk;
  }
  // The whole graph in two snapshots of the log, not a few queries per asset.
  const std::vector<AssetStatus> statuses = ComputeAllStatuses(ws->graph(), *log);
  if (options.log_format == "json") {
    std::string out;
    for (size_t i : ws->graph().TopologicalOrder())
      out += StatusJsonLine(ws->definitions().assets[i].key, statuses[i]) + "\n";
    if (ReportDamage(*log)) return kExitUsage;
    std::cout << out;
    return kExitOk;
  }
  const std::map<size_t, std::string> fresh = FreshnessColumn(*ws, *log);
  std::vector<std::string> header = {"ASSET", "STATUS", "LAST RUN", "MATERIALIZED",
                                     "DATA VERSION", "WHY"};
  if (!fresh.empty()) header.insert(header.begin() + 2, "FRESHNESS");
  Table table(header);
  for (size_t i : ws->graph().TopologicalOrder()) {
    const AssetStatus& s = statuses[i];
    std::vector<std::string> row = {
        ws->definitions().assets[i].key, AssetStateName(s.state),
        s.last ? s.last->run_id.substr(0, 8) : "-", s.last ? FormatTime(s.last->time_ms) : "-",
        s.last ? Short(s.last->data_version) : "-", Why(s)};
    if (!fresh.empty()) row.insert(row.begin() + 2, fresh.count(i) ? fresh.at(i) : "-");
    table.Add(row);
  }
  if (ReportDamage(*log)) return kExitUsage;
  table.Print(std::cout);
  return kExitOk;
}

int RunRunsCommand(const GlobalOptions& options, int limit) {
  auto log = OpenRecoveredLog(options, nullptr);
  if (!log) return kExitUsage;
  Table table({"RUN ID", "STATUS", "STARTED", "DURATION", "SELECTION"});
  for (const RunRecord& r : log->RecentRuns(limit)) {
    table.Add({r.run_id, RunStatusName(r.status), FormatTime(r.started_ms),
               r.ended_ms ? FormatDuration(r.ended_ms - r.started_ms) : "running",
               r.selection});
  }
  if (ReportDamage(*log)) return kExitUsage;
  table.Print(std::cout);
  return kExitOk;
}

int RunLogsCommand(const GlobalOptions& options, const std::string& run_id) {
  auto log = OpenRecoveredLog(options, nullptr);
  if (!log) return kExitUsage;
  // A unique prefix is enough, as with git commits.
  const std::vector<std::string> matches = log->RunIdsWithPrefix(run_id, 2);
  if (ReportDamage(*log)) return kExitUsage;
  if (matches.size() != 1) {
    std::cerr << "error: " << (matches.empty() ? "no run '" : "ambiguous run id '")
              << EscapeControlBytes(run_id) << "'"
              << (matches.empty() ? " (see `assetflow runs`)" : "") << "\n";
    return kExitUsage;
  }
  std::string out;
  const std::vector<EventRecord> events = log->RunEvents(matches[0]);
  if (ReportDamage(*log)) return kExitUsage;
  for (const EventRecord& e : events) {
    if (options.log_format == "json") {
      out += EventJsonLine(e) + "\n";
    } else {
      out += FormatTimeOfDay(e.time_ms) + "  " + e.type;
      out += std::string(e.type.size() < 16 ? 16 - e.type.size() : 1, ' ');
      out += (e.asset_key.empty() ? "" : e.asset_key + "  ") + RedactUrls(e.message) + "\n";
    }
  }
  std::cout << out;
  return kExitOk;
}

int RunWipeCommand(const GlobalOptions& options, const std::vector<std::string>& assets) {
  auto ws = LoadWorkspace(options);
  if (!ws) return kExitUsage;
  std::vector<size_t> indices;
  for (const std::string& key : assets) {
    const size_t i = FindAssetOrReport(*ws, key);
    if (i == static_cast<size_t>(-1)) return kExitUsage;
    indices.push_back(i);
  }
  auto log = OpenRecoveredLog(options, ws.get());
  if (!log) return kExitUsage;
  auto io = IoManagerSet::Resolve(ws->definitions(), ws->plugins());
  if (!io.ok()) {
    std::cerr << "error: " << io.status().message() << "\n";
    return kExitRunFailure;
  }
  // Claimed like a run claims what it materializes: a run in progress is never wiped under
  // (its data and record would reappear after the wipe, or the wipe report a file the run
  // then writes), and no run starts on an asset while it is wiped.
  std::vector<std::string> keys;
  for (size_t i : indices) keys.push_back(ws->definitions().assets[i].key);
  const std::string claim = "wipe-" + NewRunId();
  Status claimed = log->ClaimAssets(claim, keys, 0);
  if (!claimed.ok()) {
    std::cerr << "error: " << claimed.message() << "\n";
    return ReportDamage(*log) ? kExitUsage : kExitRunFailure;
  }
  int code = kExitOk;
  for (size_t i : indices) {
    const AssetDef& asset = ws->definitions().assets[i];
    Status s = WipeStoredAsset((*io)->For(asset), asset.key, ws->home());
    if (s.ok()) s = log->WipeAsset(asset.key);
    if (!s.ok()) {
      std::cerr << "error: " << s.message() << "\n";
      code = kExitRunFailure;
      continue;
    }
    if (!options.quiet) std::cout << "wiped " << asset.key << "\n";
  }
  log->ReleaseAssets(claim);
  if (ReportDamage(*log)) return kExitUsage;
  return code;
}

}  // namespace

void AddHistoryCommands(CLI::App& app, const GlobalOptions* options, int* exit_code) {
  auto* status = app.add_subcommand(
      "status", "MISSING / FRESH / STALE (with causes) / FAILED, last run, data version, metadata");
  auto asset = std::make_shared<std::string>();
  status->add_option("asset", *asset, "One asset: full detail");
  auto why = std::make_shared<bool>(false);
  status->add_flag("--why", *why,
                   "With ASSET: the root causes, a path from ASSET up to each stale asset's change");
  auto freshness = std::make_shared<bool>(false);
  status->add_flag("--freshness", *freshness,
                   "Freshness policies: PASS / WARN / FAIL / UNKNOWN with minutes to spare or "
                   "overdue (JSON lines with --log-format json)");
  status->callback(
      [=] { *exit_code = RunStatusCommand(*options, *asset, *why, *freshness); });

  auto* runs = app.add_subcommand("runs", "Recent runs: id, status, start, duration, selection");
  auto limit = std::make_shared<int>(20);
  runs->add_option("-n,--limit", *limit, "How many (0 = all; default 20)");
  runs->callback([=] { *exit_code = RunRunsCommand(*options, *limit); });

  auto* logs = app.add_subcommand("logs", "The events of one run (--log-format json: JSON lines)");
  auto run_id = std::make_shared<std::string>();
  logs->add_option("run_id", *run_id, "Run id (a unique prefix is enough)")->required();
  logs->callback([=] { *exit_code = RunLogsCommand(*options, *run_id); });

  auto* wipe = app.add_subcommand("wipe", "Delete stored assets and their materialization history");
  auto keys = std::make_shared<std::vector<std::string>>();
  wipe->add_option("assets", *keys, "Asset keys")->required();
  wipe->callback([=] { *exit_code = RunWipeCommand(*options, *keys); });
}

}  // namespace af
