#include "clock/clock.h"

#include <date/date.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

namespace af {
namespace {

int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t RealNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Sleeps real `seconds` in slices of at most 50 ms, returning early on cancel.
void RealSleep(double seconds, const std::atomic<bool>* cancel) {
  using namespace std::chrono;
  const auto end = steady_clock::now() + duration_cast<steady_clock::duration>(duration<double>(seconds));
  for (auto now = steady_clock::now(); now < end; now = steady_clock::now()) {
    if (cancel && cancel->load()) return;
    std::this_thread::sleep_for(std::min<steady_clock::duration>(end - now, milliseconds(50)));
  }
}

struct Environment {
  std::string error;
  std::optional<int64_t> now_ms;
  std::optional<double> scale;
};

Environment ReadEnvironment() {
  Environment env;
  if (const char* now = std::getenv("ASSETFLOW_NOW"); now && *now) {
    env.now_ms = ParseRfc3339(now);
    if (!env.now_ms)
      env.error = std::string("ASSETFLOW_NOW: expected an RFC 3339 instant like "
                              "'2026-12-01T10:00:00Z', got '") + now + "'";
  }
  if (const char* scale = std::getenv("ASSETFLOW_TIME_SCALE"); scale && *scale) {
    char* end = nullptr;
    double s = std::strtod(scale, &end);
    if (end == scale || *end != '\0' || !(s > 0) || s > 1e9) {
      if (env.error.empty())
        env.error = std::string("ASSETFLOW_TIME_SCALE: expected a number greater than 0, got '") +
                    scale + "'";
    } else {
      env.scale = s;
    }
  }
  if (!env.error.empty()) env.now_ms.reset(), env.scale.reset();
  return env;
}

const Environment& TheEnvironment() {
  static const Environment env = ReadEnvironment();
  return env;
}

}  // namespace

ScaledClock::ScaledClock(int64_t start_ms, double scale)
    : start_ms_(start_ms), scale_(scale), real_start_ns_(SteadyNs()) {}

int64_t ScaledClock::NowMs() {
  if (scale_ == 0) return start_ms_;
  return start_ms_ + static_cast<int64_t>(static_cast<double>(SteadyNs() - real_start_ns_) *
                                          scale_ / 1e6);
}

void ScaledClock::Sleep(double seconds, const std::atomic<bool>* cancel) {
  if (seconds <= 0) return;
  RealSleep(scale_ > 0 ? seconds / scale_ : seconds, cancel);
}

void ManualClock::Sleep(double seconds, const std::atomic<bool>* cancel) {
  if (seconds <= 0 || (cancel && cancel->load())) return;
  Advance(seconds);
}

Clock& SystemClock() {
  class RealClock : public Clock {
   public:
    int64_t NowMs() override { return RealNowMs(); }
    void Sleep(double seconds, const std::atomic<bool>* cancel) override {
      if (seconds > 0) RealSleep(seconds, cancel);
    }
  };
  static Clock* const clock = []() -> Clock* {
    const Environment& env = TheEnvironment();
    if (!env.now_ms && !env.scale) return new RealClock;
    return new ScaledClock(env.now_ms.value_or(RealNowMs()), env.scale.value_or(0));
  }();
  return *clock;
}

std::string ClockEnvironmentError() { return TheEnvironment().error; }

std::optional<int64_t> ParseRfc3339(const std::string& text) {
  using namespace std::chrono;
  // date::parse's %Ez takes "+01:00"; 'Z' / 'z' are UTC.
  std::string t = text;
  if (!t.empty() && (t.back() == 'Z' || t.back() == 'z')) t.replace(t.size() - 1, 1, "+00:00");
  if (t.size() > 10 && (t[10] == 't' || t[10] == ' ')) t[10] = 'T';
  std::istringstream in(t);
  date::sys_time<milliseconds> tp;
  minutes offset{0};
  in >> date::parse("%FT%T%Ez", tp, offset);
  if (in.fail()) return std::nullopt;
  in.peek();
  if (!in.eof()) return std::nullopt;
  // Parsing %Ez into a sys_time applies the offset already.
  return tp.time_since_epoch().count();
}

std::string FormatRfc3339(int64_t ms) {
  using namespace std::chrono;
  return date::format("%FT%TZ", date::sys_time<milliseconds>(milliseconds(ms)));
}

}  // namespace af
