#include "engine/commit_queue.h"

#include <map>

namespace af {

CommitQueue::CommitQueue(EventLog& log, EventSink& sink, std::string home, std::string run_id,
                         Done done, std::function<bool()> more_coming)
    : log_(log),
      sink_(sink),
      home_(std::move(home)),
      run_id_(std::move(run_id)),
      done_(std::move(done)),
      more_coming_(std::move(more_coming)),
      thread_([this] { Loop(); }) {}

CommitQueue::~CommitQueue() {
  Drain();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void CommitQueue::Submit(Item item) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back(std::move(item));
    ++submitted_;
  }
  cv_.notify_all();
}

void CommitQueue::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return finished_ == submitted_; });
}

Status CommitQueue::SyncPublished() {
  Status first;
  for (const IoManagerRef* io : published_) {
    Status s = SyncStorage(*io, home_);
    if (first.ok()) first = s;
  }
  return first;
}

void CommitQueue::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping
    if (more_coming_ && pending_.size() < kGatherMax) {
      const auto deadline = std::chrono::steady_clock::now() + kGatherWindow;
      lock.unlock();
      const bool wait = more_coming_();
      lock.lock();
      if (wait)
        cv_.wait_until(lock, deadline, [&] { return stopping_ || pending_.size() >= kGatherMax; });
    }
    std::vector<Item> batch;
    batch.swap(pending_);
    lock.unlock();
    Commit(batch);
    lock.lock();
    finished_ += batch.size();
    cv_.notify_all();
  }
}

void CommitQueue::Commit(std::vector<Item>& batch) {
  std::vector<Status> status(batch.size());
  // 1. One sync per IO manager for the whole batch's staged data.
  std::map<const IoManagerRef*, Status> synced;
  for (const Item& item : batch)
    if (item.staged && !synced.count(item.io)) synced[item.io] = SyncStorage(*item.io, home_);
  for (size_t i = 0; i < batch.size(); ++i) {
    Item& item = batch[i];
    if (item.staged) status[i] = synced[item.io];
    if (!status[i].ok()) continue;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - item.started)
                        .count();
    sink_.StepSucceeded(item.record, item.bytes, item.record.attempt, ms, item.observed);
  }
  // 2. The records, durable, before any of the data is visible.
  Status recorded = log_.Flush();
  // 3. Publish.
  for (size_t i = 0; i < batch.size(); ++i) {
    Item& item = batch[i];
    const std::string& key = item.record.asset_key;
    if (status[i].ok() && !recorded.ok()) {
      status[i] = Status::IoError("cannot record the materialization of '" + key +
                                  "': " + recorded.message());
      log_.ForgetMaterialization(key, run_id_);
    } else if (status[i].ok() && item.staged) {
      bool nothing_staged = false;
      status[i] = PublishStaged(*item.io, key, run_id_, item.record.attempt, home_,
                                &nothing_staged);
      if (status[i].ok() && nothing_staged)
        status[i] = Status::IoError("publishing '" + key + "' through " + item.io->type +
                                    ": the staged version is gone");
      if (status[i].ok()) published_.insert(item.io);
      else log_.ForgetMaterialization(key, run_id_);
    }
    if (!status[i].ok()) {
      if (item.staged) DiscardStaged(*item.io, key, run_id_, item.record.attempt, home_);
      sink_.StepFailed(key, AF_ERR_IO, status[i].message(), item.record.attempt);
    }
    done_(item.node, status[i]);
  }
}

}  // namespace af
