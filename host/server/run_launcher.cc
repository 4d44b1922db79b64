#include "server/run_launcher.h"

#include <condition_variable>
#include <optional>

#include "engine/executor.h"

namespace af {

RunLauncher::RunLauncher(EventLog& log, std::function<void()> on_event)
    : log_(log), on_event_(std::move(on_event)) {}

RunLauncher::~RunLauncher() {
  std::map<std::string, std::unique_ptr<Active>> runs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    runs.swap(runs_);
  }
  for (auto& [id, run] : runs) run->cancel = true;
  for (auto& [id, run] : runs) {
    if (run->thread.joinable()) run->thread.join();
  }
}

void RunLauncher::ReapFinished() {
  for (auto it = runs_.begin(); it != runs_.end();) {
    if (it->second->done && it->second->thread.joinable()) {
      it->second->thread.join();
      it = runs_.erase(it);
    } else {
      ++it;
    }
  }
}

Expected<std::string> RunLauncher::Launch(std::shared_ptr<Workspace> workspace,
                                          std::vector<size_t> selection,
                                          std::string selection_text, int parallelism) {
  // The run id is known only once the executor has recorded the run: the thread hands it
  // over (or the error that kept the run from starting) through `started`.
  struct Handoff {
    std::mutex mu;
    std::condition_variable cv;
    bool ready = false;
    std::string run_id;
    Status error;
  };
  auto handoff = std::make_shared<Handoff>();
  auto active = std::make_unique<Active>();
  Active* raw = active.get();
  active->thread = std::thread([this, workspace, selection = std::move(selection),
                                selection_text = std::move(selection_text), parallelism, handoff,
                                raw] {
    RunOptions run;
    run.selection = selection;
    run.selection_text = selection_text;
    run.parallelism = parallelism;
    run.cancel = &raw->cancel;
    run.observer = [this, handoff](const EventRecord& e) {
      if (e.type == "RUN_STARTED") {
        std::lock_guard<std::mutex> lock(handoff->mu);
        handoff->run_id = e.run_id;
        handoff->ready = true;
        handoff->cv.notify_all();
      }
      if (e.type != "PROGRESS" && on_event_) on_event_();
    };
    Executor executor(workspace->graph(), workspace->plugins(), log_, workspace->home());
    auto result = executor.Run(run);
    {
      std::lock_guard<std::mutex> lock(handoff->mu);
      if (!handoff->ready) {
        handoff->error = result.ok() ? Status::Failed("the run ended before it started")
                                     : result.status();
        handoff->ready = true;
        handoff->cv.notify_all();
      }
    }
    raw->done = true;
    if (on_event_) on_event_();
  });
  std::unique_lock<std::mutex> lock(handoff->mu);
  handoff->cv.wait(lock, [&] { return handoff->ready; });
  std::string run_id = handoff->run_id;
  Status error = handoff->error;
  lock.unlock();
  std::lock_guard<std::mutex> runs_lock(mu_);
  ReapFinished();
  if (run_id.empty()) {
    active->thread.join();
    return error;
  }
  runs_.emplace(run_id, std::move(active));
  return run_id;
}

Status RunLauncher::Cancel(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = runs_.find(run_id);
  if (it == runs_.end() || it->second->done) {
    return Status::NotFound("run " + run_id + " is not running in this server");
  }
  it->second->cancel = true;
  return Status::OK();
}

}  // namespace af
