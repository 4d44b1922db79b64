#include "eventlog/event_log.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "eventlog/process_identity.h"
#include "eventlog/schema.h"
#include "eventlog/sqlite_db.h"

namespace af {

namespace {

// Past this many queued events AppendEvent commits inline: back-pressure on a producer
// that outruns the database, instead of unbounded memory.
constexpr size_t kMaxQueued = 64 * 1024;
constexpr int kClaimPollMs = 25;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const char* const kRunStatusNames[] = {"STARTED", "SUCCESS", "FAILED", "CANCELED"};

RunStatus ParseRunStatus(const std::string& name) {
  for (int i = 0; i < 4; ++i) {
    if (name == kRunStatusNames[i]) return static_cast<RunStatus>(i);
  }
  return RunStatus::kFailed;  // unknown text from a newer writer: do not claim success
}

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(JsonWriter& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

std::string UpstreamToJson(const std::map<std::string, std::string>& upstream) {
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartObject();
  for (const auto& [key, version] : upstream) {
    WriteString(w, key);
    WriteString(w, version);
  }
  w.EndObject();
  return out.GetString();
}

std::string MetadataToJson(const std::vector<MetadataEntry>& metadata) {
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartArray();
  for (const MetadataEntry& e : metadata) {
    w.StartObject();
    w.Key("key");
    WriteString(w, e.key);
    w.Key("type");
    WriteString(w, e.type);
    w.Key("value");
    WriteString(w, e.value);
    w.EndObject();
  }
  w.EndArray();
  return out.GetString();
}

std::string JsonString(const rapidjson::Value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : std::string();
}

// The stored JSON is ours; anything unreadable (a hand-edited row) decodes as empty.
std::map<std::string, std::string> UpstreamFromJson(const std::string& json) {
  std::map<std::string, std::string> upstream;
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return upstream;
  for (const auto& m : doc.GetObject()) upstream[JsonString(m.name)] = JsonString(m.value);
  return upstream;
}

std::vector<MetadataEntry> MetadataFromJson(const std::string& json) {
  std::vector<MetadataEntry> metadata;
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsArray()) return metadata;
  for (const auto& e : doc.GetArray()) {
    if (!e.IsObject()) continue;
    auto field = [&](const char* name) {
      auto it = e.FindMember(name);
      return it == e.MemberEnd() ? std::string() : JsonString(it->value);
    };
    metadata.push_back({field("key"), field("type"), field("value")});
  }
  return metadata;
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

}  // namespace

const char* RunStatusName(RunStatus s) { return kRunStatusNames[static_cast<int>(s)]; }

struct EventLog::Impl {
  std::unique_ptr<SqliteDb> db;
  std::string host = HostName();

  // Lock order: db_mu before queue_mu. Whoever commits holds db_mu from taking the queue
  // until the commit, which keeps events in append order across flushers.
  std::mutex db_mu;
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::vector<EventRecord> queue;
  bool stopping = false;
  std::thread flusher;

  // Commits the queued events and then `body`, in one transaction. On failure the events go
  // back to the front of the queue, so nothing appended is dropped while the process lives.
  // Requires db_mu.
  Status WriteWithQueue(const std::function<Status()>& body);
  Status InsertEvents(const std::vector<EventRecord>& events);
  void FlushLoop();
};

Status EventLog::Impl::InsertEvents(const std::vector<EventRecord>& events) {
  for (const EventRecord& e : events) {
    Query q(*db,
            "INSERT INTO events (run_id, asset_key, type, time_ms, message, data_json) "
            "VALUES (?, ?, ?, ?, ?, ?)");
    Status s = q.Bind(1, e.run_id).Bind(2, e.asset_key).Bind(3, e.type).Bind(4, e.time_ms)
                   .Bind(5, e.message).Bind(6, e.data_json).Run();
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status EventLog::Impl::WriteWithQueue(const std::function<Status()>& body) {
  std::vector<EventRecord> batch;
  {
    std::lock_guard<std::mutex> lock(queue_mu);
    batch.swap(queue);
  }
  if (batch.empty() && !body) return Status::OK();
  Status s = db->Write([&]() -> Status {
    Status s = InsertEvents(batch);
    return s.ok() && body ? body() : s;
  });
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
    // Give a burst a moment to gather, so one transaction carries many events.
    queue_cv.wait_for(lock, std::chrono::milliseconds(kFlushIntervalMs),
                      [&] { return stopping || queue.size() >= kFlushBatch; });
    if (stopping) break;
    lock.unlock();
    Status s;
    {
      std::lock_guard<std::mutex> db_lock(db_mu);
      s = WriteWithQueue(nullptr);
    }
    lock.lock();
    // A failing database (disk full): keep the events and try again later, without spinning.
    if (!s.ok()) queue_cv.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping; });
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
  impl_->WriteWithQueue(nullptr);
}

Expected<std::unique_ptr<EventLog>> EventLog::Open(const std::string& home) {
  std::error_code ec;
  std::filesystem::create_directories(home, ec);
  if (ec) return Status::IoError("cannot create assetflow home '" + home + "': " + ec.message());
  auto db = SqliteDb::Open((std::filesystem::path(home) / "assetflow.db").string());
  if (!db.ok()) return db.status();
  Status s = MigrateSchema(**db);
  if (!s.ok()) return s;
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
  Impl* raw = impl.get();
  impl->flusher = std::thread([raw] { raw->FlushLoop(); });
  return std::unique_ptr<EventLog>(new EventLog(std::move(impl)));
}

Status EventLog::StartRun(const RunRecord& run) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  return impl_->WriteWithQueue([&]() -> Status {
    Query exists(db, "SELECT 1 FROM runs WHERE run_id = ?");
    if (exists.Bind(1, run.run_id).Step()) {
      return Status::InvalidArgument("run '" + run.run_id + "' already exists");
    }
    if (!exists.status().ok()) return exists.status();
    Query q(db,
            "INSERT INTO runs (run_id, status, selection, started_ms, ended_ms) "
            "VALUES (?, ?, ?, ?, ?)");
    return q.Bind(1, run.run_id).Bind(2, std::string(RunStatusName(run.status)))
        .Bind(3, run.selection).Bind(4, run.started_ms).Bind(5, run.ended_ms).Run();
  });
}

Status EventLog::EndRun(const std::string& run_id, RunStatus status, int64_t ended_ms) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  return impl_->WriteWithQueue([&]() -> Status {
    Query q(db, "UPDATE runs SET status = ?, ended_ms = ? WHERE run_id = ?");
    Status s = q.Bind(1, std::string(RunStatusName(status))).Bind(2, ended_ms).Bind(3, run_id).Run();
    if (!s.ok()) return s;
    if (db.Changes() == 0) return Status::NotFound("no run '" + run_id + "'");
    Query release(db, "DELETE FROM asset_claims WHERE run_id = ?");
    return release.Bind(1, run_id).Run();
  });
}

Status EventLog::AppendEvent(const EventRecord& event) { return AppendEvents({event}); }

Status EventLog::AppendEvents(const std::vector<EventRecord>& events) {
  const int64_t now_ms = NowMs();
  bool behind = false;
  {
    std::lock_guard<std::mutex> lock(impl_->queue_mu);
    for (const EventRecord& e : events) {
      EventRecord& queued = impl_->queue.emplace_back(e);
      if (queued.time_ms == 0) queued.time_ms = now_ms;
      if (queued.data_json.empty()) queued.data_json = "{}";
    }
    behind = impl_->queue.size() >= kMaxQueued;
    if (!behind && impl_->queue.size() < kFlushBatch) return Status::OK();
  }
  if (!behind) {
    impl_->queue_cv.notify_one();
    return Status::OK();
  }
  return Flush();
}

Status EventLog::Flush() {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  return impl_->WriteWithQueue(nullptr);
}

Status EventLog::RecordMaterialization(const MaterializationRecord& m) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  const std::string upstream = UpstreamToJson(m.upstream_data_versions);
  const std::string metadata = MetadataToJson(m.metadata);
  return impl_->WriteWithQueue([&]() -> Status {
    Query q(db,
            "INSERT INTO materializations (asset_key, run_id, time_ms, data_version, "
            "code_version, config_hash, upstream_json, metadata_json, config_json) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    return q.Bind(1, m.asset_key).Bind(2, m.run_id).Bind(3, m.time_ms).Bind(4, m.data_version)
        .Bind(5, m.code_version).Bind(6, m.config_hash).Bind(7, upstream).Bind(8, metadata)
        .Bind(9, m.config_json).Run();
  });
}

Status EventLog::RecordAttempt(const std::string& asset_key, const AttemptRecord& attempt) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  return impl_->WriteWithQueue([&]() -> Status {
    Query q(db,
            "INSERT OR REPLACE INTO last_attempts (asset_key, run_id, time_ms, failed, message) "
            "VALUES (?, ?, ?, ?, ?)");
    return q.Bind(1, asset_key).Bind(2, attempt.run_id).Bind(3, attempt.time_ms)
        .Bind(4, attempt.failed ? 1 : 0).Bind(5, attempt.message).Run();
  });
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

std::optional<MaterializationRecord> EventLog::LatestMaterialization(const std::string& asset_key) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  std::optional<MaterializationRecord> result;
  db.Read([&]() -> Status {
    result.reset();
    Query q(db,
            "SELECT run_id, time_ms, data_version, code_version, config_hash, upstream_json, "
            "metadata_json, config_json FROM materializations WHERE asset_key = ? "
            "ORDER BY id DESC LIMIT 1");
    if (q.Bind(1, asset_key).Step()) {
      MaterializationRecord& m = result.emplace();
      m.asset_key = asset_key;
      m.run_id = q.Text(0);
      m.time_ms = q.Int(1);
      m.data_version = q.Text(2);
      m.code_version = q.Text(3);
      m.config_hash = q.Text(4);
      m.upstream_data_versions = UpstreamFromJson(q.Text(5));
      m.metadata = MetadataFromJson(q.Text(6));
      m.config_json = q.Text(7);
    }
    return q.status();
  });
  return result;
}

std::optional<AttemptRecord> EventLog::LastAttempt(const std::string& asset_key) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  std::optional<AttemptRecord> result;
  db.Read([&]() -> Status {
    result.reset();
    Query q(db, "SELECT run_id, time_ms, failed, message FROM last_attempts WHERE asset_key = ?");
    if (q.Bind(1, asset_key).Step()) {
      result = AttemptRecord{q.Text(0), q.Int(1), q.Int(2) != 0, q.Text(3)};
    }
    return q.status();
  });
  return result;
}

namespace {

RunRecord ReadRun(const Query& q) {
  return RunRecord{q.Text(0), ParseRunStatus(q.Text(1)), q.Text(2), q.Int(3), q.Int(4)};
}

}  // namespace

std::vector<RunRecord> EventLog::RecentRuns(int limit) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  std::vector<RunRecord> runs;
  db.Read([&]() -> Status {
    runs.clear();
    Query q(db,
            "SELECT run_id, status, selection, started_ms, ended_ms FROM runs "
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
            "SELECT run_id, status, selection, started_ms, ended_ms FROM runs WHERE run_id = ?");
    if (q.Bind(1, run_id).Step()) run = ReadRun(q);
    return q.status();
  });
  return run;
}

std::vector<EventRecord> EventLog::RunEvents(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(impl_->db_mu);
  SqliteDb& db = *impl_->db;
  impl_->WriteWithQueue(nullptr);
  std::vector<EventRecord> events;
  db.Read([&]() -> Status {
    events.clear();
    Query q(db,
            "SELECT id, run_id, asset_key, type, time_ms, message, data_json FROM events "
            "WHERE run_id = ? ORDER BY id");
    q.Bind(1, run_id);
    while (q.Step()) {
      events.push_back(
          EventRecord{q.Int(0), q.Text(1), q.Text(2), q.Text(3), q.Int(4), q.Text(5), q.Text(6)});
    }
    return q.status();
  });
  return events;
}

Status EventLog::ClaimAssets(const std::string& run_id, const std::vector<std::string>& asset_keys,
                             int64_t wait_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    Status conflict;
    Status s;
    {
      std::lock_guard<std::mutex> lock(impl_->db_mu);
      SqliteDb& db = *impl_->db;
      const pid_t pid = getpid();
      const std::string process = ProcessIdentity(pid);
      s = impl_->WriteWithQueue([&]() -> Status {
        conflict = Status::OK();
        for (const std::string& key : asset_keys) {
          Query holder(db,
                       "SELECT run_id, pid, host, process FROM asset_claims WHERE asset_key = ?");
          if (holder.Bind(1, key).Step()) {
            const std::string holder_run = holder.Text(0);
            const int64_t holder_pid = holder.Int(1);
            const bool here = holder.Text(2) == impl_->host;
            if (holder_run == run_id) continue;
            if (!here || !ProcessGone(static_cast<pid_t>(holder_pid), holder.Text(3))) {
              conflict = Status::Busy("asset '" + key + "' is being materialized by run " +
                                      holder_run + " (pid " + std::to_string(holder_pid) +
                                      "); try again when it finishes");
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
