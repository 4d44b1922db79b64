// The event log's schema: a list of migrations, applied in order, each once. The version a
// database is at is MAX(version) in its schema_version table (0 when the table is missing:
// a new or foreign file). Internal to eventlog.
#ifndef ASSETFLOW_HOST_EVENTLOG_SCHEMA_H_
#define ASSETFLOW_HOST_EVENTLOG_SCHEMA_H_

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

}  // namespace af

#endif
