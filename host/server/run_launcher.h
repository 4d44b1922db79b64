// RunLauncher: runs started from the web UI, through the same Executor, workspace and event
// log as `assetflow materialize` (so a run from the UI and one from the CLI are the same
// record, and claims keep them from materializing one asset twice at once). Each run gets a
// thread of its own; the launcher keeps its cancel flag so that the UI can cancel it.
//
// Thread: every method from any thread. The destructor cancels the runs still going and
// waits for them (up to their grace period).
#ifndef ASSETFLOW_HOST_SERVER_RUN_LAUNCHER_H_
#define ASSETFLOW_HOST_SERVER_RUN_LAUNCHER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "eventlog/event_log.h"
#include "workspace/workspace.h"

namespace af {

class RunLauncher {
 public:
  // `on_event` is called after every event of a launched run (to wake the event streams).
  RunLauncher(EventLog& log, std::function<void()> on_event);
  ~RunLauncher();

  // Starts a run of `selection` (asset indices of `workspace`) and returns its id once the run
  // is recorded (RUN_STARTED), or the error that kept it from starting (Busy when another run
  // holds one of the assets: nothing was run).
  Expected<std::string> Launch(std::shared_ptr<Workspace> workspace, std::vector<size_t> selection,
                               std::string selection_text, int parallelism);
  // Asks a run launched here to stop (no new steps; running ones see is_canceled). NotFound
  // for a run this server did not launch or that has ended.
  Status Cancel(const std::string& run_id);

 private:
  struct Active {
    std::atomic<bool> cancel{false};
    std::thread thread;
    std::atomic<bool> done{false};
  };
  void ReapFinished();

  EventLog& log_;
  std::function<void()> on_event_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Active>> runs_;  // by run id
};

}  // namespace af

#endif
