// EventLog: the run history in SQLite at $ASSETFLOW_HOME/assetflow.db (WAL, versioned schema
// with migrations): runs, events, materializations. The host process is the only writer.
//
// Concurrency: one EventLog per process, used from any thread (calls are serialized inside).
// Several processes may open the same database: writes use BEGIN IMMEDIATE with a busy
// timeout and retry, so a caller never sees "database is locked"; asset claims (ClaimAssets)
// keep two runs from materializing the same asset at once. An EventLog must not be used in a
// child created by fork(); the child opens its own.
//
// Writes are fast because most are queued: AppendEvent(s), RecordMaterialization and
// RecordAttempt only queue their write and return (the engine records ~7 writes per step, and
// a transaction per write would cost more than the steps). A background flusher commits the
// queue in one transaction within kFlushIntervalMs (sooner once kFlushBatch writes wait).
//   - This EventLog sees queued writes at once: LatestMaterialization and LastAttempt look in
//     the queue first, RunEvents commits it first.
//   - Other processes see them once committed; everything queued so far is committed (and
//     survives a crash of this process) when one of these returns: Flush(), EndRun(),
//     StartRun(), WipeAsset(), ClaimAssets(), ReleaseAssets() (their own change goes in the
//     same transaction, after the queue), RunEvents(), or the destructor.
//   - Order is kept. A commit that fails (disk full) is retried later; Flush() reports it.
//     Queued writes are lost only if the process dies before they are committed.
//   - Power loss: the flusher's own commits are lazy (synchronous=NORMAL, no fsync: nothing
//     waits on them); every other commit, and Flush() even with nothing left to commit, makes
//     all commits so far durable (one fsync of the WAL). So a record the engine published
//     data for (after Flush) survives a power loss, and the fsync is paid per commit that
//     needs it, not per background batch (issue 12).
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
  // The owning process (StartRun fills them with the caller's): pid 0 = unknown (recorded
  // before schema version 4).
  int64_t pid = 0;
  std::string host, process;
};

// Event types, as stored: RUN_STARTED RUN_SUCCESS RUN_FAILED RUN_CANCELED STEP_STARTED
// STEP_RETRY STEP_FAILED STEP_SKIPPED STEP_SUCCESS MATERIALIZATION OBSERVATION LOG PROGRESS
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
  // The config that was hashed, as CanonicalJson(config), so staleness can name the keys
  // that changed. Empty (not set, or recorded before schema version 2): staleness can only
  // say that the config hash changed.
  std::string config_json;
  // The attempt that produced it: with run_id and asset_key, the name of the version its IO
  // manager staged (what a recovering host publishes).
  uint32_t attempt = 1;
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
  static constexpr int kFlushIntervalMs = 10;
  static constexpr size_t kFlushBatch = 1024;

  // Opens (creating the `home` directory, the database and migrating it as needed)
  // `home`/assetflow.db, and checks it can be trusted (CheckIntegrity in schema.h): a damaged
  // database (not a database, a table gone, a corrupt page on the paths read) is a kFailed
  // error whose message says what is wrong and what to do, never an empty history.
  static Expected<std::unique_ptr<EventLog>> Open(const std::string& home);
  // Commits the queued writes; errors at that point are lost (call Flush() to see them).
  ~EventLog();

  // StartRun inserts the run row, owned by this process (an existing run_id is an
  // InvalidArgument error); EndRun
  // sets its status and end time, commits queued events and releases the run's asset claims.
  // Neither appends RUN_* events: the engine does, with its own messages.
  Status StartRun(const RunRecord& run);
  // Makes this process the owner of a run still STARTED (`assetflow resume` continuing the run
  // of a dead host), so that recovery no longer sees it abandoned; NotFound when no such run.
  Status AdoptRun(const std::string& run_id);
  Status EndRun(const std::string& run_id, RunStatus status, int64_t ended_ms);
  // Queue events (see above). time_ms 0 means now; empty data_json means "{}". Cheap: never
  // wait for the database unless the queue is far behind.
  Status AppendEvent(const EventRecord& event);
  Status AppendEvents(const std::vector<EventRecord>& events);
  // Commits every write queued so far.
  Status Flush();
  // Why this log cannot be trusted since it was opened, or OK: the file was deleted or
  // replaced (then no write commits any more: each returns this error), or a read or write
  // met a corrupt page or a missing table. The lookups below return "nothing" on an error,
  // so a caller that reports history must check this before it says "never materialized".
  Status Damage();
  // Queued like events. An empty asset key is an InvalidArgument error.
  Status RecordMaterialization(const MaterializationRecord& m);
  // Records that the asset's last attempt failed (failed=true) or clears it (on success).
  // Queued like events.
  Status RecordAttempt(const std::string& asset_key, const AttemptRecord& attempt);
  // Forgets the asset's materializations and last attempt (it becomes MISSING). Run events
  // stay: they are the runs' history.
  Status WipeAsset(const std::string& asset_key);
  // Forgets the materializations that run `run_id` recorded for `asset_key` (their data could
  // not be published). Commits the queue first.
  Status ForgetMaterialization(const std::string& asset_key, const std::string& run_id);

  // Runs still STARTED whose owning process is gone: a pid of this host that no longer
  // exists (or now belongs to another process), or no owner recorded. Runs owned by another
  // host are never judged. Oldest first.
  std::vector<RunRecord> AbandonedRuns();
  // Runs ended by recovery whose storage (publishing, sweeping) is still to be recovered,
  // and the flag itself.
  std::vector<std::string> RunsPendingStorageRecovery();
  Status SetStorageRecoveryPending(const std::string& run_id, bool pending);
  // The materializations of `run_id` that are still their asset's latest, by asset key.
  std::map<std::string, MaterializationRecord> LatestMaterializationsOfRun(
      const std::string& run_id);

  // Lookups return nothing / empty when absent, and also on a database error (the reads that
  // status and staleness make have no useful fallback): Damage() tells the two apart.
  // Latest = last recorded (insertion order, not time_ms, so clock steps do not reorder).
  std::optional<MaterializationRecord> LatestMaterialization(const std::string& asset_key);
  std::optional<AttemptRecord> LastAttempt(const std::string& asset_key);
  // The same for many assets at once, in one snapshot (the status of a whole graph): keyed
  // by asset key, only for those that have one.
  std::map<std::string, MaterializationRecord> LatestMaterializations(
      const std::vector<std::string>& asset_keys);
  std::map<std::string, AttemptRecord> LastAttempts(const std::vector<std::string>& asset_keys);
  // Newest first by start time; limit <= 0 means all.
  std::vector<RunRecord> RecentRuns(int limit);
  std::optional<RunRecord> FindRun(const std::string& run_id);
  // Up to `limit` run ids that start with `prefix` (byte-wise), in id order: an index range,
  // not a scan of every run. limit <= 0 means all.
  std::vector<std::string> RunIdsWithPrefix(const std::string& prefix, int limit);
  // In append order, with ids; commits queued events first.
  std::vector<EventRecord> RunEvents(const std::string& run_id);
  // The newest materialization of `asset_key` whose data version is `data_version` (the
  // freshest record of that data: freshness traces used data through it); commits queued
  // writes first.
  std::optional<MaterializationRecord> LatestMaterializationWithVersion(
      const std::string& asset_key, const std::string& data_version);
  // The newest event of `type` per asset key (run-less events like FRESHNESS_STATE_CHANGE
  // included), keyed by asset key; commits queued events first. Scans the events of that type.
  std::map<std::string, EventRecord> LatestEventsOfType(const std::string& type);
  // Every event of `type` in append order (tests, `assetflow daemon` history).
  std::vector<EventRecord> EventsOfType(const std::string& type);
  // The events with id > after_id, in append order, at most `limit` (the cursor of a live
  // stream: pass the last id seen); of one run, or of every run when run_id is empty.
  // Commits queued events first.
  std::vector<EventRecord> EventsAfter(const std::string& run_id, int64_t after_id, size_t limit);
  // The id of the newest event (0 when none): where a live stream starts. Commits the queue.
  int64_t LastEventId();
  // The newest `limit` events about `asset_key` of the given types (all types when empty),
  // newest first: an asset's history across runs, failed attempts included. Scans the events
  // from the newest (no index by asset), so it is quick for recent history.
  std::vector<EventRecord> AssetEvents(const std::string& asset_key,
                                       const std::vector<std::string>& types, size_t limit);

  // Claims `asset_keys` for `run_id` so a concurrent run in another process does not
  // materialize them at the same time; waits up to `wait_ms` for assets held by live runs
  // (a claim whose process is gone is taken over). Busy status names the asset and run.
  // All or nothing: on Busy, none of the keys is claimed. Claiming a key the run already
  // holds is a no-op. Liveness is checked only for claims made on this host: the pid must
  // exist, not be a zombie, and have the start time recorded with the claim (so a pid reused
  // after a crash or reboot is not mistaken for the holder); a claim from another host is
  // held until its run releases it.
  // Busy message: "asset 'x' is being materialized by run <id> (pid N); try again when it
  // finishes".
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
