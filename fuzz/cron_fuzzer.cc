// Fuzzes cron schedules (`schedules:` in manifests): the parser, then the tick arithmetic of
// what parses, in UTC and in zones with DST changes (forward and backward, north and south).
// Contract under test: any text is a schedule or a CronError whose offset lies in the text;
// a schedule's next tick is strictly after the instant asked and its previous tick at or
// before it; the previous tick of a next tick is that tick. Never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "schedule/cron.h"

namespace {

const date::time_zone* Zone(const char* name) {
  auto zone = af::FindTimeZone(name);
  if (!zone.ok()) __builtin_trap();  // the machine has no tz database: the fixture is wrong
  return zone.value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const date::time_zone* const kZones[] = {Zone("UTC"), Zone("Europe/Berlin"),
                                                  Zone("America/Santiago"), Zone("Australia/Lord_Howe")};
  // The 2026 DST changes of Europe (March, October) and of the southern zones (April 5), and a
  // leap day.
  static const int64_t kInstants[] = {1774746000000, 1792890000000, 1775358000000,
                                      1709164800000};
  if (size < 1) return 0;
  const unsigned pick = data[0];
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  af::CronError error;
  auto schedule = af::CronSchedule::Parse(text, &error);
  if (!schedule) {
    if (error.message.empty() || error.offset > text.size()) __builtin_trap();
    return 0;
  }
  const date::time_zone* zone = kZones[pick % 4];
  const int64_t at = kInstants[(pick / 4) % 4];
  auto next = schedule->NextTick(at, zone);
  if (next) {
    if (*next <= at) __builtin_trap();
    auto back = schedule->PreviousTick(*next, zone);
    if (!back || *back != *next) __builtin_trap();
  }
  auto previous = schedule->PreviousTick(at, zone);
  if (previous && *previous > at) __builtin_trap();
  return 0;
}
