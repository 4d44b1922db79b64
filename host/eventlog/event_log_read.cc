// EventLog's reads. Each holds db_mu, so a write is seen either in the queue or in the
// database, never in neither.
#include <map>
#include <utility>

#include "eventlog/event_log_impl.h"
#include "eventlog/process_identity.h"
#include "eventlog/record_json.h"

namespace af {

namespace {

RunStatus ParseRunStatus(const std::string& name) {
  for (RunStatus s : {RunStatus::kStarted, RunStatus::kSuccess, RunStatus::kFailed,
                      RunStatus::kCanceled}) {
    if (name == RunStatusName(s)) return s;
  }
  return RunStatus::kFailed;  // unknown text from a newer writer: do not claim success
}

// Columns: run_id, status, selection, started_ms, ended_ms, pid, host, process.
#define AF_RUN_COLUMNS "run_id, status, selection, started_ms, ended_ms, pid, host, process"
RunRecord ReadRun(const Query& q) {
  return RunRecord{q.Text(0), ParseRunStatus(q.Text(1)), q.Text(2), q.Int(3),
                   q.Int(4),  q.Int(5),                  q.Text(6), q.Text(7)};
}

// Columns: run_id, time_ms, data_version, code_version, config_hash, upstream_json,
// metadata_json, config_json, attempt, asset_key.
#define AF_MATERIALIZATION_COLUMNS                                                         \
  "run_id, time_ms, data_version, code_version, config_hash, upstream_json, metadata_json, " \
  "config_json, attempt, asset_key"
MaterializationRecord ReadMaterialization(const Query& q) {
  MaterializationRecord m{q.Text(9), q.Text(0), q.Int(1), q.Text(2), q.Text(3), q.Text(4),
                          UpstreamFromJson(q.Text(5)), MetadataFromJson(q.Text(6)), q.Text(7)};
  m.attempt = static_cast<uint32_t>(q.Int(8));
  return m;
}

}  // namespace

// The newest record of each of `keys` that has one: from the queue (what `queued` returns
// for a write: its asset key and record, or nulls for writes of another kind), else from the
// database by `sql` (one row for the key bound to ?1, decoded by `decode`), all in one read
// snapshot. Requires db_mu, so nothing moves from the queue to the database meanwhile.
template <class Record, class Queued, class Decode>
std::map<std::string, Record> NewestRecords(std::mutex& queue_mu,
                                            const std::vector<PendingWrite>& queue, SqliteDb& db,
                                            const std::vector<std::string>& keys,
                                            Queued queued, const char* sql, Decode decode) {
  std::map<std::string, Record> pending;
  {
    std::lock_guard<std::mutex> lock(queue_mu);
    for (const PendingWrite& write : queue) {
      if (auto [key, record] = queued(write); record != nullptr) pending[*key] = *record;
    }
  }
  std::map<std::string, Record> newest;
  db.Read([&]() -> Status {
    newest.clear();
    for (const std::string& key : keys) {
      if (auto it = pending.find(key); it != pending.end()) {
        newest[key] = it->second;
        continue;
      }
      Query q(db, sql);
      if (q.Bind(1, key).Step()) newest[key] = decode(q, key);
      if (!q.status().ok()) return q.status();
    }
    return Status::OK();
  });
  return newest;
}

std::map<std::string, MaterializationRecord> EventLog::LatestMaterializations(
    const std::vector<std::string>& asset_keys) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  return NewestRecords<MaterializationRecord>(
      impl_->queue_mu, impl_->queue, *impl_->db, asset_keys,
      [](const PendingWrite& w) {
        const auto* m = std::get_if<MaterializationRecord>(&w);
        return std::make_pair(m ? &m->asset_key : nullptr, m);
      },
      "SELECT " AF_MATERIALIZATION_COLUMNS " FROM materializations WHERE asset_key = ? "
      "ORDER BY id DESC LIMIT 1",
      [](const Query& q, const std::string&) { return ReadMaterialization(q); });
}

std::map<std::string, AttemptRecord> EventLog::LastAttempts(
    const std::vector<std::string>& asset_keys) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  return NewestRecords<AttemptRecord>(
      impl_->queue_mu, impl_->queue, *impl_->db, asset_keys,
      [](const PendingWrite& w) {
        const auto* a = std::get_if<AttemptWrite>(&w);
        return std::make_pair(a ? &a->asset_key : nullptr, a ? &a->attempt : nullptr);
      },
      "SELECT run_id, time_ms, failed, message FROM last_attempts WHERE asset_key = ?",
      [](const Query& q, const std::string&) {
        return AttemptRecord{q.Text(0), q.Int(1), q.Int(2) != 0, q.Text(3)};
      });
}

std::optional<MaterializationRecord> EventLog::LatestMaterialization(const std::string& asset_key) {
  auto latest = LatestMaterializations({asset_key});
  if (latest.empty()) return std::nullopt;
  return std::move(latest.begin()->second);
}

std::optional<AttemptRecord> EventLog::LastAttempt(const std::string& asset_key) {
  auto attempts = LastAttempts({asset_key});
  if (attempts.empty()) return std::nullopt;
  return std::move(attempts.begin()->second);
}

std::vector<RunRecord> EventLog::RecentRuns(int limit) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  std::vector<RunRecord> runs;
  db.Read([&]() -> Status {
    runs.clear();
    Query q(db,
            "SELECT " AF_RUN_COLUMNS " FROM runs "
            "ORDER BY started_ms DESC, rowid DESC LIMIT ?");
    q.Bind(1, limit > 0 ? int64_t{limit} : int64_t{-1});
    while (q.Step()) runs.push_back(ReadRun(q));
    return q.status();
  });
  return runs;
}

std::optional<RunRecord> EventLog::FindRun(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  std::optional<RunRecord> run;
  db.Read([&]() -> Status {
    run.reset();
    Query q(db,
            "SELECT " AF_RUN_COLUMNS " FROM runs WHERE run_id = ?");
    if (q.Bind(1, run_id).Step()) run = ReadRun(q);
    return q.status();
  });
  return run;
}

std::vector<std::string> EventLog::RunIdsWithPrefix(const std::string& prefix, int limit) {
  // Every id with the prefix sorts in [prefix, upper): upper is the prefix with its last byte
  // that is not 0xFF incremented (and what follows dropped); none such: no upper bound.
  std::string upper = prefix;
  while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xFF) upper.pop_back();
  if (!upper.empty()) upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  std::vector<std::string> ids;
  db.Read([&]() -> Status {
    ids.clear();
    Query q(db, upper.empty()
                    ? "SELECT run_id FROM runs WHERE run_id >= ?1 ORDER BY run_id LIMIT ?3"
                    : "SELECT run_id FROM runs WHERE run_id >= ?1 AND run_id < ?2 "
                      "ORDER BY run_id LIMIT ?3");
    q.Bind(1, prefix).Bind(3, limit > 0 ? int64_t{limit} : int64_t{-1});
    if (!upper.empty()) q.Bind(2, upper);
    while (q.Step()) ids.push_back(q.Text(0));
    return q.status();
  });
  return ids;
}

namespace {

#define AF_EVENT_COLUMNS "id, run_id, asset_key, type, time_ms, message, data_json"

// The events `sql` selects (AF_EVENT_COLUMNS, parameters set by `bind`). The caller holds
// db_mu and has committed the queue (queued events have no id yet).
template <class Bind>
std::vector<EventRecord> SelectEvents(SqliteDb& db, const char* sql, Bind bind) {
  std::vector<EventRecord> events;
  db.Read([&]() -> Status {
    events.clear();
    Query q(db, sql);
    bind(q);
    while (q.Step()) {
      events.push_back(
          EventRecord{q.Int(0), q.Text(1), q.Text(2), q.Text(3), q.Int(4), q.Text(5), q.Text(6)});
    }
    return q.status();
  });
  return events;
}

}  // namespace

std::optional<MaterializationRecord> EventLog::LatestMaterializationWithVersion(
    const std::string& asset_key, const std::string& data_version) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  impl_->WriteWithQueue(nullptr);
  SqliteDb& db = *impl_->db;
  std::optional<MaterializationRecord> found;
  db.Read([&]() -> Status {
    found.reset();
    Query q(db, "SELECT " AF_MATERIALIZATION_COLUMNS " FROM materializations "
                "WHERE asset_key = ? AND data_version = ? ORDER BY id DESC LIMIT 1");
    if (q.Bind(1, asset_key).Bind(2, data_version).Step()) found = ReadMaterialization(q);
    return q.status();
  });
  return found;
}

std::map<std::string, EventRecord> EventLog::LatestEventsOfType(const std::string& type) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  impl_->WriteWithQueue(nullptr);
  std::map<std::string, EventRecord> latest;
  for (EventRecord& e : SelectEvents(*impl_->db,
                                     "SELECT " AF_EVENT_COLUMNS " FROM events WHERE id IN (SELECT "
                                     "MAX(id) FROM events WHERE type = ? GROUP BY asset_key) ORDER BY id",
                                     [&](Query& q) { q.Bind(1, type); }))
    latest[e.asset_key] = std::move(e);
  return latest;
}

std::vector<EventRecord> EventLog::EventsOfType(const std::string& type) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  impl_->WriteWithQueue(nullptr);
  return SelectEvents(*impl_->db, "SELECT " AF_EVENT_COLUMNS " FROM events WHERE type = ? ORDER BY id",
                      [&](Query& q) { q.Bind(1, type); });
}

std::vector<EventRecord> EventLog::RunEvents(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  impl_->WriteWithQueue(nullptr);
  return SelectEvents(*impl_->db, "SELECT " AF_EVENT_COLUMNS " FROM events WHERE run_id = ? ORDER BY id",
                      [&](Query& q) { q.Bind(1, run_id); });
}

std::vector<EventRecord> EventLog::EventsAfter(const std::string& run_id, int64_t after_id,
                                              size_t limit) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  impl_->WriteWithQueue(nullptr);
  return SelectEvents(
      *impl_->db,
      run_id.empty() ? "SELECT " AF_EVENT_COLUMNS " FROM events WHERE id > ?1 ORDER BY id LIMIT ?2"
                     : "SELECT " AF_EVENT_COLUMNS
                       " FROM events WHERE id > ?1 AND run_id = ?3 ORDER BY id LIMIT ?2",
      [&](Query& q) {
        q.Bind(1, after_id).Bind(2, static_cast<int64_t>(limit));
        if (!run_id.empty()) q.Bind(3, run_id);
      });
}

int64_t EventLog::LastEventId() {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  impl_->WriteWithQueue(nullptr);
  SqliteDb& db = *impl_->db;
  int64_t id = 0;
  db.Read([&]() -> Status {
    Query q(db, "SELECT COALESCE(MAX(id), 0) FROM events");
    id = q.Step() ? q.Int(0) : 0;
    return q.status();
  });
  return id;
}

std::vector<EventRecord> EventLog::AssetEvents(const std::string& asset_key,
                                              const std::vector<std::string>& types,
                                              size_t limit) {
  std::string wanted;  // ",A,B," so that instr() matches whole types
  for (const std::string& t : types) wanted += "," + t;
  if (!wanted.empty()) wanted += ",";
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  impl_->WriteWithQueue(nullptr);
  return SelectEvents(*impl_->db,
                      "SELECT " AF_EVENT_COLUMNS " FROM events WHERE asset_key = ?1 AND "
                      "(?2 = '' OR instr(?2, ',' || type || ',') > 0) ORDER BY id DESC LIMIT ?3",
                      [&](Query& q) {
                        q.Bind(1, asset_key).Bind(2, wanted).Bind(3, static_cast<int64_t>(limit));
                      });
}

std::vector<RunRecord> EventLog::AbandonedRuns() {
  std::vector<RunRecord> started;
  {
    std::lock_guard<std::mutex> lock(impl_->db_mu);
    SqliteDb& db = *impl_->db;
    db.Read([&]() -> Status {
      started.clear();
      Query q(db, "SELECT " AF_RUN_COLUMNS " FROM runs WHERE status = 'STARTED' "
                  "ORDER BY started_ms, rowid");
      while (q.Step()) started.push_back(ReadRun(q));
      return q.status();
    });
  }
  std::vector<RunRecord> abandoned;
  for (RunRecord& run : started) {
    const bool unknown_owner = run.pid <= 0;
    if (unknown_owner || (run.host == impl_->host &&
                          ProcessGone(static_cast<pid_t>(run.pid), run.process)))
      abandoned.push_back(std::move(run));
  }
  return abandoned;
}

std::vector<std::string> EventLog::RunsPendingStorageRecovery() {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  std::vector<std::string> runs;
  db.Read([&]() -> Status {
    runs.clear();
    Query q(db, "SELECT run_id FROM runs WHERE storage_pending = 1 ORDER BY started_ms");
    while (q.Step()) runs.push_back(q.Text(0));
    return q.status();
  });
  return runs;
}

std::map<std::string, MaterializationRecord> EventLog::LatestMaterializationsOfRun(
    const std::string& run_id) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  std::map<std::string, MaterializationRecord> latest;
  impl_->WriteWithQueue(nullptr);  // what this process queued counts too
  db.Read([&]() -> Status {
    latest.clear();
    Query q(db,
            "SELECT " AF_MATERIALIZATION_COLUMNS " FROM materializations AS m "
            "WHERE run_id = ? AND id = (SELECT MAX(id) FROM materializations "
            "WHERE asset_key = m.asset_key)");
    q.Bind(1, run_id);
    while (q.Step()) {
      MaterializationRecord m = ReadMaterialization(q);
      latest.emplace(m.asset_key, std::move(m));
    }
    return q.status();
  });
  return latest;
}

}  // namespace af
