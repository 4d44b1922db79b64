#include "clock/clock.h"

#include <doctest/doctest.h>

namespace af {
namespace {

TEST_CASE("freshness clock: RFC 3339 instants in and out") {
  CHECK(ParseRfc3339("2026-12-01T10:00:00Z") == 1796119200000);
  CHECK(ParseRfc3339("2026-12-01T11:00:00+01:00") == 1796119200000);
  CHECK(ParseRfc3339("2026-12-01T05:00:00.250-05:00") == 1796119200250);
  CHECK(ParseRfc3339("2026-12-01 10:00:00Z") == 1796119200000);
  CHECK_FALSE(ParseRfc3339("2026-12-01").has_value());
  CHECK_FALSE(ParseRfc3339("2026-12-01T10:00:00").has_value());  // no offset: ambiguous
  CHECK_FALSE(ParseRfc3339("2026-12-01T10:00:00Zjunk").has_value());
  CHECK_FALSE(ParseRfc3339("tomorrow").has_value());
  CHECK(FormatRfc3339(1796119200250) == "2026-12-01T10:00:00.250Z");
}

TEST_CASE("freshness clock: a fixed instant stands still, a scaled one runs faster") {
  ScaledClock fixed(1796119200000, 0);
  CHECK(fixed.NowMs() == 1796119200000);
  ScaledClock fast(1796119200000, 3600);  // an hour per real second
  fast.Sleep(1800, nullptr);              // half an hour: 0.5 s of real time
  const int64_t elapsed = fast.NowMs() - 1796119200000;
  CHECK(elapsed >= 1800 * 1000);
  CHECK(elapsed < 1800 * 1000 * 20);  // generous: a loaded machine oversleeps
  ManualClock manual(1000);
  manual.Sleep(2.5, nullptr);
  CHECK(manual.NowMs() == 3500);
  std::atomic<bool> canceled{true};
  manual.Sleep(10, &canceled);
  CHECK(manual.NowMs() == 3500);
}

}  // namespace
}  // namespace af
