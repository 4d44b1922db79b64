// Cron schedules: the standard 5 fields (minute hour day-of-month month day-of-week) with
// '*', ranges 'a-b', lists 'a,b', steps '*/n' 'a-b/n' 'a/n', month names JAN-DEC and day names
// SUN-SAT (any case), 0 or 7 for Sunday, and @hourly @daily (@midnight) @weekly @monthly
// @yearly (@annually). As in Vixie cron, when both day fields are restricted a day matches
// either.
//
// Ticks are computed in an IANA time zone from the system's tz database (Howard Hinnant's date
// library). Across DST changes, as cronie does: a local time skipped by spring-forward fires
// once, at the instant the gap ends (02:30 -> 03:00 local); a local time repeated by fall-back
// fires once, at its first occurrence, unless the hour field is '*' (then at both).
//
// Thread: a CronSchedule is immutable; use it from any thread.
#ifndef ASSETFLOW_HOST_SCHEDULE_CRON_H_
#define ASSETFLOW_HOST_SCHEDULE_CRON_H_

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace date {
class time_zone;
}

namespace af {

// Where a cron string is wrong: `offset` is the 0-based character offset of the bad field in
// the text (for file:line:col), `message` says what and what is allowed.
struct CronError {
  size_t offset = 0;
  std::string message;
};

class CronSchedule {
 public:
  // Parses `text`; on error returns nullopt and fills `*error` (may be null).
  static std::optional<CronSchedule> Parse(const std::string& text, CronError* error);

  const std::string& text() const { return text_; }
  // Whether the hour field is '*' (a repeated local hour fires twice).
  bool every_hour() const { return every_hour_; }

  // The first tick strictly after `after_ms` (Unix ms), in `zone`; nullopt if none within
  // ~5 years (Parse rejects schedules that never fire; Feb 29 fires every 4 years).
  std::optional<int64_t> NextTick(int64_t after_ms, const date::time_zone* zone) const;
  // The last tick at or before `at_ms`; nullopt if none within ~5 years.
  std::optional<int64_t> PreviousTick(int64_t at_ms, const date::time_zone* zone) const;

 private:
  CronSchedule() = default;
  bool MatchesDay(int day_of_month, unsigned month, unsigned weekday) const;
  // The ticks of local day `days` (days since 1970-01-01, local), ascending and unique.
  void TicksOfDay(int64_t days, const date::time_zone* zone, std::vector<int64_t>* out) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool day_restricted_ = false, weekday_restricted_ = false, every_hour_ = false;
};

// A zone of the system's tz database ("UTC", "Europe/Berlin"); NotFound naming it otherwise.
Expected<const date::time_zone*> FindTimeZone(const std::string& name);

}  // namespace af

#endif
