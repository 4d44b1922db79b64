// SqliteDb: the event log's thin layer over one sqlite3 connection (internal to eventlog).
// It owns the connection and its prepared-statement cache, and turns SQLite's "busy" and
// "locked" results into waiting: a concurrent writer in another process makes a call slower,
// never makes it fail, unless the database stays locked for longer than kLockBudgetMs.
//
// Not thread-safe: the caller (EventLog) serializes every use under one mutex.
#ifndef ASSETFLOW_HOST_EVENTLOG_SQLITE_DB_H_
#define ASSETFLOW_HOST_EVENTLOG_SQLITE_DB_H_

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace af {

// The message of a damaged event log at `path`: what is wrong (`detail`) and what to do.
std::string DamagedMessage(const std::string& path, const std::string& detail);

class SqliteDb {
 public:
  // How long one statement waits inside SQLite (sqlite3_busy_timeout) before we see BUSY,
  // and how long in total Write()/Read() keep retrying before giving up.
  static constexpr int kBusyTimeoutMs = 2000;
  static constexpr int kLockBudgetMs = 60000;

  // Opens (creating if missing) the database at `path` in WAL mode with synchronous=FULL:
  // a commit that returned survives a crash of the process and a power loss (the engine
  // publishes an asset only after its record's commit; commits are batched, so the WAL
  // fsync is paid per batch, not per write).
  static Expected<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT. If SQLite reports busy/locked anywhere
  // (begin, body, commit), the transaction is rolled back and the whole of `body` runs again
  // after a short backoff, so `body` must be safe to re-run (it only touches the database and
  // its own captured state, which it resets). A non-OK status from `body` rolls back and is
  // returned as is.
  //
  // kFull commits with synchronous=FULL (the WAL is fsynced: the commit survives a power
  // loss). kLazy commits with synchronous=NORMAL: as safe against a crash of the process, but
  // a power loss may take it back until a later kFull commit or SyncWal(), each of which makes
  // every earlier commit durable too (the WAL is one file, synced whole).
  enum class Sync { kFull, kLazy };
  Status Write(const std::function<Status()>& body, Sync sync = Sync::kFull);
  // Makes every commit so far durable (fdatasync of the -wal file): what a kFull commit would
  // do, without writing anything. No WAL file: everything is in the database file already.
  Status SyncWal();
  // Runs a read-only `body` in one read transaction (one consistent snapshot, one lock
  // acquisition for all its statements), retrying it on busy the same way.
  Status Read(const std::function<Status()>& body);
  // Executes SQL text (may hold several statements); for schema changes and pragmas.
  Status Exec(const char* sql);

  // The cached prepared statement for `sql` (prepared on first use; `sql` is the cache key,
  // so pass a literal), or nullptr with the error recorded (see Error()).
  sqlite3_stmt* Prepare(const char* sql);
  // A Status for the connection's last error, and remembers whether it was busy/locked and
  // whether it shows the database damaged (see damage()).
  Status Error(int rc, std::string_view what);
  // The first error that showed the database damaged: SQLITE_CORRUPT, SQLITE_NOTADB, or a
  // table or column of the schema gone. Sticky: reads that return "nothing" on an error
  // (EventLog's lookups) must not be taken for an empty history once this is set.
  const Status& damage() const { return damage_; }
  const std::string& path() const { return path_; }
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int Changes() const { return sqlite3_changes(db_); }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Retry(const std::function<Status()>& attempt);
  Status Transaction(const char* begin, const std::function<Status()>& body);

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string_view, sqlite3_stmt*> statements_;
  bool last_error_busy_ = false;
  bool lazy_ = false;  // the connection is at synchronous=NORMAL (a kLazy write's)
  Status damage_;
};

// One use of a cached statement: bind, step, read columns. Resets the statement (and clears
// its bindings) when destroyed, so the cached statement is ready for the next use.
class Query {
 public:
  Query(SqliteDb& db, const char* sql) : db_(db), stmt_(db.Prepare(sql)) {
    if (stmt_ == nullptr) status_ = db.Error(SQLITE_ERROR, sql);
  }
  ~Query() {
    if (stmt_ != nullptr) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& Bind(int index, int64_t value);
  Query& Bind(int index, const std::string& value);

  // Steps once: true while a row is available; false when done or on error (see status()).
  bool Step();
  // Steps until done; for statements that return no rows.
  Status Run();

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string Text(int column) const;
  const Status& status() const { return status_; }

 private:
  SqliteDb& db_;
  sqlite3_stmt* stmt_;
  Status status_;
};

}  // namespace af

#endif
