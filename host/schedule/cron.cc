#include "schedule/cron.h"

#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace af {
namespace {

struct FieldSpec {
  const char* name;
  int low, high;
  const char* const* names;  // index 0 = `low`, or null
};

const char* const kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                   "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
const char* const kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
const FieldSpec kFields[] = {{"minute", 0, 59, nullptr},
                             {"hour", 0, 23, nullptr},
                             {"day of month", 1, 31, nullptr},
                             {"month", 1, 12, kMonthNames},
                             {"day of week", 0, 7, kDayNames}};

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A number or (for month and weekday) a name; -1 if neither.
int Value(const std::string& text, const FieldSpec& spec) {
  if (text.empty()) return -1;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return text.size() > 4 ? -1 : std::stoi(text);
  if (spec.names) {
    const std::string u = Upper(text);
    const int count = spec.high - spec.low + (spec.low == 0 ? 0 : 1);
    for (int i = 0; i < count && i < 12; ++i)
      if (u == spec.names[i]) return spec.low + i;
  }
  return -1;
}

// Parses one field into `bits` (bit i = value i); false with `*error` set otherwise.
bool ParseField(const std::string& field, const FieldSpec& spec, std::vector<bool>* bits,
                std::string* error) {
  std::string allowed = std::to_string(spec.low) + "-" + std::to_string(spec.high);
  if (spec.names == kMonthNames) allowed += " or JAN-DEC";
  if (spec.names == kDayNames) allowed += " or SUN-SAT";
  auto fail = [&](const std::string& what) {
    *error = "invalid " + std::string(spec.name) + " field '" + field + "': " + what +
             " (allowed: " + allowed + ", '*', ranges a-b, lists a,b, steps */n)";
    return false;
  };
  size_t start = 0;
  while (true) {
    const size_t comma = field.find(',', start);
    const std::string item = field.substr(start, comma == std::string::npos ? comma : comma - start);
    if (item.empty()) return fail("empty list item");
    std::string range = item;
    int step = 1;
    if (size_t slash = item.find('/'); slash != std::string::npos) {
      range = item.substr(0, slash);
      const std::string s = item.substr(slash + 1);
      if (s.empty() || s.size() > 4 ||
          !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
          (step = std::stoi(s)) < 1 || step > spec.high)
        return fail("bad step '" + s + "'");
    }
    int lo = spec.low, hi = spec.high;
    if (range != "*") {
      const size_t dash = range.find('-', 1);
      lo = Value(range.substr(0, dash), spec);
      hi = dash == std::string::npos ? lo : Value(range.substr(dash + 1), spec);
      if (lo < 0 || hi < 0) return fail("'" + range + "' is not a value");
      if (lo < spec.low || hi > spec.high || lo > spec.high || hi < spec.low)
        return fail("'" + range + "' is out of range");
      if (lo > hi) return fail("range '" + range + "' is backwards");
      // "a/n" means a-max/n, as in Vixie cron.
      if (dash == std::string::npos && item.find('/') != std::string::npos) hi = spec.high;
    }
    for (int v = lo; v <= hi; v += step) (*bits)[static_cast<size_t>(v)] = true;
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

struct Macro {
  const char* name;
  const char* expansion;
};
const Macro kMacros[] = {{"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"},
                         {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
                         {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
                         {"@hourly", "0 * * * *"}};

constexpr int64_t kSearchDays = 5 * 366 + 2;

}  // namespace

std::optional<CronSchedule> CronSchedule::Parse(const std::string& text, CronError* error) {
  CronError local;
  if (!error) error = &local;
  CronSchedule c;
  c.text_ = text;
  std::string body = text;
  size_t lead = text.find_first_not_of(" \t");
  if (lead != std::string::npos && text[lead] == '@') {
    std::string name = text.substr(lead);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    const Macro* macro = nullptr;
    for (const Macro& m : kMacros)
      if (name == m.name) macro = &m;
    if (!macro) {
      *error = {lead, "unknown cron macro '" + name +
                          "' (want @hourly, @daily, @weekly, @monthly or @yearly)"};
      return std::nullopt;
    }
    body = macro->expansion;
    lead = std::string::npos;  // offsets below refer to the expansion: report the macro
  }
  std::vector<std::pair<std::string, size_t>> fields;
  for (size_t i = 0; i < body.size();) {
    if (body[i] == ' ' || body[i] == '\t') {
      ++i;
      continue;
    }
    size_t end = body.find_first_of(" \t", i);
    if (end == std::string::npos) end = body.size();
    fields.emplace_back(body.substr(i, end - i), i);
    i = end;
  }
  if (fields.size() != 5) {
    *error = {0, "expected 5 fields (minute hour day-of-month month day-of-week, like "
                 "'0 * * * *') or @hourly/@daily/@weekly/@monthly/@yearly, got " +
                     std::to_string(fields.size()) + " field" + (fields.size() == 1 ? "" : "s")};
    return std::nullopt;
  }
  std::vector<bool> bits[5];
  for (int f = 0; f < 5; ++f) {
    bits[f].assign(static_cast<size_t>(kFields[f].high + 1), false);
    std::string message;
    if (!ParseField(fields[f].first, kFields[f], &bits[f], &message)) {
      *error = {lead == std::string::npos && text.find('@') != std::string::npos ? text.find('@')
                                                                                 : fields[f].second,
                message};
      return std::nullopt;
    }
  }
  for (int i = 0; i < 60; ++i) c.minutes_[i] = bits[0][i];
  for (int i = 0; i < 24; ++i) c.hours_[i] = bits[1][i];
  for (int i = 1; i <= 31; ++i) c.days_[i] = bits[2][i];
  for (int i = 1; i <= 12; ++i) c.months_[i] = bits[3][i];
  for (int i = 0; i <= 7; ++i)
    if (bits[4][i]) c.weekdays_[i % 7] = true;
  c.day_restricted_ = fields[2].first[0] != '*';
  c.weekday_restricted_ = fields[4].first[0] != '*';
  c.every_hour_ = c.hours_.all();
  // "0 0 30 2 *" parses but never fires: say so rather than wait forever.
  static const int kDaysIn[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool some_day = !c.day_restricted_ || c.weekday_restricted_;
  for (int m = 1; m <= 12 && !some_day; ++m)
    for (int d = 1; d <= kDaysIn[m] && !some_day; ++d) some_day = c.months_[m] && c.days_[d];
  if (!some_day) {
    *error = {fields[2].second, "day of month '" + fields[2].first + "' never occurs in month '" +
                                    fields[3].first + "': the schedule would never fire"};
    return std::nullopt;
  }
  return c;
}

bool CronSchedule::MatchesDay(int day_of_month, unsigned month, unsigned weekday) const {
  if (!months_[month]) return false;
  const bool dom = days_[static_cast<size_t>(day_of_month)], dow = weekdays_[weekday];
  if (day_restricted_ && weekday_restricted_) return dom || dow;
  return dom && dow;
}

void CronSchedule::TicksOfDay(int64_t days, const date::time_zone* zone,
                              std::vector<int64_t>* out) const {
  using namespace std::chrono;
  const date::local_days day{date::days(days)};
  const date::year_month_day ymd{day};
  const date::weekday wd{day};
  if (!MatchesDay(static_cast<int>(static_cast<unsigned>(ymd.day())),
                  static_cast<unsigned>(ymd.month()), wd.c_encoding()))
    return;
  const size_t first = out->size();
  for (int h = 0; h < 24; ++h) {
    if (!hours_[h]) continue;
    for (int m = 0; m < 60; ++m) {
      if (!minutes_[m]) continue;
      const date::local_seconds local = day + hours(h) + minutes(m);
      const date::local_info info = zone->get_info(local);
      auto utc = [&](const date::sys_info& i) {
        return duration_cast<milliseconds>((local - i.offset).time_since_epoch()).count();
      };
      if (info.result == date::local_info::unique) {
        out->push_back(utc(info.first));
      } else if (info.result == date::local_info::nonexistent) {
        out->push_back(duration_cast<milliseconds>(info.second.begin.time_since_epoch()).count());
      } else {
        out->push_back(utc(info.first));
        if (every_hour_) out->push_back(utc(info.second));
      }
    }
  }
  std::sort(out->begin() + static_cast<std::ptrdiff_t>(first), out->end());
  // Several skipped local times end the same gap: one tick.
  out->erase(std::unique(out->begin() + static_cast<std::ptrdiff_t>(first), out->end()),
             out->end());
}

std::optional<int64_t> CronSchedule::NextTick(int64_t after_ms, const date::time_zone* zone) const {
  using namespace std::chrono;
  const auto local = zone->to_local(date::sys_time<milliseconds>(milliseconds(after_ms)));
  const int64_t today = date::floor<date::days>(local).time_since_epoch().count();
  std::vector<int64_t> ticks;
  std::optional<int64_t> best;
  // Local days map to ascending instants but for DST overlaps: finish the day after a hit.
  for (int64_t d = today - 1; d <= today + kSearchDays; ++d) {
    ticks.clear();
    TicksOfDay(d, zone, &ticks);
    for (int64_t t : ticks)
      if (t > after_ms && (!best || t < *best)) best = t;
    if (best && d >= today + 1) return best;
  }
  return best;
}

std::optional<int64_t> CronSchedule::PreviousTick(int64_t at_ms, const date::time_zone* zone) const {
  using namespace std::chrono;
  const auto local = zone->to_local(date::sys_time<milliseconds>(milliseconds(at_ms)));
  const int64_t today = date::floor<date::days>(local).time_since_epoch().count();
  std::vector<int64_t> ticks;
  std::optional<int64_t> best;
  for (int64_t d = today + 1; d >= today - kSearchDays; --d) {
    ticks.clear();
    TicksOfDay(d, zone, &ticks);
    for (int64_t t : ticks)
      if (t <= at_ms && (!best || t > *best)) best = t;
    if (best && d <= today - 1) return best;
  }
  return best;
}

Expected<const date::time_zone*> FindTimeZone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return Status::NotFound("unknown time zone '" + name +
                            "' (want a name of the tz database, like 'UTC' or 'Europe/Berlin')");
  }
}

}  // namespace af
