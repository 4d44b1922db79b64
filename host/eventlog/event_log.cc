#include "eventlog/event_log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <utility>

#include "clock/clock.h"
#include "eventlog/event_log_impl.h"
#include "eventlog/process_identity.h"
#include "eventlog/record_json.h"
#include "eventlog/schema.h"

namespace af {

namespace {

// Past this many queued writes the producer commits inline: back-pressure on a producer
// that outruns the database, instead of unbounded memory.
constexpr size_t kMaxQueued = 64 * 1024;
constexpr int kClaimPollMs = 25;
// After a failed background commit (disk full...), wait this long before trying again.
constexpr int kFlushRetryMs = 200;

int64_t NowMs() { return SystemClock().NowMs(); }

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

std::string BusyMessage(const std::string& key, const std::string& run, int64_t pid) {
  return "asset '" + key + "' is being materialized by run " + run + " (pid " +
         std::to_string(pid) + "); try again when it finishes";
}

}  // namespace

const char* RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kStarted: return "STARTED";
    case RunStatus::kSuccess: return "SUCCESS";
    case RunStatus::kFailed: return "FAILED";
    case RunStatus::kCanceled: return "CANCELED";
  }
  return "FAILED";
}

Status EventLog::Impl::Enqueue(std::vector<PendingWrite> writes) {
  size_t queued = 0;
  bool was_empty = false;
  {
    std::lock_guard<std::mutex> lock(queue_mu);
    was_empty = queue.empty();
    if (was_empty) {
      queue = std::move(writes);
    } else {
      queue.insert(queue.end(), std::make_move_iterator(writes.begin()),
                   std::make_move_iterator(writes.end()));
    }
    queued = queue.size();
  }
  if (queued < kMaxQueued) {
    // The flusher sleeps until the queue is non-empty, then waits out kFlushIntervalMs
    // unless a batch is ready: wake it for those two, not for every write.
    if (was_empty || queued >= kFlushBatch) queue_cv.notify_one();
    return Status::OK();
  }
  std::lock_guard<std::mutex> lock(db_mu);
  return WriteWithQueue(nullptr, SqliteDb::Sync::kLazy);
}

Status EventLog::Impl::InsertPending(const std::vector<PendingWrite>& writes) {
  Status s;
  for (const PendingWrite& write : writes) {
    if (const auto* e = std::get_if<EventRecord>(&write)) {
      Query q(*db,
              "INSERT INTO events (run_id, asset_key, type, time_ms, message, data_json) "
              "VALUES (?, ?, ?, ?, ?, ?)");
      s = q.Bind(1, e->run_id).Bind(2, e->asset_key).Bind(3, e->type).Bind(4, e->time_ms)
              .Bind(5, e->message).Bind(6, e->data_json).Run();
    } else if (const auto* m = std::get_if<MaterializationRecord>(&write)) {
      Query q(*db,
              "INSERT INTO materializations (asset_key, run_id, time_ms, data_version, "
              "code_version, config_hash, upstream_json, metadata_json, config_json, attempt) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      s = q.Bind(1, m->asset_key).Bind(2, m->run_id).Bind(3, m->time_ms)
              .Bind(4, m->data_version).Bind(5, m->code_version).Bind(6, m->config_hash)
              .Bind(7, UpstreamToJson(m->upstream_data_versions))
              .Bind(8, MetadataToJson(m->metadata)).Bind(9, m->config_json)
              .Bind(10, int64_t{m->attempt}).Run();
    } else {
      const auto& a = std::get<AttemptWrite>(write);
      Query q(*db,
              "INSERT OR REPLACE INTO last_attempts (asset_key, run_id, time_ms, failed, "
              "message) VALUES (?, ?, ?, ?, ?)");
      s = q.Bind(1, a.asset_key).Bind(2, a.attempt.run_id).Bind(3, a.attempt.time_ms)
              .Bind(4, a.attempt.failed ? 1 : 0).Bind(5, a.attempt.message).Run();
    }
    if (!s.ok()) return s;
  }
  return s;
}

Status EventLog::Impl::CheckFile() {
  if (!vanished.ok()) return vanished;
  struct stat st {};
  std::string what;
  if (::stat(path.c_str(), &st) != 0) {
    what = "was deleted";
  } else if (st.st_dev != device || st.st_ino != inode) {
    what = "was replaced by another file";
  } else {
    return Status::OK();
  }
  vanished = Status::Failed("the event log " + path + " " + what +
                            " while this process used it: what it recorded since is lost. "
                            "Check what removed it (a `rm -r` of the home, a cleanup job), "
                            "then run the command again");
  return vanished;
}

Status EventLog::Impl::SyncLazyCommits() {
  if (!unsynced) return Status::OK();
  Status s = db->SyncWal();
  if (s.ok()) unsynced = false;
  return s;
}

Status EventLog::Impl::WriteWithQueue(const std::function<Status()>& body, SqliteDb::Sync sync) {
  // Never commit into a file nobody will read again: the writes stay queued, the caller
  // (the engine) sees the error, and the run fails instead of "succeeding" into the void.
  if (Status alive = CheckFile(); !alive.ok()) return alive;
  std::vector<PendingWrite> batch;
  {
    std::lock_guard<std::mutex> lock(queue_mu);
    batch.swap(queue);
  }
  if (batch.empty() && !body) return Status::OK();
  Status s = db->Write(
      [&]() -> Status {
        Status s = InsertPending(batch);
        return s.ok() && body ? body() : s;
      },
      sync);
  if (s.ok()) unsynced = sync == SqliteDb::Sync::kLazy;  // a full commit syncs the earlier ones
  if (!s.ok() && !batch.empty()) {
    std::lock_guard<std::mutex> lock(queue_mu);
    queue.insert(queue.begin(), std::make_move_iterator(batch.begin()),
                 std::make_move_iterator(batch.end()));
  }
  return s;
}

void EventLog::Impl::FlushLoop() {
  std::unique_lock<std::mutex> lock(queue_mu);
  while (!stopping) {
    queue_cv.wait(lock, [&] { return stopping || !queue.empty(); });
    // Let a burst gather, so that one transaction carries many writes.
    queue_cv.wait_for(lock, std::chrono::milliseconds(kFlushIntervalMs),
                      [&] { return stopping || queue.size() >= kFlushBatch; });
    if (stopping) break;
    lock.unlock();
    Status s;
    {
      std::lock_guard<std::mutex> db_lock(db_mu);
      s = WriteWithQueue(nullptr, SqliteDb::Sync::kLazy);
    }
    lock.lock();
    if (!s.ok()) {
      queue_cv.wait_for(lock, std::chrono::milliseconds(kFlushRetryMs), [&] { return stopping; });
    }
  }
}

EventLog::EventLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EventLog::~EventLog() {
  {
    std::lock_guard<std::mutex> lock(impl_->queue_mu);
    impl_->stopping = true;
  }
  impl_->queue_cv.notify_all();
  impl_->flusher.join();
  std::lock_guard<std::mutex> db_lock(impl_->db_mu);
  if (impl_->WriteWithQueue(nullptr).ok()) impl_->SyncLazyCommits();
}

Expected<std::unique_ptr<EventLog>> EventLog::Open(const std::string& home) {
  std::error_code ec;
  std::filesystem::create_directories(home, ec);
  if (ec) return Status::IoError("cannot create assetflow home '" + home + "': " + ec.message());
  const std::string path = (std::filesystem::path(home) / "assetflow.db").string();
  auto db = SqliteDb::Open(path);
  if (!db.ok()) return db.status();
  Status s = MigrateSchema(**db);
  if (s.ok()) s = CheckIntegrity(**db);
  // A migration that met damage reports it as such (what to do), not as a failed statement.
  if (!s.ok()) return (*db)->damage().ok() ? s : (*db)->damage();
  auto impl = std::make_unique<Impl>();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::IoError("cannot stat " + path + ": " + std::strerror(errno));
  }
  impl->path = path;
  impl->device = st.st_dev;
  impl->inode = st.st_ino;
  impl->db = std::move(*db);
  impl->host = HostName();
  Impl* raw = impl.get();
  impl->flusher = std::thread([raw] { raw->FlushLoop(); });
  return std::unique_ptr<EventLog>(new EventLog(std::move(impl)));
}

Status EventLog::StartRun(const RunRecord& run) {
  const pid_t pid = getpid();
  const std::string process = ProcessIdentity(pid);
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  return impl_->WriteWithQueue([&]() -> Status {
    Query exists(db, "SELECT 1 FROM runs WHERE run_id = ?");
    if (exists.Bind(1, run.run_id).Step()) {
      return Status::InvalidArgument("run '" + run.run_id + "' already exists");
    }
    if (!exists.status().ok()) return exists.status();
    Query q(db,
            "INSERT INTO runs (run_id, status, selection, started_ms, ended_ms, pid, host, "
            "process) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    return q.Bind(1, run.run_id).Bind(2, std::string(RunStatusName(run.status)))
        .Bind(3, run.selection).Bind(4, run.started_ms).Bind(5, run.ended_ms)
        .Bind(6, int64_t{pid}).Bind(7, impl_->host).Bind(8, process).Run();
  });
}

Status EventLog::AdoptRun(const std::string& run_id) {
  const pid_t pid = getpid();
  const std::string process = ProcessIdentity(pid);
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  return impl_->WriteWithQueue([&]() -> Status {
    Query q(db, "UPDATE runs SET pid = ?, host = ?, process = ? WHERE run_id = ? AND status = ?");
    Status s = q.Bind(1, int64_t{pid}).Bind(2, impl_->host).Bind(3, process).Bind(4, run_id)
                   .Bind(5, std::string(RunStatusName(RunStatus::kStarted))).Run();
    if (!s.ok()) return s;
    if (db.Changes() == 0) return Status::NotFound("no unfinished run '" + run_id + "'");
    return Status::OK();
  });
}

Status EventLog::EndRun(const std::string& run_id, RunStatus status, int64_t ended_ms) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  return impl_->WriteWithQueue([&]() -> Status {
    Query q(db, "UPDATE runs SET status = ?, ended_ms = ? WHERE run_id = ?");
    Status s = q.Bind(1, std::string(RunStatusName(status))).Bind(2, ended_ms).Bind(3, run_id)
                   .Run();
    if (!s.ok()) return s;
    if (db.Changes() == 0) return Status::NotFound("no run '" + run_id + "'");
    Query release(db, "DELETE FROM asset_claims WHERE run_id = ?");
    return release.Bind(1, run_id).Run();
  });
}

Status EventLog::AppendEvent(const EventRecord& event) { return AppendEvents({event}); }

Status EventLog::AppendEvents(const std::vector<EventRecord>& events) {
  const int64_t now_ms = NowMs();
  std::vector<PendingWrite> writes;
  writes.reserve(events.size());
  for (const EventRecord& e : events) {
    EventRecord& queued = std::get<EventRecord>(writes.emplace_back(e));
    if (queued.time_ms == 0) queued.time_ms = now_ms;
    if (queued.data_json.empty()) queued.data_json = "{}";
  }
  return impl_->Enqueue(std::move(writes));
}

Status EventLog::Damage() {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  if (Status file = impl_->CheckFile(); !file.ok()) return file;
  return impl_->db->damage();
}

Status EventLog::Flush() {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  Status s = impl_->WriteWithQueue(nullptr);
  // Nothing left to commit, but the flusher's lazy commits (a materialization among them,
  // say) must be durable before the caller publishes anything they record.
  return s.ok() ? impl_->SyncLazyCommits() : s;
}

Status EventLog::RecordMaterialization(const MaterializationRecord& m) {
  if (m.asset_key.empty()) return Status::InvalidArgument("materialization without an asset key");
  std::vector<PendingWrite> writes;
  writes.emplace_back(m);
  return impl_->Enqueue(std::move(writes));
}

Status EventLog::RecordAttempt(const std::string& asset_key, const AttemptRecord& attempt) {
  if (asset_key.empty()) return Status::InvalidArgument("attempt without an asset key");
  std::vector<PendingWrite> writes;
  writes.emplace_back(AttemptWrite{asset_key, attempt});
  return impl_->Enqueue(std::move(writes));
}

Status EventLog::WipeAsset(const std::string& asset_key) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  return impl_->WriteWithQueue([&]() -> Status {
    Query m(db, "DELETE FROM materializations WHERE asset_key = ?");
    Status s = m.Bind(1, asset_key).Run();
    if (!s.ok()) return s;
    Query a(db, "DELETE FROM last_attempts WHERE asset_key = ?");
    return a.Bind(1, asset_key).Run();
  });
}

Status EventLog::ForgetMaterialization(const std::string& asset_key, const std::string& run_id) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  return impl_->WriteWithQueue([&]() -> Status {
    Query m(db, "DELETE FROM materializations WHERE asset_key = ? AND run_id = ?");
    return m.Bind(1, asset_key).Bind(2, run_id).Run();
  });
}

Status EventLog::SetStorageRecoveryPending(const std::string& run_id, bool pending) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  return impl_->WriteWithQueue([&]() -> Status {
    Query q(db, "UPDATE runs SET storage_pending = ? WHERE run_id = ?");
    return q.Bind(1, int64_t{pending ? 1 : 0}).Bind(2, run_id).Run();
  });
}

Status EventLog::ClaimAssets(const std::string& run_id, const std::vector<std::string>& asset_keys,
                             int64_t wait_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  const pid_t pid = getpid();
  const std::string process = ProcessIdentity(pid);
  for (;;) {
    Status conflict;
    Status s;
    {
      std::lock_guard<std::mutex> lock(impl_->db_mu);
      SqliteDb& db = *impl_->db;
      s = impl_->WriteWithQueue([&]() -> Status {
        conflict = Status::OK();
        for (const std::string& key : asset_keys) {
          Query holder(db,
                       "SELECT run_id, pid, host, process FROM asset_claims WHERE asset_key = ?");
          if (holder.Bind(1, key).Step()) {
            const std::string holder_run = holder.Text(0);
            const int64_t holder_pid = holder.Int(1);
            if (holder_run == run_id) continue;
            const bool here = holder.Text(2) == impl_->host;
            if (!here || !ProcessGone(static_cast<pid_t>(holder_pid), holder.Text(3))) {
              conflict = Status::Busy(BusyMessage(key, holder_run, holder_pid));
              return conflict;  // rolls back the keys claimed so far: all or nothing
            }
          }
          if (!holder.status().ok()) return holder.status();
          Query claim(db,
                      "INSERT OR REPLACE INTO asset_claims (asset_key, run_id, pid, host, "
                      "claimed_ms, process) VALUES (?, ?, ?, ?, ?, ?)");
          Status s = claim.Bind(1, key).Bind(2, run_id).Bind(3, int64_t{pid})
                         .Bind(4, impl_->host).Bind(5, NowMs()).Bind(6, process).Run();
          if (!s.ok()) return s;
        }
        return Status::OK();
      });
    }
    if (s.ok() || conflict.ok()) return s;
    if (std::chrono::steady_clock::now() >= deadline) return conflict;
    std::this_thread::sleep_for(std::chrono::milliseconds(kClaimPollMs));
  }
}

Status EventLog::ReleaseAssets(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  return impl_->WriteWithQueue([&]() -> Status {
    Query q(db, "DELETE FROM asset_claims WHERE run_id = ?");
    return q.Bind(1, run_id).Run();
  });
}

}  // namespace af
