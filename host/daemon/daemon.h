// Daemon: keeps assets fresh. Each tick it (1) collects the runs that ended, (2) reloads the
// manifests and plugins if they changed (a broken edit is reported and the last good
// definitions keep running), (3) launches a run for each schedule whose cron ticked since the
// last one it handled (one run however many ticks were missed: catch-up), (4) evaluates every
// freshness policy (freshness/freshness.h), records state changes, alerts on WARN / FAIL and
// on recovery, and launches a refresh for each asset that would otherwise be overdue at the
// next tick: first its root assets whose data is too old, then whatever of it and its
// upstream is then stale, missing or failed. Runs go through the engine's Executor, as
// `assetflow materialize` does.
//
// Guarantees: never two runs of the same asset at once (in-flight assets are skipped here,
// and the event log's claims keep other processes out); one alert per episode (a state change
// recorded in the event log, so a restart does not repeat it; a failing refresh alerts once
// until it succeeds, and retries with backoff); one daemon per home (HomeLock).
//
// Time is the Clock's (clock/clock.h): tests drive a ManualClock with Tick() + WaitIdle().
// Thread: Tick, WaitIdle, Run and Shutdown from one thread; runs execute on threads of their
// own.
#ifndef ASSETFLOW_HOST_DAEMON_DAEMON_H_
#define ASSETFLOW_HOST_DAEMON_DAEMON_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "clock/clock.h"
#include "common/diagnostic.h"
#include "common/status.h"
#include "engine/executor.h"
#include "workspace/workspace.h"

namespace af {

struct DaemonOptions {
  WorkspaceOptions workspace;
  double tick_s = 30;   // of the clock's time
  // Real seconds running runs get to finish after a stop; then their steps are canceled
  // (and get 2 s more before a child is killed or a thread abandoned).
  double grace_s = 30;
  int parallelism = 0;  // per run; <= 0: the number of cores
  ExecutorKind executor = ExecutorKind::kInProcess;
  Clock* clock = nullptr;  // default SystemClock()
  // One line per call, no newline (the CLI prints text or JSON); default: stderr.
  std::function<void(const std::string& line)> log;
};

class Daemon {
 public:
  // Takes the home's lock (Busy when another daemon holds it), opens the event log, ends the
  // runs of dead processes, loads the workspace (an invalid one is an error here: there are
  // no last good definitions yet; `*diagnostics` has them).
  static Expected<std::unique_ptr<Daemon>> Start(DaemonOptions options, Diagnostics* diagnostics);
  ~Daemon();  // Shutdown(nullptr) if not done

  void Tick();
  // Waits for every launched run to end, collects them (alerts on failures) and delivers the
  // queued alerts.
  void WaitIdle();
  // Ticks every tick_s until `stop` (e.g. a signal handler) becomes true, then Shutdown.
  void Run(const std::atomic<bool>& stop, const std::atomic<bool>* force);
  // Stops launching; waits up to grace_s for runs to end, then cancels them (at once when
  // `*force` becomes true); collects them, records (and alerts on) the freshness they left
  // unless canceled, and delivers the alerts.
  void Shutdown(const std::atomic<bool>* force);

  struct Stats {
    int runs = 0;          // executor runs started
    int failed_jobs = 0;   // launches that did not succeed
    int reloads = 0;       // successful reloads
    int reload_errors = 0;
    bool abandoned = false;  // a step did not stop: the process must end with _exit
  };
  Stats stats() const;
  const Workspace& workspace() const;
  EventLog& event_log();

 private:
  struct Impl;
  explicit Daemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The event type recording a schedule tick that was handled (asset_key = schedule name,
// data {"tick":..,"tick_ms":..,"missed":..}).
inline constexpr const char* kScheduleTickEvent = "SCHEDULE_TICK";

}  // namespace af

#endif
