// EventSink: the one place a run's events are worded and structured. Each event goes to the
// observer (serialized under a mutex, so the CLI needs no locking of its own) and then to the
// EventLog, which queues and batches the writes; the log is not appended under that mutex, so
// a worker slowed by the database's back-pressure never holds up the others' output. The
// events of one step come from one thread, in order, in both places; only the interleaving of
// different steps may differ between the two. PROGRESS events go to the observer only.
// Thread-safe.
#ifndef ASSETFLOW_HOST_ENGINE_EVENT_SINK_H_
#define ASSETFLOW_HOST_ENGINE_EVENT_SINK_H_

#include <assetflow/host.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common/redact.h"
#include "engine/executor.h"
#include "engine/retry.h"
#include "eventlog/event_log.h"

namespace af {

class EventSink {
 public:
  // `redactor` masks secrets in every message, datum and metadata value before they go out;
  // it must outlive the sink.
  EventSink(EventLog& log, const EventObserver& observer, Clock& clock, std::string run_id,
            const Redactor& redactor)
      : log_(log), observer_(observer), clock_(clock), run_id_(std::move(run_id)),
        redactor_(redactor) {}

  // The data names the plan's assets ("assets", plan order): what `resume` continues.
  void RunStarted(const std::string& selection, const std::vector<std::string>& assets,
                  int parallelism);
  void StepStarted(const std::string& asset);
  void StepRetry(const std::string& asset, uint32_t failed_attempt, int max_retries,
                 double delay_s, int32_t status, const std::string& error);
  void StepFailed(const std::string& asset, int32_t status, const std::string& error,
                  uint32_t attempts);
  void StepCanceled(const std::string& asset, uint32_t attempts);
  void StepSkipped(const std::string& asset, const std::string& reason);
  // MATERIALIZATION (OBSERVATION for an observable source asset) then STEP_SUCCESS; also
  // records the materialization (the observation's data version) and clears the asset's
  // failed attempt.
  void StepSucceeded(const MaterializationRecord& m, uint64_t bytes, uint32_t attempts,
                     int64_t duration_ms, bool observed = false);
  void Log(const std::string& asset, af_log_level level, const std::string& message);
  // A log line a cluster worker wrote: line `sequence` of attempt `attempt`'s events.jsonl
  // (stored in the data as "attempt" and "seq", what `resume` dedups by).
  void WorkerLog(const std::string& asset, af_log_level level, const std::string& message,
                 uint32_t attempt, uint64_t sequence);
  void Progress(const std::string& asset, uint64_t done, uint64_t total);
  void RunEnded(RunStatus status, size_t succeeded, size_t failed, size_t skipped,
                size_t canceled);

  // The first error writing to the event log, if any (a run goes on without its history
  // rather than stop half-way; the CLI reports it).
  Status first_error();

 private:
  void Emit(const std::string& asset, const char* type, std::string message, std::string data,
            bool store = true);
  void Check(const Status& s);

  EventLog& log_;
  const EventObserver& observer_;
  Clock& clock_;
  const std::string run_id_;
  const Redactor& redactor_;
  std::mutex mu_;  // serializes the observer; guards first_error_
  Status first_error_;
};

// The metadata entries as a JSON array [{"key":..,"type":..,"value":..}], values of type int,
// float, bool and json embedded as JSON, the others as strings.
std::string MetadataJson(const std::vector<MetadataEntry>& metadata);

}  // namespace af

#endif
