#include "engine/run_records.h"

#include <chrono>

namespace af::engine_internal {

namespace {

constexpr auto kProgressInterval = std::chrono::milliseconds(100);

}  // namespace

void AttemptRecords::OnRecord(const StepRecord& r) {
  switch (r.kind) {
    case StepRecord::Kind::kLog:
      if (r.sequence) sink_.WorkerLog(asset_, r.level, r.message, attempt_, r.sequence);
      else sink_.Log(asset_, r.level, r.message);
      break;
    case StepRecord::Kind::kProgress: {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_ < kProgressInterval && !(r.total && r.done >= r.total)) return;
      last_ = now;
      sink_.Progress(asset_, r.done, r.total);
      break;
    }
    default:
      ending_ = r;
      ended_ = true;
  }
}

AttemptResult AttemptRecords::Result() const {
  if (ended_) return ResultOf(ending_);
  AttemptResult a;
  a.status = AF_ERR_FATAL;
  a.message = "the step runner reported no result";
  return a;
}

Redactor RunRedactor(const Definitions& defs) {
  Redactor redactor;
  for (const AssetDef& asset : defs.assets)
    redactor.AddConfig(asset.config_json, asset.secret_config_keys());
  for (const auto& [key, resource] : defs.resources)
    redactor.AddConfig(resource.config_json, resource.secret_config_keys);
  return redactor;
}

}  // namespace af::engine_internal
