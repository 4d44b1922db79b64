#include "schedule/cron.h"

#include <date/tz.h>
#include <doctest/doctest.h>

#include "clock/clock.h"

namespace af {
namespace {

int64_t At(const char* rfc3339) { return ParseRfc3339(rfc3339).value(); }

std::string Next(const char* cron, const char* zone, const char* after) {
  auto c = CronSchedule::Parse(cron, nullptr);
  REQUIRE(c.has_value());
  auto tick = c->NextTick(At(after), FindTimeZone(zone).value());
  return tick ? FormatRfc3339(*tick) : "none";
}

std::string Previous(const char* cron, const char* zone, const char* at) {
  auto c = CronSchedule::Parse(cron, nullptr);
  REQUIRE(c.has_value());
  auto tick = c->PreviousTick(At(at), FindTimeZone(zone).value());
  return tick ? FormatRfc3339(*tick) : "none";
}

TEST_CASE("schedule: invalid cron fields are rejected with the field's offset and what is allowed") {
  struct Case {
    const char* text;
    size_t offset;
    const char* message;
  };
  const Case cases[] = {
      {"99 99 99 99 99", 0,
       "invalid minute field '99': '99' is out of range (allowed: 0-59, '*', ranges a-b, lists "
       "a,b, steps */n)"},
      {"0 24 * * *", 2,
       "invalid hour field '24': '24' is out of range (allowed: 0-23, '*', ranges a-b, lists "
       "a,b, steps */n)"},
      {"0 0 0 * *", 4,
       "invalid day of month field '0': '0' is out of range (allowed: 1-31, '*', ranges a-b, "
       "lists a,b, steps */n)"},
      {"0 0 * FOO *", 6,
       "invalid month field 'FOO': 'FOO' is not a value (allowed: 1-12 or JAN-DEC, '*', ranges "
       "a-b, lists a,b, steps */n)"},
      {"0 0 * * 8", 8,
       "invalid day of week field '8': '8' is out of range (allowed: 0-7 or SUN-SAT, '*', "
       "ranges a-b, lists a,b, steps */n)"},
      {"*/0 * * * *", 0,
       "invalid minute field '*/0': bad step '0' (allowed: 0-59, '*', ranges a-b, lists a,b, "
       "steps */n)"},
      {"5-1 * * * *", 0,
       "invalid minute field '5-1': range '5-1' is backwards (allowed: 0-59, '*', ranges a-b, "
       "lists a,b, steps */n)"},
      {"1,,2 * * * *", 0,
       "invalid minute field '1,,2': empty list item (allowed: 0-59, '*', ranges a-b, lists "
       "a,b, steps */n)"},
      {"0 *", 0,
       "expected 5 fields (minute hour day-of-month month day-of-week, like '0 * * * *') or "
       "@hourly/@daily/@weekly/@monthly/@yearly, got 2 fields"},
      {"0 * * * * *", 0,
       "expected 5 fields (minute hour day-of-month month day-of-week, like '0 * * * *') or "
       "@hourly/@daily/@weekly/@monthly/@yearly, got 6 fields"},
      {"@dayly", 0, "unknown cron macro '@dayly' (want @hourly, @daily, @weekly, @monthly or @yearly)"},
      {"0 0 30,31 feb *", 4,
       "day of month '30,31' never occurs in month 'feb': the schedule would never fire"},
      {"0 0 31 4,6 *", 4, "day of month '31' never occurs in month '4,6': the schedule would never fire"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CronError error;
    CHECK_FALSE(CronSchedule::Parse(c.text, &error).has_value());
    CHECK(error.offset == c.offset);
    CHECK(error.message == c.message);
  }
}

TEST_CASE("schedule: fields, names, steps and macros give the ticks cron gives") {
  struct Case {
    const char* cron;
    const char* after;
    const char* next;
  };
  const Case cases[] = {
      {"@hourly", "2026-12-01T10:00:00Z", "2026-12-01T11:00:00.000Z"},
      {"@daily", "2026-12-01T10:00:00Z", "2026-12-02T00:00:00.000Z"},
      {"@midnight", "2026-12-01T23:59:59Z", "2026-12-02T00:00:00.000Z"},
      {"@weekly", "2026-12-01T10:00:00Z", "2026-12-06T00:00:00.000Z"},  // a Tuesday -> Sunday
      {"@monthly", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00.000Z"},
      {"@yearly", "2026-12-01T10:00:00Z", "2027-01-01T00:00:00.000Z"},
      {"*/15 * * * *", "2026-12-01T10:07:00Z", "2026-12-01T10:15:00.000Z"},
      {"10-20/5 * * * *", "2026-12-01T10:16:00Z", "2026-12-01T10:20:00.000Z"},
      {"10/25 * * * *", "2026-12-01T10:36:00Z", "2026-12-01T11:10:00.000Z"},
      {"0 3 * * *", "2026-12-01T03:00:00Z", "2026-12-02T03:00:00.000Z"},
      {"0 9 * * mon-fri", "2026-12-04T10:00:00Z", "2026-12-07T09:00:00.000Z"},  // Fri -> Mon
      {"0 0 1 jan,Jul *", "2026-12-01T10:00:00Z", "2027-01-01T00:00:00.000Z"},
      {"0 0 * * 7", "2026-12-01T10:00:00Z", "2026-12-06T00:00:00.000Z"},  // 7 is Sunday
      // Both day fields restricted: either matches (the 13th, or a Friday).
      {"0 0 13 * FRI", "2026-12-01T10:00:00Z", "2026-12-04T00:00:00.000Z"},
      {"0 0 29 2 *", "2026-12-01T10:00:00Z", "2028-02-29T00:00:00.000Z"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.cron);
    CHECK(Next(c.cron, "UTC", c.after) == c.next);
  }
  CHECK(Previous("0 3 * * *", "UTC", "2026-12-01T03:00:00Z") == "2026-12-01T03:00:00.000Z");
  CHECK(Previous("0 3 * * *", "UTC", "2026-12-01T02:59:59Z") == "2026-11-30T03:00:00.000Z");
  CHECK(Previous("@hourly", "UTC", "2026-12-01T07:45:00Z") == "2026-12-01T07:00:00.000Z");
}

TEST_CASE("schedule: next ticks across DST changes in America/New_York and Europe/Berlin") {
  struct Case {
    const char* cron;
    const char* zone;
    const char* after;
    const char* next;
  };
  const Case cases[] = {
      // Daily at 03:00 local: EST (UTC-5) before 2026-03-08, EDT (UTC-4) after.
      {"0 3 * * *", "America/New_York", "2026-03-07T08:00:00Z", "2026-03-08T07:00:00.000Z"},
      {"0 3 * * *", "America/New_York", "2026-03-08T07:00:00Z", "2026-03-09T07:00:00.000Z"},
      {"0 3 * * *", "America/New_York", "2026-03-06T09:00:00Z", "2026-03-07T08:00:00.000Z"},
      // 02:30 does not exist on 2026-03-08 (02:00 -> 03:00): it fires when the gap ends.
      {"30 2 * * *", "America/New_York", "2026-03-07T08:00:00Z", "2026-03-08T07:00:00.000Z"},
      {"30 2 * * *", "America/New_York", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00.000Z"},
      // 01:30 happens twice on 2026-11-01 (EDT then EST): a fixed hour fires once, the first.
      {"30 1 * * *", "America/New_York", "2026-10-31T06:00:00Z", "2026-11-01T05:30:00.000Z"},
      {"30 1 * * *", "America/New_York", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00.000Z"},
      // An hourly schedule fires in both 01:xx hours.
      {"30 * * * *", "America/New_York", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00.000Z"},
      {"30 * * * *", "America/New_York", "2026-11-01T06:30:00Z", "2026-11-01T07:30:00.000Z"},
      // Berlin: CET (UTC+1) -> CEST (UTC+2) on 2026-03-29 at 02:00; back on 2026-10-25 at 03:00.
      {"0 9 * * *", "Europe/Berlin", "2026-03-28T08:00:00Z", "2026-03-29T07:00:00.000Z"},
      {"0 9 * * *", "Europe/Berlin", "2026-10-24T07:00:00Z", "2026-10-25T08:00:00.000Z"},
      {"15 2 * * *", "Europe/Berlin", "2026-03-28T01:15:00Z", "2026-03-29T01:00:00.000Z"},
      {"0 * * * *", "Europe/Berlin", "2026-03-29T00:30:00Z", "2026-03-29T01:00:00.000Z"},
      {"0 * * * *", "Europe/Berlin", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00.000Z"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.cron);
    CAPTURE(c.zone);
    CAPTURE(c.after);
    CHECK(Next(c.cron, c.zone, c.after) == c.next);
  }
  // The last tick before 09:00 local after spring-forward is that morning's, 23 hours later.
  CHECK(Previous("0 9 * * *", "Europe/Berlin", "2026-03-29T07:30:00Z") ==
        "2026-03-29T07:00:00.000Z");
  CHECK(Previous("0 9 * * *", "Europe/Berlin", "2026-03-29T06:59:00Z") ==
        "2026-03-28T08:00:00.000Z");
}

TEST_CASE("schedule: time zones come from the tz database") {
  CHECK(FindTimeZone("Europe/Berlin").ok());
  auto bad = FindTimeZone("Mars/Olympus_Mons");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() ==
        "unknown time zone 'Mars/Olympus_Mons' (want a name of the tz database, like 'UTC' or "
        "'Europe/Berlin')");
}

}  // namespace
}  // namespace af
