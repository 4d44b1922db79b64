// StepRecord: what a step reports while it runs, as data. Every step runner turns a StepSpec
// into a stream of records; the host ingests them and is the only writer of the event log,
// deriving the attempt's outcome (and so the materialization) from the records alone, so the
// record of a step is the same whatever ran it.
//
// Kinds (JSON, one object per line, as a worker writes them on its records pipe):
//   {"record":"log","level":"INFO","message":...}
//   {"record":"progress","done":d,"total":t}
//   {"record":"output","data_version":...,"bytes":n,"staged":true,"observed":false,
//    "metadata":[...]}                                                              success
//   {"record":"failure","status":"AF_ERR_IO","message":...}                           failure
// An attempt ends with exactly one output or failure record; none means the step did not
// finish (its runner reports why: a signal, an exit status, a limit).
#ifndef ASSETFLOW_HOST_ENGINE_STEP_RECORD_H_
#define ASSETFLOW_HOST_ENGINE_STEP_RECORD_H_

#include <assetflow/host.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/step.h"

namespace af {

struct StepRecord {
  enum class Kind { kLog, kProgress, kOutput, kFailure };
  Kind kind = Kind::kLog;
  af_log_level level = AF_LOG_INFO;  // log
  std::string message;               // log, failure
  uint64_t done = 0, total = 0;      // progress
  af_status status = AF_OK;          // failure
  // Failure: the attempt was lost to the infrastructure (a cluster node died, a job vanished),
  // not failed by the step; the executor retries it outside the asset's retry policy. Only a
  // runner on the host sets it (never read from a worker's JSON).
  bool infrastructure = false;
  // Log/progress read from a worker's events.jsonl: its line number there (1-based; 0 = not
  // from such a file). Host-made, never read from JSON; stored with the LOG event so that
  // `resume` ingests each line once.
  uint64_t sequence = 0;
  std::string data_version;          // output
  uint64_t bytes = 0;                // output
  bool staged = false;               // output
  bool observed = false;             // output: an observation (nothing stored)
  std::vector<MetadataEntry> metadata;  // output
};

// Longest record line a host accepts from a worker; longer log messages are cut to fit.
inline constexpr size_t kMaxRecordLine = 1 << 20;

std::string StepRecordToJson(const StepRecord& record);
Expected<StepRecord> StepRecordFromJson(std::string_view line);

// A failure record: the ending record of an attempt that failed with `status` and `message`.
StepRecord FailureRecord(af_status status, std::string message);

// The ending record of an attempt and back: output on AF_OK, failure otherwise.
StepRecord EndingRecord(const AttemptResult& result);
AttemptResult ResultOf(const StepRecord& ending);

// "INFO" etc. and back (unknown names are INFO).
const char* LogLevelName(af_log_level level);
af_log_level LogLevelFromName(std::string_view name);
// AF_ERR_* by its StatusName; AF_ERR_FATAL for an unknown name.
af_status StatusFromName(std::string_view name);

}  // namespace af

#endif
