#include "slurm/record_tail.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "engine/step_record.h"

namespace af {

void RecordTail::Read(StepRecordSink& sink) {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n =
        ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(offset_ + pending_.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending_.append(buffer, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1)
      Line(std::string_view(pending_).substr(start, nl - start), sink);
    offset_ += start;
    pending_.erase(0, start);
    if (pending_.size() > kMaxRecordLine) {  // no line that long is valid: skip it
      offset_ += pending_.size();
      pending_.clear();
    }
  }
  ::close(fd);
}

void RecordTail::Line(std::string_view line, StepRecordSink& sink) {
  ++sequence_;
  if (line.empty() || sequence_ <= skip_) return;
  auto r = StepRecordFromJson(line);
  if (!r.ok()) {
    if (!warned_) {
      StepRecord w;
      w.kind = StepRecord::Kind::kLog;
      w.level = AF_LOG_WARNING;
      w.message = "the worker wrote an invalid record (" + r.status().message() + ")";
      sink.OnRecord(w);
    }
    warned_ = true;
    return;
  }
  r->sequence = sequence_;
  if (r->kind == StepRecord::Kind::kLog || r->kind == StepRecord::Kind::kProgress)
    sink.OnRecord(*r);
}

}  // namespace af
