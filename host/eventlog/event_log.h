// EventLog: the run history in SQLite at $ASSETFLOW_HOME/assetflow.db (WAL, versioned schema
// with migrations): runs, events, materializations. The host process is the only writer.
//
// Concurrency: one EventLog per process, used from any thread (calls are serialized inside).
// Several processes may open the same database: writes use BEGIN IMMEDIATE with a busy
// timeout and retry, so a caller never sees "database is locked"; asset claims (ClaimAssets)
// keep two runs from materializing the same asset at once.
#ifndef ASSETFLOW_HOST_EVENTLOG_EVENT_LOG_H_
#define ASSETFLOW_HOST_EVENTLOG_EVENT_LOG_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace af {

enum class RunStatus { kStarted, kSuccess, kFailed, kCanceled };
const char* RunStatusName(RunStatus s);  // "STARTED", "SUCCESS", "FAILED", "CANCELED"

struct RunRecord {
  std::string run_id;
  RunStatus status = RunStatus::kStarted;
  std::string selection;  // what the user asked for, as typed
  int64_t started_ms = 0, ended_ms = 0;  // Unix epoch milliseconds; 0 = not ended
};

// Event types, as stored: RUN_STARTED RUN_SUCCESS RUN_FAILED RUN_CANCELED STEP_STARTED
// STEP_RETRY STEP_FAILED STEP_SKIPPED STEP_SUCCESS MATERIALIZATION LOG PROGRESS
struct EventRecord {
  int64_t id = 0;
  std::string run_id;
  std::string asset_key;  // empty for run-level events
  std::string type;
  int64_t time_ms = 0;
  std::string message;
  std::string data_json;  // extra structured data ("{}" when none)
};

struct MetadataEntry {
  std::string key;
  std::string type;   // "int" "float" "text" "markdown" "url" "path" "json" "bool"
  std::string value;  // as text
};

struct MaterializationRecord {
  std::string asset_key;
  std::string run_id;
  int64_t time_ms = 0;
  std::string data_version;  // sha256 hex of the stored bytes
  std::string code_version;
  std::string config_hash;   // sha256 hex of the canonical config JSON
  std::map<std::string, std::string> upstream_data_versions;  // upstream key -> data version
  std::vector<MetadataEntry> metadata;
};

// The last attempt at an asset, successful or not, for FAILED status.
struct AttemptRecord {
  std::string run_id;
  int64_t time_ms = 0;
  bool failed = false;
  std::string message;
};

class EventLog {
 public:
  // Opens (creating and migrating as needed) `home`/assetflow.db.
  static Expected<std::unique_ptr<EventLog>> Open(const std::string& home);
  ~EventLog();

  Status StartRun(const RunRecord& run);
  Status EndRun(const std::string& run_id, RunStatus status, int64_t ended_ms);
  Status AppendEvent(const EventRecord& event);
  Status RecordMaterialization(const MaterializationRecord& m);
  // Records that the asset's last attempt failed (failed=true) or clears it (on success).
  Status RecordAttempt(const std::string& asset_key, const AttemptRecord& attempt);
  Status WipeAsset(const std::string& asset_key);

  std::optional<MaterializationRecord> LatestMaterialization(const std::string& asset_key);
  std::optional<AttemptRecord> LastAttempt(const std::string& asset_key);
  std::vector<RunRecord> RecentRuns(int limit);
  std::optional<RunRecord> FindRun(const std::string& run_id);
  std::vector<EventRecord> RunEvents(const std::string& run_id);

  // Claims `asset_keys` for `run_id` so a concurrent run in another process does not
  // materialize them at the same time; waits up to `wait_ms` for assets held by live runs
  // (a claim whose process is gone is taken over). Busy status names the asset and run.
  Status ClaimAssets(const std::string& run_id, const std::vector<std::string>& asset_keys,
                     int64_t wait_ms);
  Status ReleaseAssets(const std::string& run_id);

 private:
  struct Impl;
  explicit EventLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace af

#endif
