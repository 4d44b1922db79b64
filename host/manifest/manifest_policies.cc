// The Walker's per-asset policies: `retry_policy:` (also the top-level default) and
// `freshness_policy:`.
#include <memory>
#include <optional>
#include <sstream>

#include "manifest/manifest_walker.h"

namespace af::manifest_internal {

const std::vector<std::string> kRetryKeys = {"max_retries", "delay", "backoff", "jitter",
                                             "deadline"};
const std::vector<std::string> kFreshnessKeys = {"maximum_lag_minutes", "cron_schedule",
                                                 "cron_schedule_timezone", "warn_after_minutes"};

void Walker::DefaultRetry(YamlId key_id, YamlId v) {
  if (!FirstTopLevel(key_id, "retry_policy", &out_->default_retry_location)) return;
  Retry(v, "the top level", &out_->default_retry_policy);
}

void Walker::Retry(YamlId v, const std::string& owner, std::shared_ptr<const RetryPolicy>* out) {
  if (!Expect(v, Kind::kMap, {"'retry_policy' of ", owner})) return;
  RetryPolicy p;
  p.max_retries = 1;  // Dagster's default
  bool has_delay = false, ok = true;
  std::vector<YamlId> needs_delay;
  Keys(v, &kRetryKeys, {"in retry_policy of ", owner},
       [&](const std::string& key, YamlId k, YamlId value) {
         What what{"'", key, "' of ", owner};
         if (key == "max_retries") {
           double n = 0;
           bool valid = Number(value, what, /*integer=*/true, /*non_negative=*/true, &n);
           if (valid && n > kMaxRetries) {
             Error(value, "expected at most " + std::to_string(kMaxRetries) + " for " +
                              what.str() + ", got " + Got(value) +
                              " (bound the total time with 'deadline' instead)");
             valid = false;
           }
           ok &= valid;
           if (valid) p.max_retries = static_cast<int>(n);
         } else if (key == "delay") {
           has_delay = true;
           ok &= Duration(value, what, /*positive=*/false, &p.delay_seconds,
                          kMaxRetryDelaySeconds);
         } else if (key == "deadline") {
           ok &= Duration(value, what, /*positive=*/true, &p.deadline_seconds,
                          kMaxRetryDeadlineSeconds);
         } else if (key == "backoff") {
           needs_delay.push_back(k);
           ok &= Choice(value, what, {"linear", "exponential"},
                        {RetryPolicy::Backoff::kLinear, RetryPolicy::Backoff::kExponential},
                        &p.backoff, /*upper_too=*/true);
         } else if (key == "jitter") {
           needs_delay.push_back(k);
           ok &= Choice(value, what, {"full", "plus_minus"},
                        {RetryPolicy::Jitter::kFull, RetryPolicy::Jitter::kPlusMinus}, &p.jitter,
                        /*upper_too=*/true);
         }
       });
  if (!has_delay) {
    for (YamlId k : needs_delay)
      Error(k, std::string("'").append(doc_.Value(k)).append("' needs a 'delay' in ").append(
                   "retry_policy of " + owner));
    ok &= needs_delay.empty();
  }
  if (ok) *out = std::make_shared<const RetryPolicy>(p);
}

void Walker::Freshness(YamlId key_id, YamlId v, const std::string& owner,
                       std::optional<FreshnessPolicy>* out) {
  if (!Expect(v, Kind::kMap, {"'freshness_policy' of ", owner})) return;
  FreshnessPolicy p;
  bool has_lag = false, given_lag = false, ok = true;
  YamlId zone_key = 0, warn_value = 0;
  Keys(v, &kFreshnessKeys, {"in freshness_policy of ", owner},
       [&](const std::string& key, YamlId k, YamlId value) {
         What what{"'", key, "' of ", owner};
         if (key == "maximum_lag_minutes") {
           given_lag = true;
           has_lag = Number(value, what, /*integer=*/false, /*non_negative=*/false,
                            &p.maximum_lag_minutes);
         } else if (key == "cron_schedule") {
           ok &= Cron(value, what, &p.cron_schedule);
         } else if (key == "cron_schedule_timezone") {
           zone_key = k;
           ok &= Zone(value, what, &p.cron_schedule_timezone);
         } else if (key == "warn_after_minutes") {
           double warn = 0;
           warn_value = value;
           if (Number(value, what, /*integer=*/false, /*non_negative=*/false, &warn))
             p.warn_after_minutes = warn;
           else
             ok = false;
         }
       });
  if (!given_lag)
    Error(key_id, "missing required key 'maximum_lag_minutes' in freshness_policy of " + owner);
  // As Dagster: a time zone without a schedule means nothing.
  if (zone_key != 0 && p.cron_schedule.empty()) {
    ok = false;
    Error(zone_key, "'cron_schedule_timezone' needs a 'cron_schedule' in freshness_policy of " +
                        owner);
  }
  if (has_lag && p.warn_after_minutes && *p.warn_after_minutes >= p.maximum_lag_minutes) {
    ok = false;
    Error(warn_value, "'warn_after_minutes' must be less than 'maximum_lag_minutes' (" +
                          FormatNumber(p.maximum_lag_minutes) + ") in freshness_policy of " +
                          owner);
  }
  if (ok && has_lag) *out = p;
}

std::string Walker::FormatNumber(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

}  // namespace af::manifest_internal
