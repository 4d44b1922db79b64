#include "daemon/daemon.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <list>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "daemon/alerts.h"
#include "daemon/definitions_watch.h"
#include "daemon/home_lock.h"
#include "engine/io_managers.h"
#include "engine/recovery.h"
#include "freshness/freshness.h"
#include "schedule/cron.h"

namespace af {
namespace {

constexpr int64_t kMaxBackoffMs = 15 * 60 * 1000;
// Executor grace once the daemon's own grace is over and it cancels.
constexpr double kCancelGraceS = 2;

// "30", "0.5": seconds as people write them.
std::string Seconds(double s) {
  std::ostringstream out;
  out << s;
  return out.str();
}

std::string Plural(size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

struct Daemon::Impl {
  DaemonOptions options;
  Clock* clock = nullptr;
  std::unique_ptr<HomeLock> lock;
  std::unique_ptr<EventLog> log;
  std::shared_ptr<Workspace> current;
  // Every workspace ever loaded: their plugins stay loaded for the life of the process.
  std::vector<std::shared_ptr<Workspace>> retired;
  std::string fingerprint;
  std::unique_ptr<AlertDispatcher> alerts;

  struct Job {
    std::string key;  // "schedule <name>" / "freshness <asset>"
    std::shared_ptr<Workspace> ws;
    std::vector<size_t> first;  // schedule: its selection; freshness: the roots to refresh
    std::optional<size_t> target;
    std::set<std::string> assets;  // held in flight
    int64_t started_ms = 0;
    std::thread thread;
    std::atomic<bool> done{false};
    // Set by the job's thread before `done`.
    bool ok = true, busy = false, abandoned = false;
    std::string failure, run_id;
    int runs = 0;
  };
  std::list<std::unique_ptr<Job>> jobs;
  std::set<std::string> in_flight;
  std::mutex done_mu;
  std::condition_variable done_cv;
  std::atomic<bool> cancel{false}, force{false};
  bool stopping = false, shut_down = false;

  struct Backoff {
    int failures = 0;
    int64_t next_ms = 0;
    bool alerted = false;  // a run_failed alert was sent for this episode
  };
  std::map<std::string, Backoff> backoff;        // by job key
  std::map<std::string, int64_t> duration_ms;    // last duration of a freshness job, by key
  std::map<std::string, int64_t> schedule_cursor;  // last handled tick, by schedule
  Stats stats;

  void Log(const std::string& line) {
    options.log(FormatRfc3339(clock->NowMs()) + " " + line);
  }

  // ---- reload ----
  Expected<std::shared_ptr<Workspace>> Load(Diagnostics* diagnostics) {
    auto ws = Workspace::Open(options.workspace, diagnostics);
    if (!ws.ok()) return ws.status();
    return std::shared_ptr<Workspace>(std::move(*ws));
  }

  void MaybeReload() {
    std::string now = DefinitionsFingerprint(options.workspace, current.get());
    if (now == fingerprint) return;
    fingerprint = now;
    Diagnostics diagnostics;
    auto ws = Load(&diagnostics);
    if (!ws.ok()) {
      ++stats.reload_errors;
      Log("reload failed; keeping the last good definitions (" +
          Plural(current->definitions().assets.size(), "asset") + ")");
      for (const Diagnostic& d : diagnostics)
        if (d.severity == Diagnostic::Severity::kError) Log("  " + d.ToString());
      return;
    }
    retired.push_back(current);
    current = *ws;
    // The plugin search path may have changed with the manifests' plugin_dirs.
    fingerprint = DefinitionsFingerprint(options.workspace, current.get());
    alerts->Configure(current->definitions().alerts);
    ++stats.reloads;
    Log("reloaded: " + Plural(current->definitions().assets.size(), "asset") + ", " +
        Plural(current->definitions().schedules.size(), "schedule") + ", " +
        Plural(current->plugins().plugins().size(), "plugin"));
  }

  // ---- jobs ----
  bool InFlight(const std::set<std::string>& assets) const {
    for (const std::string& a : assets)
      if (in_flight.count(a)) return true;
    return false;
  }

  // One executor run; false (with failure set) unless it succeeded.
  bool RunOnce(Job& job, std::vector<size_t> selection, const std::string& text) {
    RunOptions run;
    run.selection = std::move(selection);
    run.selection_text = text;
    run.parallelism = options.parallelism;
    run.cancel = &cancel;
    run.force_cancel = &force;
    run.grace_s = kCancelGraceS;
    run.executor = options.executor;
    run.clock = clock;
    Executor executor(job.ws->graph(), job.ws->plugins(), *log, job.ws->home());
    auto result = executor.Run(run);
    if (!result.ok()) {
      job.failure = result.status().message();
      job.busy = result.status().code() == Status::Code::kBusy;
      return false;
    }
    ++job.runs;
    job.run_id = result->run_id;
    job.abandoned |= result->abandoned;
    if (result->status == RunStatus::kSuccess) return true;
    job.failure = std::string("run ") + RunStatusName(result->status);
    for (const StepResult& s : result->steps) {
      if (s.state == StepState::kFailed) {
        job.failure = s.asset_key + ": " + s.message;
        break;
      }
    }
    return false;
  }

  void RunJob(Job& job) {
    const auto& assets = job.ws->definitions().assets;
    bool ok = true;
    if (!job.first.empty()) ok = RunOnce(job, job.first, "daemon: " + job.key);
    if (ok && job.target && !cancel.load()) {
      // What the refreshed roots made stale, and whatever is missing or failed on the way.
      SelectionRequest request;
      request.expression = "*" + assets[*job.target].key;
      request.missing = request.stale = request.failed = true;
      auto selected = ResolveSelection(*job.ws, *log, request);
      if (!selected.ok()) {
        job.failure = selected.status().message();
        ok = false;
      } else if (!selected->empty()) {
        ok = RunOnce(job, *selected, "daemon: " + job.key + " (stale, missing or failed)");
      }
    }
    job.ok = ok;
    {
      std::lock_guard<std::mutex> lock(done_mu);
      job.done = true;
    }
    done_cv.notify_all();
  }

  void Launch(std::unique_ptr<Job> job, const std::string& why) {
    job->started_ms = clock->NowMs();
    for (const std::string& a : job->assets) in_flight.insert(a);
    Log("launch " + job->key + ": " + why);
    Job* raw = job.get();
    jobs.push_back(std::move(job));
    raw->thread = std::thread([this, raw] { RunJob(*raw); });
  }

  // After `failures` unsuccessful attempts: one tick, doubling, at most kMaxBackoffMs.
  int64_t BackoffMs(int failures) const {
    const int64_t tick_ms = static_cast<int64_t>(options.tick_s * 1000);
    return std::min<int64_t>(kMaxBackoffMs, tick_ms << std::min(failures - 1, 20));
  }

  // Joins the jobs that ended: in-flight bookkeeping, backoff, one alert per failure episode.
  void Reap() {
    const int64_t now = clock->NowMs();
    for (auto it = jobs.begin(); it != jobs.end();) {
      Job& job = **it;
      if (!job.done.load()) {
        ++it;
        continue;
      }
      job.thread.join();
      for (const std::string& a : job.assets) in_flight.erase(a);
      stats.runs += job.runs;
      stats.abandoned |= job.abandoned;
      Backoff& b = backoff[job.key];
      if (job.ok && job.target && job.runs == 0) {
        // Nothing was stale, missing or failed, yet the asset needed a refresh: waiting is all
        // there is to do (e.g. an unusual lineage); back off instead of deciding it every tick.
        ++b.failures;
        b.next_ms = now + BackoffMs(b.failures);
        Log(job.key + ": nothing to run; trying again in " +
            std::to_string((b.next_ms - now) / 1000) + " s");
      } else if (job.ok) {
        if (job.target) duration_ms[job.key] = now - job.started_ms;
        if (b.failures > 0) Log(job.key + ": succeeded again after " + Plural(b.failures, "failure"));
        b = Backoff{};
      } else if (job.busy) {
        Log(job.key + ": not run: " + job.failure + "; trying again next tick");
      } else {
        ++stats.failed_jobs;
        ++b.failures;
        const int64_t wait = BackoffMs(b.failures);
        b.next_ms = now + wait;
        Log(job.key + ": failed (" + job.failure + "); next attempt in " +
            std::to_string(wait / 1000) + " s");
        if (!b.alerted && !cancel.load()) {
          b.alerted = true;
          Alert a;
          a.kind = "run_failed";
          a.asset = job.target ? job.ws->definitions().assets[*job.target].key : job.key;
          a.run_id = job.run_id;
          a.message = job.key + " failed: " + job.failure;
          a.time_ms = now;
          alerts->Send(a);
        }
      }
      it = jobs.erase(it);
    }
  }

  // ---- schedules ----
  void Schedules(const Workspace& ws, int64_t now) {
    std::map<std::string, EventRecord> last;
    bool read_last = false;
    for (const auto& [name, s] : ws.definitions().schedules) {
      auto cron = CronSchedule::Parse(s.cron, nullptr);
      auto zone = FindTimeZone(s.timezone);
      if (!cron || !zone.ok()) continue;  // the loader rejected it already
      const std::optional<int64_t> tick = cron->PreviousTick(now, *zone);
      if (!tick) continue;
      auto cursor = schedule_cursor.find(name);
      if (cursor == schedule_cursor.end()) {
        if (!read_last) last = log->LatestEventsOfType(kScheduleTickEvent), read_last = true;
        // A schedule seen for the first time starts from now, as Dagster's: no backfill.
        int64_t handled = *tick;
        if (auto e = last.find(name); e != last.end()) handled = e->second.time_ms;
        cursor = schedule_cursor.emplace(name, handled).first;
      }
      if (*tick <= cursor->second) continue;
      int missed = 0;
      for (std::optional<int64_t> t = cron->NextTick(cursor->second, *zone);
           t && *t <= *tick && missed < 1000; t = cron->NextTick(*t, *zone))
        ++missed;
      SelectionRequest request;
      request.expression = s.selection;
      auto selected = ResolveSelection(ws, *log, request);
      if (!selected.ok() || selected->empty()) continue;
      auto job = std::make_unique<Job>();
      job->key = "schedule " + name;
      job->ws = current;
      job->first = *selected;
      for (size_t i : *selected) job->assets.insert(ws.definitions().assets[i].key);
      if (InFlight(job->assets)) {
        Log(job->key + ": its assets are still running; it runs when they are done");
        continue;
      }
      cursor->second = *tick;
      EventRecord e{0, "", name, kScheduleTickEvent, *tick,
                    "tick " + FormatRfc3339(*tick) + (missed > 1 ? " (caught up " +
                                                         Plural(missed, "tick") + ")" : ""),
                    "{\"tick\":\"" + FormatRfc3339(*tick) + "\",\"tick_ms\":" +
                        std::to_string(*tick) + ",\"missed\":" + std::to_string(missed) + "}"};
      log->AppendEvent(e);
      Launch(std::move(job), "cron '" + s.cron + "' ticked at " + FormatRfc3339(*tick) +
                                 (missed > 1 ? " (" + Plural(missed, "tick") +
                                                   " since the last run: one run)"
                                             : ""));
    }
  }

  // ---- freshness ----
  void AlertOnChanges(const std::vector<AssetFreshness>& results, int64_t now) {
    auto changes = RecordFreshnessChanges(*log, results, now);
    if (!changes.ok()) {
      Log("could not record freshness: " + changes.status().message());
      return;
    }
    for (const FreshnessChange& c : *changes) {
      const FreshnessState state = c.current->evaluation.state;
      const bool bad = state == FreshnessState::kWarn || state == FreshnessState::kFail;
      const bool recovered = state == FreshnessState::kPass &&
                             (c.previous == FreshnessState::kWarn ||
                              c.previous == FreshnessState::kFail);
      Log("freshness " + c.current->asset_key + ": " + FreshnessStateName(c.previous) + " -> " +
          FreshnessSummary(c.current->evaluation));
      if (!bad && !recovered) continue;
      Alert a;
      a.kind = bad ? "freshness" : "recovered";
      a.asset = c.current->asset_key;
      a.state = FreshnessStateName(state);
      a.previous = FreshnessStateName(c.previous);
      a.message = c.current->asset_key + " is " + FreshnessSummary(c.current->evaluation) +
                  (recovered ? ", recovered from " + a.previous : "");
      a.time_ms = now;
      a.detail_json = FreshnessJson(*c.current);
      alerts->Send(a);
    }
  }

  void Freshness(const Workspace& ws, int64_t now) {
    const AssetGraph& graph = ws.graph();
    const auto& assets = ws.definitions().assets;
    AlertOnChanges(EvaluateFreshness(graph, *log, now), now);
    if (stopping) return;
    DataTimeResolver resolver(graph, *log);
    const AssetGraph::Indices order = graph.TopologicalOrder();
    // Sinks first: one refresh covers its upstream's policies too.
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      const size_t i = *it;
      const std::optional<FreshnessPolicy>& policy = assets[i].details().freshness_policy;
      if (!policy) continue;
      const std::string key = "freshness " + assets[i].key;
      if (auto b = backoff.find(key); b != backoff.end() && b->second.next_ms > now) continue;
      // Aim at the WARN threshold when there is one: refreshed before it warns.
      FreshnessPolicy aim = *policy;
      if (aim.warn_after_minutes) aim.maximum_lag_minutes = *aim.warn_after_minutes;
      aim.warn_after_minutes.reset();
      const int64_t horizon = static_cast<int64_t>(options.tick_s * 1000) + duration_ms[key];
      std::string reason;
      const UsedDataTimes used = resolver.UsedDataTimesOf(i, &reason);
      auto at_next_tick = EvaluatePolicy(aim, used, now + horizon, reason);
      if (!at_next_tick.ok() || at_next_tick->state == FreshnessState::kPass) continue;
      std::vector<size_t> upstream = graph.Ancestors({i});
      upstream.push_back(i);
      auto job = std::make_unique<Job>();
      job->key = key;
      job->ws = current;
      job->target = i;
      const double required = static_cast<double>(now + horizon) -
                              aim.maximum_lag_minutes * 60000.0;
      std::vector<std::string> roots;
      for (size_t u : upstream) {
        job->assets.insert(assets[u].key);
        if (!graph.Upstream(u).empty()) continue;
        auto t = used.find(assets[u].key);
        if (t == used.end() || !t->second || static_cast<double>(*t->second) < required) {
          job->first.push_back(u);
          roots.push_back(assets[u].key);
        }
      }
      if (InFlight(job->assets)) continue;
      std::string why = !at_next_tick->reason.empty() ? at_next_tick->reason
                        : policy->warn_after_minutes
                            ? "would be WARN at the next tick"
                            : "would be " + FreshnessSummary(*at_next_tick) + " at the next tick";
      std::string list;
      for (const std::string& r : roots) list += (list.empty() ? "" : ", ") + r;
      Launch(std::move(job), why + (list.empty() ? "" : "; refreshing " + list));
    }
  }

  void WaitForJobs(const std::atomic<bool>* until_true, double real_seconds) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<int64_t>(real_seconds * 1000));
    std::unique_lock<std::mutex> lock(done_mu);
    for (;;) {
      bool all = true;
      for (const auto& j : jobs) all &= j->done.load();
      if (all) return;
      if (until_true && until_true->load()) return;
      if (std::chrono::steady_clock::now() >= deadline) return;
      done_cv.wait_for(lock, std::chrono::milliseconds(20));
    }
  }
};

Expected<std::unique_ptr<Daemon>> Daemon::Start(DaemonOptions options, Diagnostics* diagnostics) {
  diagnostics->clear();
  auto impl = std::make_unique<Impl>();
  impl->clock = options.clock ? options.clock : &SystemClock();
  if (!options.log) options.log = [](const std::string& line) { std::cerr << line << std::endl; };
  if (!(options.tick_s > 0)) return Status::InvalidArgument("--tick must be greater than 0");
  const std::string home = ResolveHome(options.workspace.home);
  options.workspace.home = home;
  impl->options = std::move(options);
  auto lock = HomeLock::Acquire(home);
  if (!lock.ok()) return lock.status();
  impl->lock = std::move(*lock);
  auto log = EventLog::Open(home);
  if (!log.ok()) return log.status();
  impl->log = std::move(*log);
  Impl* raw = impl.get();
  impl->alerts = std::make_unique<AlertDispatcher>([raw](const std::string& line) { raw->Log(line); });
  auto ws = impl->Load(diagnostics);
  if (!ws.ok()) return ws.status();
  impl->current = *ws;
  impl->fingerprint = DefinitionsFingerprint(impl->options.workspace, impl->current.get());
  impl->alerts->Configure(impl->current->definitions().alerts);
  // Runs of dead processes (a crashed daemon's included) end FAILED before anything runs.
  auto io = IoManagerSet::Resolve(impl->current->definitions(), impl->current->plugins());
  std::vector<RecoveredRun> recovered;
  Status s = RecoverAbandonedRuns(*impl->log, home, io.ok() ? io->get() : nullptr, &recovered);
  for (const RecoveredRun& r : recovered)
    impl->Log("run " + r.run_id + " did not finish (" + r.reason + "); recorded it FAILED");
  if (!s.ok()) impl->Log("recovering dead runs: " + s.message());
  const auto& d = impl->current->definitions();
  size_t policies = 0;
  for (const AssetDef& a : d.assets) policies += a.details().freshness_policy ? 1 : 0;
  impl->Log("daemon started on " + home + ": " + Plural(d.assets.size(), "asset") + ", " +
            std::to_string(policies) + (policies == 1 ? " freshness policy" : " freshness policies") +
            ", " + Plural(d.schedules.size(), "schedule") + ", tick " +
            Seconds(impl->options.tick_s) + " s");
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Daemon::~Daemon() {
  if (!impl_->shut_down) Shutdown(nullptr);
}

void Daemon::Tick() {
  Impl& m = *impl_;
  m.Reap();
  if (m.stopping) return;
  m.MaybeReload();
  const int64_t now = m.clock->NowMs();
  std::shared_ptr<Workspace> ws = m.current;
  m.Schedules(*ws, now);
  m.Freshness(*ws, now);
}

void Daemon::WaitIdle() {
  Impl& m = *impl_;
  m.WaitForJobs(nullptr, 1e9);
  m.Reap();
  m.alerts->Drain();
}

void Daemon::Run(const std::atomic<bool>& stop, const std::atomic<bool>* force) {
  Impl& m = *impl_;
  while (!stop.load()) {
    Tick();
    m.clock->Sleep(m.options.tick_s, &stop);
  }
  Shutdown(force);
}

void Daemon::Shutdown(const std::atomic<bool>* force) {
  Impl& m = *impl_;
  if (m.shut_down) return;
  m.stopping = true;
  if (!m.jobs.empty()) {
    m.Log("stopping: no new runs; waiting up to " + Seconds(m.options.grace_s) +
          " s for " + Plural(m.jobs.size(), "run") + " to finish");
    m.WaitForJobs(force, m.options.grace_s);
    bool all = true;
    for (const auto& j : m.jobs) all &= j->done.load();
    if (!all) {
      m.Log("stopping: canceling the runs still going");
      m.cancel = true;
      if (force && force->load()) m.force = true;
      m.WaitForJobs(nullptr, 1e9);
    }
  }
  m.Reap();
  // The states the finished runs left, recorded and alerted on (`--once` ends here).
  if (!m.cancel.load()) {
    const int64_t now = m.clock->NowMs();
    m.AlertOnChanges(EvaluateFreshness(m.current->graph(), *m.log, now), now);
  }
  m.alerts->Drain();
  m.log->Flush();
  m.shut_down = true;
  m.Log("daemon stopped");
}

Daemon::Stats Daemon::stats() const { return impl_->stats; }
const Workspace& Daemon::workspace() const { return *impl_->current; }
EventLog& Daemon::event_log() { return *impl_->log; }

}  // namespace af
