// The Walker's `schedules:` and `alerts:` sections.
#include <algorithm>
#include <span>

#include "manifest/manifest_walker.h"

namespace af::manifest_internal {

const std::vector<std::string> kScheduleKeys = {"cron", "timezone", "select", "description"};
const std::vector<std::string> kAlertKeys = {"command", "webhook"};
const std::vector<std::string> kWebhookKeys = {"url", "retries", "timeout"};

void Walker::Schedules(YamlId v) {
  if (!Expect(v, Kind::kMap, {"'schedules'"})) return;
  std::span<const YamlId> c = doc_.children(v);
  for (size_t i = 0; i + 1 < c.size(); i += 2) {
    const std::string name(doc_.Value(c[i]));
    if (!IsName(name, /*dash=*/true)) {
      Error(c[i], "invalid schedule name '" + name + "' (want letters, digits, '_' and '-')");
      continue;
    }
    if (auto it = out_->schedules.find(name); it != out_->schedules.end()) {
      Error(c[i], "duplicate schedule '" + name + "' (first defined at " +
                      it->second.location.ToString() + ")");
      continue;
    }
    ScheduleDef def;
    def.name = name;
    def.location = doc_.Location(c[i]);
    const std::string owner = "schedule '" + name + "'";
    if (!Expect(c[i + 1], Kind::kMap, {owner})) continue;
    bool has_cron = false, ok = true;
    Keys(c[i + 1], &kScheduleKeys, {"in ", owner},
         [&](const std::string& key, YamlId, YamlId value) {
           What what{"'", key, "' of ", owner};
           std::string ignored;
           if (key == "cron") {
             has_cron = true;
             ok &= Cron(value, what, &def.cron);
           } else if (key == "timezone") {
             ok &= Zone(value, what, &def.timezone);
           } else if (key == "select") {
             ok &= Scalar(value, what, &def.selection);
             def.selection_location = doc_.Location(value);
           } else if (key == "description") {
             ok &= Scalar(value, what, &ignored);
           }
         });
    if (!has_cron) Error(c[i], "missing required key 'cron' in " + owner);
    if (ok && has_cron) out_->schedules.emplace(name, std::move(def));
  }
}

void Walker::Alerts(YamlId key_id, YamlId v) {
  AlertSinks& a = out_->alerts;
  if (!FirstTopLevel(key_id, "alerts", &a.location)) return;
  if (!Expect(v, Kind::kMap, {"'alerts'"})) return;
  Keys(v, &kAlertKeys, {"in alerts"}, [&](const std::string& key, YamlId, YamlId value) {
    if (key == "command") Scalar(value, {"'command' of alerts"}, &a.command);
    if (key != "webhook") return;
    if (doc_.node(value).IsScalar()) {
      Url(value, &a.webhook_url);
      return;
    }
    if (!Expect(value, Kind::kMap, {"'webhook' of alerts"})) return;
    bool has_url = false;
    Keys(value, &kWebhookKeys, {"in the webhook of alerts"},
         [&](const std::string& k, YamlId, YamlId x) {
           What what{"'", k, "' of the webhook of alerts"};
           if (k == "url") has_url = Url(x, &a.webhook_url);
           if (k == "retries") {
             double n = 0;
             if (Number(x, what, /*integer=*/true, /*non_negative=*/true, &n))
               a.webhook_retries = static_cast<int>(std::min(n, 100.0));
           }
           if (k == "timeout") Duration(x, what, /*positive=*/true, &a.webhook_timeout_seconds);
         });
    if (!has_url && a.webhook_url.empty())
      Error(value, "missing required key 'url' in the webhook of alerts");
  });
}

bool Walker::Url(YamlId v, std::string* out) {
  std::string url;
  if (!Scalar(v, {"the webhook's url in alerts"}, &url)) return false;
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    // The value may hold a token: say what is wrong without echoing it.
    Error(v, "expected an http:// or https:// URL for the webhook of alerts");
    return false;
  }
  *out = url;
  return true;
}

}  // namespace af::manifest_internal
