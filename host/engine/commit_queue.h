// CommitQueue: group commit of finished steps, so that an asset's data becomes visible only
// together with its durable record, at the cost of one sync per batch rather than per asset.
//
// A worker that finished an attempt submits it and moves on to the next step; the queue's
// thread takes everything submitted so far as one batch and, in order:
//   1. syncs each IO manager of the batch once (fs_io: one syncfs), so the staged data is
//      durable;
//   2. records each step's success (MATERIALIZATION, STEP_SUCCESS, the materialization and the
//      attempt) and commits the event log (one transaction, WAL synced);
//   3. publishes each staged version (a rename), and reports the step done, so its children
//      may now read it.
// A crash before 2 leaves staged data without a record (swept on the next start); after 2,
// records whose data is staged (published on the next start). An IO manager without staging
// (ABI 1.0) committed at the end of its step already; only its record waits here.
//
// Thread-safe: Submit from any thread; `done` is called on the queue's thread.
#ifndef ASSETFLOW_HOST_ENGINE_COMMIT_QUEUE_H_
#define ASSETFLOW_HOST_ENGINE_COMMIT_QUEUE_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "engine/event_sink.h"
#include "engine/io_managers.h"
#include "eventlog/event_log.h"

namespace af {

class CommitQueue {
 public:
  struct Item {
    size_t node = 0;  // the caller's handle, passed back to `done`
    MaterializationRecord record;
    const IoManagerRef* io = nullptr;
    bool staged = false;
    bool observed = false;  // an observable source asset's observation: nothing stored
    uint64_t bytes = 0;
    std::chrono::steady_clock::time_point started;  // of the step, for its duration
  };
  // Called once per item: OK when its data is visible and its record durable, else the
  // failure (recorded already as STEP_FAILED).
  using Done = std::function<void(size_t node, const Status& status)>;

  // `more_coming`: true while steps are running whose results will be submitted soon; the
  // queue then waits up to kGatherWindow for them, so that one sync covers more assets (a
  // chain, where nothing else runs, never waits). Called on the queue's thread.
  CommitQueue(EventLog& log, EventSink& sink, std::string home, std::string run_id, Done done,
              std::function<bool()> more_coming);
  static constexpr std::chrono::milliseconds kGatherWindow{3};
  static constexpr size_t kGatherMax = 1024;
  ~CommitQueue();  // Drain()s, then stops the thread

  void Submit(Item item);
  // Returns once every item submitted so far is done.
  void Drain();
  // Syncs every IO manager that published in this run once more, so the last renames are
  // durable too. Call after Drain().
  Status SyncPublished();

 private:
  void Loop();
  void Commit(std::vector<Item>& batch);

  EventLog& log_;
  EventSink& sink_;
  const std::string home_, run_id_;
  const Done done_;
  const std::function<bool()> more_coming_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Item> pending_;
  size_t submitted_ = 0, finished_ = 0;  // guarded by mu_
  bool stopping_ = false;
  std::set<const IoManagerRef*> published_;  // the queue thread's own
  std::thread thread_;
};

}  // namespace af

#endif
