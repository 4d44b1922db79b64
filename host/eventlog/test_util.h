// Test-only helpers for the eventlog and staleness tests; not part of the library.
#ifndef ASSETFLOW_HOST_EVENTLOG_TEST_UTIL_H_
#define ASSETFLOW_HOST_EVENTLOG_TEST_UTIL_H_

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "eventlog/event_log.h"

namespace af {

// A fresh ASSETFLOW_HOME under /tmp for one test, removed with everything in it when the
// test ends.
class TempHome {
 public:
  TempHome() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "assetflow-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempHome() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempHome(const TempHome&) = delete;
  TempHome& operator=(const TempHome&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// An EventLog on `home`, or the test stops with the reason.
inline std::unique_ptr<EventLog> OpenTestLog(const std::string& home) {
  auto log = EventLog::Open(home);
  REQUIRE_MESSAGE(log.ok(), log.status().message());
  return std::move(*log);
}

// Straight SQL on the file, as a second, independent reader of what the EventLog wrote.
inline int64_t QueryInt(const std::string& home, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((home + "/assetflow.db").c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE_MESSAGE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK,
                  sqlite3_errmsg(db));
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  const int64_t value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

// Runs `body` in a forked child process, which exits with body()'s return value (1 if it
// throws) through _exit: no doctest reporting, no destructors of the parent's objects. Fork
// before the parent opens an EventLog, so the child inherits no threads or connections.
template <class Body>
pid_t ForkChild(Body body) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  int code = 1;
  try {
    code = body();
  } catch (...) {
  }
  _exit(code);
}

// The child's exit code, or 128 + signal number if it was killed.
inline int WaitChild(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace af

#endif
