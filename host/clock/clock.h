// Clock: the host's one source of wall time, injectable so tests cover hours in seconds.
//
// Every timestamp the host records or compares (runs, events, materializations, freshness,
// schedules) comes from a Clock. SystemClock() is the process's: real time, unless the
// environment says otherwise (read once, at first use):
//   ASSETFLOW_NOW=2026-12-01T10:00:00Z   start at this instant (RFC 3339, 'Z' or +hh:mm);
//                                        without a scale, time stands still there
//   ASSETFLOW_TIME_SCALE=60              simulated seconds per real second (> 0): time runs
//                                        from ASSETFLOW_NOW (or the real now) that much faster,
//                                        and Sleep waits that much less
// A malformed value is reported by ClockEnvironmentError() (the CLI refuses to start); the
// clock then stays real.
#ifndef ASSETFLOW_HOST_CLOCK_CLOCK_H_
#define ASSETFLOW_HOST_CLOCK_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <condition_variable>
#include <optional>
#include <string>

namespace af {

// Wall time and waiting. Thread-safe: called from every worker.
class Clock {
 public:
  virtual ~Clock() = default;
  // Unix epoch milliseconds (event and run timestamps).
  virtual int64_t NowMs() = 0;
  // Waits `seconds` of this clock's time (<= 0: returns at once) or until `*cancel` becomes
  // true (may be null), whichever comes first.
  virtual void Sleep(double seconds, const std::atomic<bool>* cancel) = 0;
};

// The process's clock (see above). A process-wide singleton.
Clock& SystemClock();

// Why ASSETFLOW_NOW / ASSETFLOW_TIME_SCALE could not be used ("" when they are fine or unset).
std::string ClockEnvironmentError();

// Real time scaled: starts at `start_ms` (Unix ms) and advances `scale` clock seconds per real
// second; scale 0 stands still. Sleep waits seconds/scale real seconds (scale 0: real seconds,
// so retry delays still pass), in slices so cancel is noticed within ~50 ms.
class ScaledClock : public Clock {
 public:
  ScaledClock(int64_t start_ms, double scale);
  int64_t NowMs() override;
  void Sleep(double seconds, const std::atomic<bool>* cancel) override;

 private:
  const int64_t start_ms_;
  const double scale_;
  const int64_t real_start_ns_;  // steady_clock
};

// Time that moves only when told (tests): Set / Advance; Sleep returns at once after advancing
// the clock by `seconds` (a retry delay takes no real time).
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t start_ms) : now_ms_(start_ms) {}
  int64_t NowMs() override { return now_ms_.load(); }
  void Sleep(double seconds, const std::atomic<bool>* cancel) override;
  void Set(int64_t ms) { now_ms_.store(ms); }
  void Advance(double seconds) { now_ms_.fetch_add(static_cast<int64_t>(seconds * 1000)); }

 private:
  std::atomic<int64_t> now_ms_;
};

// RFC 3339 ("2026-12-01T10:00:00Z", "2026-12-01T11:00:00.250+01:00") to Unix ms.
std::optional<int64_t> ParseRfc3339(const std::string& text);
// Unix ms to RFC 3339 in UTC with millisecond precision: "2026-12-01T10:00:00.000Z".
std::string FormatRfc3339(int64_t ms);

}  // namespace af

#endif
