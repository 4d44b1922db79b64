#include "eventlog/sqlite_db.h"

#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <chrono>
#include <random>
#include <thread>

namespace af {

namespace {

bool IsBusy(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

// Errors that no retry or wait can fix: the file is not (or no longer) the database written.
bool IsDamage(int code, const std::string& detail) {
  const int primary = code & 0xff;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return true;
  return primary == SQLITE_ERROR &&
         (detail.rfind("no such table", 0) == 0 || detail.rfind("no such column", 0) == 0);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string DamagedMessage(const std::string& path, const std::string& detail) {
  return "the event log " + path + " is damaged (" + detail +
         "), so its history cannot be trusted: restore it from a backup, or move it aside "
         "(the stored assets stay) to start a new history";
}

Expected<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path) {
  // A home that cannot be written (a read-only mount, a backup) is opened read-only when its
  // database exists: `status`, `runs` and `logs` work, and a write fails with SQLite's own
  // "attempt to write a readonly database" instead of every command failing at open.
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const bool read_only = ::access(path.c_str(), F_OK) == 0 &&
                         ::access(dir.empty() ? "." : dir.c_str(), W_OK) != 0;
  // A WAL database is read without its -shm file (which cannot be created here) only as
  // `immutable`: nothing can change it through this read-only file system anyway.
  std::string uri = "file:";
  for (char c : path) {
    if (c == '?' || c == '#' || c == '%') {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      uri += hex;
    } else {
      uri += c;
    }
  }
  uri += "?immutable=1";
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      read_only ? uri.c_str() : path.c_str(), &raw,
      read_only ? SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX
                : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    const std::string detail = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    if (IsDamage(rc, detail)) return Status::Failed(DamagedMessage(path, detail));
    return Status::IoError("cannot open " + path + ": " + detail);
  }
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  // Switching to WAL needs a moment of exclusive access while another process may be
  // creating the same file: retried like any other busy result.
  if (read_only) return db;  // the pragmas below write
  Status s = db->Retry([&] { return db->Exec("PRAGMA journal_mode=WAL"); });
  if (s.ok()) s = db->Exec("PRAGMA synchronous=FULL");
  // Without a limit the -wal file keeps its largest size forever after a burst of writes.
  if (s.ok()) s = db->Exec("PRAGMA journal_size_limit=67108864");
  if (!db->damage().ok()) return db->damage();
  if (!s.ok()) return s;
  return db;
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status SqliteDb::Error(int rc, std::string_view what) {
  const int code = sqlite3_errcode(db_) != SQLITE_OK ? sqlite3_extended_errcode(db_) : rc;
  last_error_busy_ = IsBusy(code) || IsBusy(rc);
  const std::string detail = sqlite3_errmsg(db_);
  std::string message = path_ + ": " + std::string(what) + ": " + detail;
  if (damage_.ok() && IsDamage(code, detail)) {
    damage_ = Status::Failed(DamagedMessage(path_, detail));
  }
  return last_error_busy_ ? Status::Busy(std::move(message)) : Status::IoError(std::move(message));
}

Status SqliteDb::Exec(const char* sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  sqlite3_free(error);
  return rc == SQLITE_OK ? Status::OK() : Error(rc, sql);
}

sqlite3_stmt* SqliteDb::Prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    return nullptr;
  }
  statements_.emplace(sql, stmt);
  return stmt;
}

Status SqliteDb::Retry(const std::function<Status()>& attempt) {
  // SQLite's own busy handler has already waited up to kBusyTimeoutMs inside the failing
  // call; on top of that we back off with jitter (so two processes do not retry in lockstep)
  // and start over, because some busy results (WAL recovery, a busy COMMIT) are not waited
  // for by the handler at all.
  std::minstd_rand jitter(static_cast<unsigned>(NowMs()) ^ static_cast<unsigned>(getpid()));
  const int64_t deadline = NowMs() + kLockBudgetMs;
  int backoff_ms = 1;
  for (;;) {
    last_error_busy_ = false;
    Status s = attempt();
    if (s.ok() || !last_error_busy_) return s;
    if (NowMs() >= deadline) {
      return Status::Busy(path_ + " stayed locked by another process for " +
                          std::to_string(kLockBudgetMs / 1000) + " s: " + s.message());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + jitter() % backoff_ms));
    backoff_ms = std::min(backoff_ms * 2, 50);
  }
}

Status SqliteDb::Write(const std::function<Status()>& body, Sync sync) {
  // The level is the connection's: switched only around a lazy write, and a full write never
  // starts before the connection is back at FULL.
  const bool lazy = sync == Sync::kLazy;
  if (lazy != lazy_) {
    Status s = Exec(lazy ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
    if (!s.ok()) return s;
    lazy_ = lazy;
  }
  Status s = Transaction("BEGIN IMMEDIATE", body);
  if (lazy && Exec("PRAGMA synchronous=FULL").ok()) lazy_ = false;
  return s;
}

Status SqliteDb::SyncWal() {
  const std::string wal = path_ + "-wal";
  const int fd = ::open(wal.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? Status::OK() : Status::IoError("cannot open " + wal + ": " + std::strerror(errno));
  const int rc = ::fdatasync(fd);
  const int err = errno;
  ::close(fd);
  return rc == 0 ? Status::OK() : Status::IoError("cannot sync " + wal + ": " + std::strerror(err));
}

Status SqliteDb::Read(const std::function<Status()>& body) {
  return Transaction("BEGIN", body);
}

Status SqliteDb::Transaction(const char* begin, const std::function<Status()>& body) {
  return Retry([&]() -> Status {
    Status s = Exec(begin);
    if (!s.ok()) return s;
    s = body();
    if (s.ok()) s = Exec("COMMIT");
    if (!s.ok()) {
      const bool busy = last_error_busy_;
      // Rollback fails only when no transaction is open (SQLite may already have ended it).
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      last_error_busy_ = busy;
    }
    return s;
  });
}


Query& Query::Bind(int index, int64_t value) {
  if (stmt_ != nullptr) sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Query& Query::Bind(int index, const std::string& value) {
  if (stmt_ != nullptr) {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
  }
  return *this;
}

bool Query::Step() {
  if (stmt_ == nullptr || !status_.ok()) return false;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) status_ = db_.Error(rc, sqlite3_sql(stmt_));
  return false;
}

Status Query::Run() {
  while (Step()) {
  }
  return status_;
}

std::string Query::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return text == nullptr ? std::string() : std::string(text, sqlite3_column_bytes(stmt_, column));
}

}  // namespace af
