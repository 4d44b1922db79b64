// Alerts: what the daemon tells people, as one JSON object each, to the log always and to the
// manifests' `alerts:` sinks: a command (/bin/sh -c, the JSON on stdin) and a webhook (HTTP
// POST through libcurl, retried with backoff). Delivery runs on a thread of its own so a slow
// sink never delays a tick; Drain waits for what was queued.
//
// Thread: Send and Drain from any thread.
#ifndef ASSETFLOW_HOST_DAEMON_ALERTS_H_
#define ASSETFLOW_HOST_DAEMON_ALERTS_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "manifest/definitions.h"

namespace af {

struct Alert {
  // "freshness" (went WARN or FAIL), "recovered" (back to PASS), "run_failed".
  std::string kind;
  std::string asset;                 // the asset (freshness), or the run's target
  std::string state, previous;       // freshness states; empty for run_failed
  std::string run_id;                // run_failed
  std::string message;               // one line for people
  int64_t time_ms = 0;
  std::string detail_json = "null";  // freshness: FreshnessJson; run_failed: null
};

// {"kind":..,"asset":..,"state":..,"previous":..,"run_id":..,"message":..,"time":"RFC 3339",
//  "detail":{...}}
std::string AlertJson(const Alert& a);

// "http://host:port" of a URL: what may be shown of a webhook (its path or query may hold a
// token).
std::string RedactedUrl(const std::string& url);

class AlertDispatcher {
 public:
  // `log(line)` receives one line per alert and per delivery failure (never a URL's secret).
  explicit AlertDispatcher(std::function<void(const std::string&)> log);
  ~AlertDispatcher();  // delivers what is queued, then stops

  // The sinks for alerts queued from now on (hot reload replaces them).
  void Configure(const AlertSinks& sinks);
  void Send(const Alert& alert);
  // Returns once everything queued so far was delivered (or given up on).
  void Drain();

 private:
  void Loop();
  void Deliver(const AlertSinks& sinks, const std::string& json);

  std::function<void(const std::string&)> log_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<AlertSinks, std::string>> queue_;
  AlertSinks sinks_;
  bool busy_ = false, stop_ = false;
  std::thread thread_;
};

// The sinks, exposed for tests and `assetflow daemon --once` users. Each returns OK or why not.
Status RunAlertCommand(const std::string& command, const std::string& json,
                       double timeout_seconds);
Status PostWebhook(const std::string& url, const std::string& json, double timeout_seconds);

}  // namespace af

#endif
