// EventLog's internals, shared by event_log.cc (opening, the write queue, writes, claims)
// and event_log_read.cc (reads). Not part of the interface.
#ifndef ASSETFLOW_HOST_EVENTLOG_EVENT_LOG_IMPL_H_
#define ASSETFLOW_HOST_EVENTLOG_EVENT_LOG_IMPL_H_

#include <sys/types.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "eventlog/event_log.h"
#include "eventlog/sqlite_db.h"

namespace af {

struct AttemptWrite {
  std::string asset_key;
  AttemptRecord attempt;
};

// A write that was accepted but not committed yet.
using PendingWrite = std::variant<EventRecord, MaterializationRecord, AttemptWrite>;

struct EventLog::Impl {
  std::unique_ptr<SqliteDb> db;
  std::string host;
  // The database file as opened: a file found deleted or replaced at that path later (the
  // home removed mid-run, another process recreating it) means whatever this process writes
  // is lost, so writing stops and damage says why (CheckFile).
  std::string path;
  dev_t device = 0;
  ino_t inode = 0;
  Status vanished;  // sticky; guarded by db_mu

  // Lock order: db_mu before queue_mu. Whoever commits holds db_mu from taking the queue
  // until the commit ends, so writes reach the database in the order they were queued, and
  // a reader holding db_mu sees each write either in the queue or in the database.
  std::mutex db_mu;
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::vector<PendingWrite> queue;
  bool stopping = false;
  std::thread flusher;

  // Queues `writes` (in order); wakes the flusher once a batch is ready, and commits inline
  // when the queue is far behind.
  Status Enqueue(std::vector<PendingWrite> writes);
  // Commits the queued writes and then `body` (may be null), in one transaction. On failure
  // the writes go back to the front of the queue: nothing accepted is dropped while the
  // process lives. Requires db_mu.
  // `sync`: kLazy for the flusher's own batches of queued writes (no record waits on them:
  // whatever must be durable is made so by a full commit or Flush, which sync them too).
  Status WriteWithQueue(const std::function<Status()>& body,
                        SqliteDb::Sync sync = SqliteDb::Sync::kFull);
  // Makes the lazy commits so far durable, if there are any. Requires db_mu.
  Status SyncLazyCommits();
  bool unsynced = false;  // a lazy commit happened since the last full one; guarded by db_mu
  // OK while `path` is still the file opened. Requires db_mu.
  Status CheckFile();
  Status InsertPending(const std::vector<PendingWrite>& writes);
  void FlushLoop();
};

}  // namespace af

#endif
