#include "eventlog/schema.h"

#include <chrono>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "clock/clock.h"

namespace af {

namespace {

struct Migration {
  int version;
  const char* sql;
};

// Append only: a released migration is never edited, a change is a new entry.
// Ids are INTEGER PRIMARY KEY without AUTOINCREMENT (which costs a sqlite_sequence update per
// insert): a new row still gets an id above every existing one, which is all "latest" needs.
const Migration kMigrations[] = {
    {1, R"sql(
      CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        selection TEXT NOT NULL,
        started_ms INTEGER NOT NULL,
        ended_ms INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX runs_by_start ON runs (started_ms);
      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        asset_key TEXT NOT NULL,
        type TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        message TEXT NOT NULL,
        data_json TEXT NOT NULL);
      CREATE INDEX events_of_run ON events (run_id, id);
      CREATE TABLE materializations (
        id INTEGER PRIMARY KEY,
        asset_key TEXT NOT NULL,
        run_id TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        data_version TEXT NOT NULL,
        code_version TEXT NOT NULL,
        config_hash TEXT NOT NULL,
        upstream_json TEXT NOT NULL,
        metadata_json TEXT NOT NULL);
      CREATE INDEX latest_materialization ON materializations (asset_key, id);
      CREATE TABLE last_attempts (
        asset_key TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        message TEXT NOT NULL);
      CREATE TABLE asset_claims (
        asset_key TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        claimed_ms INTEGER NOT NULL);
      CREATE INDEX claims_of_run ON asset_claims (run_id);
    )sql"},
    // The config itself, so staleness can name the keys that changed, not just say the
    // hash did. Rows from before hold ''.
    {2, "ALTER TABLE materializations ADD COLUMN config_json TEXT NOT NULL DEFAULT ''"},
    // Which process holds a claim beyond its pid (see process_identity.h), so a pid reused
    // after a reboot does not keep a dead run's claims alive. Rows from before hold ''.
    {3, "ALTER TABLE asset_claims ADD COLUMN process TEXT NOT NULL DEFAULT ''"},
    // Which process owns a run, so that a run whose process died is found and ended on the
    // next start; which attempt made a materialization, so that a recovering host can publish
    // the version that attempt staged; whether a recovered run's storage still waits to be
    // recovered. Rows from before: pid 0 (owner unknown), attempt 1.
    {4, R"sql(
      ALTER TABLE runs ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN host TEXT NOT NULL DEFAULT '';
      ALTER TABLE runs ADD COLUMN process TEXT NOT NULL DEFAULT '';
      ALTER TABLE runs ADD COLUMN storage_pending INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX runs_storage_pending ON runs (run_id) WHERE storage_pending = 1;
      CREATE INDEX runs_by_status ON runs (status);
      ALTER TABLE materializations ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
      CREATE INDEX materializations_of_run ON materializations (run_id);
    )sql"},
    // Every command's start looks for runs to recover (STARTED ones, and those whose storage
    // is pending), oldest first: with the start time in the index, both are index ranges in
    // order, never a scan of the runs nor a sort, however long the history.
    {5, R"sql(
      CREATE INDEX runs_by_status_start ON runs (status, started_ms);
      DROP INDEX runs_by_status;
      CREATE INDEX runs_storage_pending_by_start ON runs (started_ms) WHERE storage_pending = 1;
      DROP INDEX runs_storage_pending;
    )sql"},
};

Status ReadVersion(SqliteDb& db, int* version) {
  *version = 0;
  Query exists(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  if (!exists.Step()) return exists.status();
  Query q(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
  if (q.Step()) *version = static_cast<int>(q.Int(0));
  return q.status();
}

}  // namespace

Status CheckIntegrity(SqliteDb& db) {
  const auto& expected = ExpectedSchemaObjects();
  std::set<std::pair<std::string, std::string>> present;
  Status s = db.Read([&]() -> Status {
    present.clear();
    Query q(db,
            "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index') AND "
            "name NOT LIKE 'sqlite_%'");
    while (q.Step()) present.emplace(q.Text(0), q.Text(1));
    if (!q.status().ok()) return q.status();
    for (const auto& [type, name] : expected) {
      if (present.count({type, name}) == 0) {
        return Status::Failed(DamagedMessage(db.path(), type + " '" + name + "' is missing"));
      }
      if (type != "table") continue;
      // Table names come from our own schema, never from input.
      const std::string sql = "SELECT * FROM \"" + name + "\" ORDER BY rowid DESC LIMIT 1";
      Status read = db.Exec(sql.c_str());
      if (!read.ok()) return read;
    }
    return Status::OK();
  });
  if (!db.damage().ok()) return db.damage();
  return s;
}

const std::vector<std::pair<std::string, std::string>>& ExpectedSchemaObjects() {
  static const std::vector<std::pair<std::string, std::string>> objects = {
      {"table", "asset_claims"},
      {"table", "events"},
      {"table", "last_attempts"},
      {"table", "materializations"},
      {"table", "runs"},
      {"table", "schema_version"},
      {"index", "claims_of_run"},
      {"index", "events_of_run"},
      {"index", "latest_materialization"},
      {"index", "materializations_of_run"},
      {"index", "runs_by_start"},
      {"index", "runs_by_status_start"},
      {"index", "runs_storage_pending_by_start"},
  };
  return objects;
}

std::vector<std::pair<std::string, std::string>> SchemaObjects(SqliteDb& db) {
  std::vector<std::pair<std::string, std::string>> found;
  Query q(db,
          "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index') AND "
          "name NOT LIKE 'sqlite_%' ORDER BY type DESC, name");  // tables first
  while (q.Step()) found.emplace_back(q.Text(0), q.Text(1));
  return found;
}

int LatestSchemaVersion() { return kMigrations[std::size(kMigrations) - 1].version; }

Status MigrateSchema(SqliteDb& db, int target) {
  const int latest = LatestSchemaVersion();
  int version = 0;
  Status s = db.Read([&] { return ReadVersion(db, &version); });
  if (!s.ok() || version == target) return s;
  return db.Write([&]() -> Status {
    // Read again under the write lock: another process may have migrated meanwhile.
    Status s = ReadVersion(db, &version);
    if (!s.ok()) return s;
    if (version == 0) {
      // Unrelated tables are left alone, but ours without a version is a log whose
      // schema_version table was dropped: migrating would fail half-way or, worse, succeed.
      Query tables(db, "SELECT name FROM sqlite_master WHERE type = 'table'");
      while (tables.Step()) {
        const std::string name = tables.Text(0);
        for (const auto& [type, ours] : ExpectedSchemaObjects()) {
          if (type != "table" || ours != name) continue;
          return Status::Failed(DamagedMessage(
              db.path(), "table '" + name + "' is there but the schema_version table is not"));
        }
      }
      if (!tables.status().ok()) return tables.status();
    }
    if (version > latest) {
      return Status::Failed(db.path() + " has schema version " + std::to_string(version) +
                            ", newer than this assetflow knows (" + std::to_string(latest) +
                            "); use a newer assetflow");
    }
    s = db.Exec(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)");
    const int64_t now_ms = SystemClock().NowMs();
    for (const Migration& m : kMigrations) {
      if (!s.ok()) break;
      if (m.version <= version || m.version > target) continue;
      s = db.Exec(m.sql);
      if (s.ok()) {
        Query record(db, "INSERT INTO schema_version (version, applied_ms) VALUES (?, ?)");
        s = record.Bind(1, m.version).Bind(2, now_ms).Run();
      }
    }
    return s;
  });
}

}  // namespace af
