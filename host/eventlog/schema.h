// The event log's schema: a list of migrations, applied in order, each once. The version a
// database is at is MAX(version) in its schema_version table (0 when the table is missing:
// a new or foreign file). Internal to eventlog.
#ifndef ASSETFLOW_HOST_EVENTLOG_SCHEMA_H_
#define ASSETFLOW_HOST_EVENTLOG_SCHEMA_H_

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "eventlog/sqlite_db.h"

namespace af {

// The version the migrations bring a database to.
int LatestSchemaVersion();

// Brings `db` to `target` (LatestSchemaVersion() but in tests, which build old databases),
// in one write transaction, so concurrent openers migrate it exactly once. Reopening an
// up-to-date database takes no write lock. A database from a newer assetflow (a version we
// do not know) is an error, not something to guess at.
Status MigrateSchema(SqliteDb& db, int target);
inline Status MigrateSchema(SqliteDb& db) { return MigrateSchema(db, LatestSchemaVersion()); }

// The (type, name) of every table and index the migrations create, tables first, each kind
// by name: what CheckIntegrity expects. A constant, because building it from the migrations
// in a fresh in-memory database cost every command ~1.5 ms at start; schema_test checks it
// against what the migrations create (SchemaObjects of a migrated database), so it cannot drift.
const std::vector<std::pair<std::string, std::string>>& ExpectedSchemaObjects();
// The tables and indexes `db` holds (not SQLite's own), in ExpectedSchemaObjects' order.
std::vector<std::pair<std::string, std::string>> SchemaObjects(SqliteDb& db);

// The check at open, after MigrateSchema: every table and index the migrations create is
// there, and the newest row of every table reads back (which walks each table's B-tree from
// its root down its right edge, where the latest records live). Cheap: a few page reads
// whatever the history's size (bench/eventlog.sh compares it with PRAGMA quick_check, which
// reads every page). A missing table or a corrupt page on those paths is an error naming
// the damage and what to do (DamagedMessage); corruption elsewhere shows when a read meets
// it (SqliteDb::damage()).
Status CheckIntegrity(SqliteDb& db);

}  // namespace af

#endif
