// What a run reports through its event sink: one attempt's records (AttemptRecords) and the
// redactor that masks every config secret in them (RunRedactor). Internal to the executor
// (run_state.h, run_node.cc); not a public header.
#ifndef ASSETFLOW_HOST_ENGINE_RUN_RECORDS_H_
#define ASSETFLOW_HOST_ENGINE_RUN_RECORDS_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "common/redact.h"
#include "engine/event_sink.h"
#include "engine/step.h"
#include "engine/step_record.h"
#include "engine/step_runner.h"
#include "manifest/definitions.h"

namespace af::engine_internal {

// One attempt's records, as the executor consumes them: logs and progress (rate-limited per
// step) to the event sink, the ending record kept. [the runner's thread]
class AttemptRecords : public StepRecordSink {
 public:
  AttemptRecords(EventSink& sink, const std::string& asset, uint32_t attempt)
      : sink_(sink), asset_(asset), attempt_(attempt) {}
  void OnRecord(const StepRecord& r) override;
  AttemptResult Result() const;

 private:
  EventSink& sink_;
  const std::string& asset_;
  const uint32_t attempt_;
  std::chrono::steady_clock::time_point last_{};
  StepRecord ending_;
  bool ended_ = false;
};

// The secrets of every asset's and resource's config. All of them, not only the run's: a
// plugin may quote any config it can see, and the extra lookups are cheap.
Redactor RunRedactor(const Definitions& defs);

}  // namespace af::engine_internal

#endif  // ASSETFLOW_HOST_ENGINE_RUN_RECORDS_H_
