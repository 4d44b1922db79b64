// RunState's scheduling: the worker pool popping ready steps, a step's end releasing its
// children (or skipping its descendants), cancellation and abandonment, and the run's summary.
#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <optional>
#include <system_error>
#include <thread>

#include <unistd.h>

#include "engine/run_state.h"
#include "engine/worker_budget.h"

namespace af::engine_internal {

namespace {

constexpr auto kCancelPoll = std::chrono::milliseconds(50);

}  // namespace

RunResult RunState::Execute(int workers) {
  started_ms_ = clock_.NowMs();
  if (options_.resume)
    sink_.Log("", AF_LOG_INFO, "run resumed by pid " + std::to_string(::getpid()) + ": " +
                                   std::to_string(options_.resume->succeeded.size()) +
                                   " step(s) done before");
  else
  {
    std::vector<std::string> assets;
    assets.reserve(results.size());
    for (const StepResult& r : results) assets.push_back(r.asset_key);
    sink_.RunStarted(options_.selection_text, assets, workers);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t n = 0; n < nodes.size(); ++n) {
      if (results[n].state == StepState::kPending) continue;
      ++finished_;  // ended before a resume
      if (results[n].state == StepState::kFailed)
        SkipDescendants(n, "skipped: upstream '" + results[n].asset_key + "' failed");
    }
    for (size_t n = 0; n < nodes.size(); ++n)
      if (results[n].state == StepState::kPending && nodes[n].pending == 0) ready_.push(n);
  }
  std::vector<std::thread> pool;
  const WorkerBudget budget = BudgetWorkers(
      std::max<size_t>(1, std::min<size_t>(workers, nodes.size())), ThisProcessAddressSpace());
  const size_t count = budget.workers;
  if (!budget.note.empty()) sink_.Log("", AF_LOG_WARNING, budget.note);
  {
    std::lock_guard<std::mutex> lock(mu_);
    live_workers_ = nodes.empty() ? 0 : static_cast<int>(count);
  }
  // The OS may refuse threads (RLIMIT_NPROC, memory): the run goes on with the ones it got, and
  // with none on this thread, rather than leaving the run STARTED behind an exception.
  std::string refused;
  for (size_t i = 0; i < count && !nodes.empty(); ++i) {
    try {
      pool.emplace_back([this, i] { Worker(i); });
    } catch (const std::system_error& e) {
      refused = e.what();
      break;
    }
  }
  if (!refused.empty()) {
    // The refusal says the process is at its limit (threads, address space): half the threads
    // that did start are let go again, so that the steps and the host's own allocations have
    // room rather than failing next (a bad_alloc in a thread that cannot report it).
    const size_t keep = std::max<size_t>(1, pool.size() / 2);
    {
      std::lock_guard<std::mutex> lock(mu_);
      live_workers_ -= static_cast<int>(count - pool.size());
      surplus_workers_ = pool.size() > keep ? pool.size() - keep : 0;
    }
    cv_.notify_all();
    sink_.Log("", AF_LOG_WARNING,
              "started " + std::to_string(pool.size()) + " of " + std::to_string(count) +
                  " worker threads (" + refused + "); running with " + std::to_string(keep));
    if (pool.empty()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        live_workers_ = 1;
      }
      Worker(kNoWorker);
    }
  }
  // The main thread watches for the end, a second signal, and the grace period.
  std::optional<std::chrono::steady_clock::time_point> canceled_at;
  for (;;) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, kCancelPoll);
    if (!released_workers_.empty()) {
      std::vector<size_t> released;
      released.swap(released_workers_);
      lock.unlock();
      for (size_t i : released) pool[i].join();  // each has left its loop: returns at once
      continue;
    }
    if (live_workers_ == 0) break;
    if (Canceled() && !canceled_at) canceled_at = std::chrono::steady_clock::now();
    const bool grace_over =
        canceled_at && std::chrono::steady_clock::now() - *canceled_at >
                           std::chrono::duration<double>(options_.grace_s +
                                                         StepControl::kKillAfterTermSeconds + 1);
    if (Forced() || grace_over) {
      lock.unlock();
      for (std::thread& t : pool)
        if (t.joinable()) t.detach();
      return Abandon(RunStatus::kCanceled,
                     Forced() ? "canceled: the run was stopped at once (second signal)"
                              : "canceled: did not stop within the grace period",
                     "");
    }
  }
  for (std::thread& t : pool)
    if (t.joinable()) t.join();
  commits_.Drain();
  Status synced = commits_.SyncPublished();
  if (!synced.ok()) sink_.Log("", AF_LOG_ERROR, synced.message());
  return Summarize();
}

RunResult RunState::Summarize(std::optional<RunStatus> forced) {
  RunResult result;
  result.run_id = run_id_;
  result.started_ms = started_ms_;
  size_t succeeded = 0, failed = 0, skipped = 0, canceled = 0;
  // The results are handed over, not copied (100,000 steps' results are ~20 MB), unless the
  // run is abandoned (`forced`): then a step still running may yet write its own.
  const bool hand_over = !forced.has_value();
  for (StepResult& r : results) {
    if (r.state == StepState::kPending) {  // never started: the run was canceled
      r.state = StepState::kSkipped;
      r.message = "skipped: run canceled";
      sink_.StepSkipped(r.asset_key, r.message);
    }
    switch (r.state) {
      case StepState::kSucceeded: ++succeeded; break;
      case StepState::kFailed: ++failed; break;
      case StepState::kSkipped: ++skipped; break;
      default: ++canceled; break;
    }
  }
  if (hand_over) result.steps = std::move(results);
  else result.steps = results;
  const bool was_canceled = canceled > 0 || (Canceled() && succeeded < nodes.size());
  result.status = was_canceled                 ? RunStatus::kCanceled
                  : (failed > 0 || skipped > 0) ? RunStatus::kFailed
                                                : RunStatus::kSuccess;
  if (forced) result.status = *forced;
  // A run whose history went nowhere (the database deleted or replaced under it, or found
  // damaged) did not succeed, whatever its steps did.
  if (const Status damage = log_.Damage(); !damage.ok() && result.status == RunStatus::kSuccess) {
    sink_.Log("", AF_LOG_ERROR, damage.message());
    result.status = RunStatus::kFailed;
  }
  sink_.RunEnded(result.status, succeeded, failed, skipped, canceled);
  result.ended_ms = clock_.NowMs();
  Status ended = log_.EndRun(run_id_, result.status, result.ended_ms);
  result.history_error = sink_.first_error();
  if (result.history_error.ok()) result.history_error = ended;
  return result;
}

RunResult RunState::Abandon(RunStatus status, const std::string& why, const std::string& failure) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ended_) return RunResult{};
    ended_ = true;
  }
  commits_.Drain();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t n = 0; n < nodes.size(); ++n) {
      Node& node = nodes[n];
      StepResult& r = results[n];
      if (!node.running || r.state != StepState::kPending) continue;
      node.running = false;
      r.attempts = std::max<uint32_t>(1, r.attempts);
      if (n == t_current_node && !failure.empty()) {
        r.state = StepState::kFailed;
        r.message = failure;
        sink_.StepFailed(r.asset_key, AF_ERR_FATAL, failure, r.attempts);
      } else {
        r.state = StepState::kCanceled;
        r.message = why;
        sink_.StepCanceled(r.asset_key, r.attempts);
      }
    }
  }
  // What the abandoned steps wrote so far is swept; they write nothing more, as the process
  // ends right after (see RunResult::abandoned).
  for (const IoManagerRef* io : io_.All()) SweepRun(*io, run_id_, home_);
  std::error_code ec;
  std::filesystem::remove_all(home_ + "/tmp/" + run_id_, ec);
  RunResult result = Summarize(status);
  log_.Flush();
  result.abandoned = true;
  return result;
}

void RunState::OnPluginExit(const std::string& message) {
  Abandon(RunStatus::kFailed, "canceled: the process ended (" + message + ")", message);
  ::unlink(control_.crash_note_path.c_str());  // recorded already: nothing for the next start
  const std::string line = "assetflow: run " + run_id_ + " FAILED: " + message + "\n";
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

void RunState::Worker(size_t index) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    while (ready_.empty() && finished_ < nodes.size() && !Canceled()) cv_.wait_for(lock, kCancelPoll);
    if (Canceled() || ready_.empty() || ended_) break;
    if (surplus_workers_ > 0) {
      --surplus_workers_;
      if (index != kNoWorker) released_workers_.push_back(index);
      break;
    }
    const size_t n = ready_.top();
    ready_.pop();
    nodes[n].running = true;
    ++executing_;
    lock.unlock();
    bool committing = false;
    try {
      committing = ExecuteNode(n);
    } catch (const std::exception& e) {  // a host bug must fail the step, not the process
      results[n].state = StepState::kFailed;
      results[n].message = std::string("internal error: ") + e.what();
      sink_.StepFailed(results[n].asset_key, AF_ERR_FATAL, results[n].message, 1);
    }
    --executing_;
    lock.lock();
    if (!committing) Finish(n);
  }
  --live_workers_;
  cv_.notify_all();
}

void RunState::Finish(size_t n) {
  ++finished_;
  Node& node = nodes[n];
  node.running = false;
  if (results[n].state == StepState::kSucceeded) {
    for (uint32_t e = node.first_child; e < node.end_child; ++e) {
      const size_t c = child_edges[e];
      if (--nodes[c].pending == 0 && results[c].state == StepState::kPending) ready_.push(c);
    }
  } else if (results[n].state == StepState::kFailed) {
    SkipDescendants(n, "skipped: upstream '" + results[n].asset_key + "' failed");
  }
  cv_.notify_all();
}

void RunState::SkipDescendants(size_t n, const std::string& reason) {
  const auto children = [&](size_t of) {
    return std::make_pair(child_edges.begin() + nodes[of].first_child,
                          child_edges.begin() + nodes[of].end_child);
  };
  std::vector<uint32_t> stack(children(n).first, children(n).second);
  while (!stack.empty()) {
    const size_t c = stack.back();
    stack.pop_back();
    StepResult& child = results[c];
    if (child.state != StepState::kPending) continue;  // already skipped via another path
    child.state = StepState::kSkipped;
    child.message = reason;
    ++finished_;
    sink_.StepSkipped(child.asset_key, reason);
    stack.insert(stack.end(), children(c).first, children(c).second);
  }
}

}  // namespace af::engine_internal
