// RecordTail: the host's reader of a worker's events.jsonl on shared storage (slurm_runner.h).
// Complete lines only: a partial last line (the worker is writing it, or the file system shows
// it late) is read again next time; each line is consumed once, in order (its line number is
// its sequence). Logs and progress go to the sink; the ending record in the file is skipped
// (result.json is the authority); an invalid line is skipped with one warning. One reader
// per attempt; not thread-safe.
#ifndef ASSETFLOW_HOST_SLURM_RECORD_TAIL_H_
#define ASSETFLOW_HOST_SLURM_RECORD_TAIL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/step_runner.h"

namespace af {

class RecordTail {
 public:
  // Lines 1..`skip` were ingested before (by a host that died): read, not delivered again.
  explicit RecordTail(std::string path, uint64_t skip = 0) : path_(std::move(path)), skip_(skip) {}
  // Reads what was appended since the last call (a missing file is empty).
  void Read(StepRecordSink& sink);
  uint64_t lines() const { return sequence_; }

 private:
  void Line(std::string_view line, StepRecordSink& sink);

  const std::string path_;
  const uint64_t skip_;
  uint64_t offset_ = 0;    // of the first byte not yet consumed
  uint64_t sequence_ = 0;  // lines consumed
  std::string pending_;
  bool warned_ = false;
};

}  // namespace af

#endif
