// The Walker's typed values: numbers, durations, choices' spelling, cron strings, time zones.
#include <optional>

#include "manifest/manifest_walker.h"
#include "manifest/scalars.h"
#include "schedule/cron.h"

namespace af::manifest_internal {

namespace {

// "24h", "7d"-free wording of a bound: whole hours, or seconds.
std::string FormatDuration(double seconds) {
  const auto s = static_cast<long long>(seconds);
  return s % 3600 == 0 ? std::to_string(s / 3600) + "h" : std::to_string(s) + "s";
}

}  // namespace

bool Walker::Number(YamlId v, const What& what, bool integer, bool non_negative, double* out) {
  const YamlNode& n = doc_.node(v);
  PlainScalar s = ResolvePlainScalar(std::string(doc_.Value(v)));
  double x = s.kind == PlainScalar::Kind::kInt ? static_cast<double>(s.i) : s.d;
  bool ok = n.IsScalar() && (s.kind == PlainScalar::Kind::kInt ||
                             (!integer && s.kind == PlainScalar::Kind::kDouble));
  if (ok && (non_negative ? x >= 0 : x > 0)) {
    *out = x;
    return true;
  }
  std::string expected = integer ? (non_negative ? "a non-negative integer" : "a positive integer")
                         : non_negative ? "a non-negative number"
                                        : "a number greater than 0";
  Error(v, "expected " + expected + " for " + what.str() + ", got " + Got(v));
  return false;
}

bool Walker::Duration(YamlId v, const What& what, bool positive, double* out,
                      double max_seconds) {
  const YamlNode& n = doc_.node(v);
  std::optional<double> s =
      n.IsScalar() ? ParseDurationSeconds(std::string(doc_.Value(v))) : std::nullopt;
  if (s && (!positive || *s > 0) && *s > max_seconds) {
    Error(v, "expected a duration of at most " + FormatDuration(max_seconds) + " for " +
                 what.str() + ", got " + Got(v));
    return false;
  }
  if (s && (!positive || *s > 0)) {
    *out = *s;
    return true;
  }
  Error(v, std::string("expected a duration ") + (positive ? "greater than 0 " : "") +
               "(seconds, or like '500ms', '5s', '2m', '1h') for " + what.str() + ", got " +
               Got(v));
  return false;
}

std::string Walker::Upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

bool Walker::Cron(YamlId v, const What& what, std::string* out) {
  if (!Scalar(v, what, out)) return false;
  CronError error;
  if (CronSchedule::Parse(*out, &error)) return true;
  const YamlNode& n = doc_.node(v);
  SourceLocation at = doc_.Location(v);
  if (at.line != 0) at.column += static_cast<int>(error.offset) + (n.plain ? 0 : 1);
  diagnostics_->push_back({at, error.message + " in " + what.str(), ""});
  return false;
}

bool Walker::Zone(YamlId v, const What& what, std::string* out) {
  if (!Scalar(v, what, out)) return false;
  auto zone = FindTimeZone(*out);
  if (zone.ok()) return true;
  Error(v, zone.status().message() + " for " + what.str());
  return false;
}

}  // namespace af::manifest_internal
