#include "engine/recovery.h"

#include "clock/clock.h"
#include "engine/child_process_runner.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace af {
namespace {

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// "assetflow: plugin 'p' (p/d) crashed while materializing 'a' in run R (signal 11, SIGSEGV)"
// -> "a"; "" when the note names no asset.
std::string AssetOfNote(const std::string& note) {
  const std::string marker = "while materializing '";
  const size_t at = note.find(marker);
  if (at == std::string::npos) return "";
  const size_t start = at + marker.size();
  const size_t end = note.find('\'', start);
  return end == std::string::npos ? "" : note.substr(start, end - start);
}

// Steps the run started and never finished, from its events.
std::vector<std::string> UnfinishedSteps(const std::vector<EventRecord>& events) {
  std::map<std::string, bool> open;  // asset -> still running
  std::vector<std::string> order;
  for (const EventRecord& e : events) {
    if (e.asset_key.empty()) continue;
    if (e.type == "STEP_STARTED") {
      if (!open.count(e.asset_key)) order.push_back(e.asset_key);
      open[e.asset_key] = true;
    } else if (e.type == "STEP_SUCCESS" || e.type == "STEP_FAILED" || e.type == "STEP_SKIPPED") {
      open[e.asset_key] = false;
    }
  }
  std::vector<std::string> unfinished;
  for (const std::string& key : order)
    if (open[key]) unfinished.push_back(key);
  return unfinished;
}

}  // namespace

Status PublishRecordedVersions(EventLog& log, const std::string& home, const IoManagerSet& io,
                               const std::string& run_id, size_t* published) {
  Status first;
  auto keep = [&](const Status& s) {
    if (first.ok() && !s.ok()) first = s;
  };
  const auto latest = log.LatestMaterializationsOfRun(run_id);
  std::vector<std::string> keys;
  for (const auto& [key, m] : latest)
    if (io.Has(key)) keys.push_back(key);
  // Under the run's own claims (taken over from its dead process), so no new run writes
  // these assets while their recorded versions are published.
  Status claimed = log.ClaimAssets(run_id, keys, 0);
  if (claimed.ok()) {
    for (const std::string& key : keys) {
      bool nothing_staged = false;
      Status s = PublishStaged(io.ForKey(key), key, run_id, latest.at(key).attempt, home,
                               &nothing_staged);
      if (s.ok() && !nothing_staged) ++*published;
      keep(s);
    }
  } else {
    keep(claimed);
  }
  return first;
}

namespace {

// Publishes what the run recorded and sweeps the rest; false when something could not be done.
Status RecoverStorage(EventLog& log, const std::string& home, const IoManagerSet& io,
                      const std::string& run_id, size_t* published) {
  Status first = PublishRecordedVersions(log, home, io, run_id, published);
  auto keep = [&](const Status& s) {
    if (first.ok() && !s.ok()) first = s;
  };
  for (const IoManagerRef* ref : io.All()) {
    keep(SweepRun(*ref, run_id, home));
    keep(SyncStorage(*ref, home));
  }
  std::error_code ec;
  std::filesystem::remove_all(std::filesystem::path(home) / "tmp" / run_id, ec);
  return first;
}

}  // namespace

std::string CrashNotePath(const std::string& home, const std::string& run_id) {
  return home + "/runs/" + run_id + ".crash";
}

Status RecoverAbandonedRuns(EventLog& log, const std::string& home, const IoManagerSet* io,
                            std::vector<RecoveredRun>* recovered, const InFlightProbe& in_flight) {
  Status first;
  for (const std::string& run_id : log.RunsPendingStorageRecovery()) {
    if (!io) break;
    size_t published = 0;
    Status s = RecoverStorage(log, home, *io, run_id, &published);
    if (s.ok()) s = log.SetStorageRecoveryPending(run_id, false);
    if (first.ok()) first = s;
  }
  for (const RunRecord& run : log.AbandonedRuns()) {
    RecoveredRun r;
    r.run_id = run.run_id;
    const std::string note_path = CrashNotePath(home, run.run_id);
    const std::string note = FirstLine(note_path);
    r.reason = !note.empty() ? (note.rfind("assetflow: ", 0) == 0 ? note.substr(11) : note)
               : run.pid > 0 ? "the process (pid " + std::to_string(run.pid) +
                                   ") ended without finishing"
                             : "the process ended without finishing";
    if (in_flight) {
      std::vector<EventRecord> before = log.RunEvents(run.run_id);
      r.in_flight = in_flight(home, run.run_id, before);
      if (!r.in_flight.empty()) {
        // Kept for `resume`: fencing now would lose work that is still going on. Said once.
        const bool said = std::any_of(before.begin(), before.end(), [](const EventRecord& e) {
          return e.type == "LOG" && e.message.rfind(kHostLostMessage, 0) == 0;
        });
        Status s;
        if (!said)
          s = log.AppendEvents({EventRecord{0, run.run_id, "", "LOG", SystemClock().NowMs(),
                                            kHostLostMessage + r.in_flight +
                                                "; resume with `assetflow resume " + run.run_id +
                                                "` (" + r.reason + ")",
                                            R"({"level":"WARNING"})"}});
        if (first.ok() && !s.ok()) first = s;
        if (recovered) recovered->push_back(std::move(r));
        continue;
      }
    }
    // Its cluster jobs may still run: fenced before the sweep, so none stores anything after.
    FenceRunAttempts(home, run.run_id);
    Status storage = io ? RecoverStorage(log, home, *io, run.run_id, &r.published)
                        : Status::Failed("IO managers not loaded");
    std::vector<std::string> steps = UnfinishedSteps(log.RunEvents(run.run_id));
    const std::string crashed = AssetOfNote(note);
    if (!crashed.empty() && std::find(steps.begin(), steps.end(), crashed) == steps.end())
      steps.push_back(crashed);
    const int64_t now = SystemClock().NowMs();
    std::vector<EventRecord> events;
    for (const std::string& key : steps) {
      events.push_back(EventRecord{0, run.run_id, key, "STEP_FAILED", now, r.reason,
                                   R"({"status":"AF_ERR_FATAL","recovered":true})"});
      log.RecordAttempt(key, AttemptRecord{run.run_id, now, true, r.reason});
    }
    events.push_back(EventRecord{0, run.run_id, "", "RUN_FAILED", now, r.reason,
                                 R"({"recovered":true})"});
    Status s = log.AppendEvents(events);
    if (s.ok()) s = log.SetStorageRecoveryPending(run.run_id, !storage.ok());
    if (s.ok()) s = log.EndRun(run.run_id, RunStatus::kFailed, now);
    if (s.ok()) std::filesystem::remove(note_path);
    if (first.ok() && !s.ok()) first = s;
    r.failed_steps = std::move(steps);
    if (recovered) recovered->push_back(std::move(r));
  }
  return first;
}

}  // namespace af
