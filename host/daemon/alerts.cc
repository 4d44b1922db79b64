#include "daemon/alerts.h"

#include <curl/curl.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "clock/clock.h"
#include "common/json_field.h"
#include "common/subprocess.h"

namespace af {

std::string AlertJson(const Alert& a) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  auto field = [&](const char* key, const std::string& value) { JsonField(w, key, value); };
  field("kind", a.kind);
  field("asset", a.asset);
  field("state", a.state);
  field("previous", a.previous);
  field("run_id", a.run_id);
  field("message", a.message);
  field("time", FormatRfc3339(a.time_ms));
  w.Key("detail");
  w.RawValue(a.detail_json.c_str(), a.detail_json.size(), rapidjson::kObjectType);
  w.EndObject();
  return buffer.GetString();
}

std::string RedactedUrl(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "(webhook)";
  size_t start = scheme + 3;
  const size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
  if (size_t at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
  return url.substr(0, scheme + 3) + authority;
}

Status RunAlertCommand(const std::string& command, const std::string& json,
                       double timeout_seconds) {
  auto pipe = MakePipe();
  if (!pipe.ok()) return pipe.status();
  const std::string input = json + "\n";
  // Alerts are a few hundred bytes, well under a pipe's buffer: written before the child runs.
  const ssize_t written = ::write(pipe->second, input.data(), input.size());
  ::close(pipe->second);
  if (written != static_cast<ssize_t>(input.size())) {
    ::close(pipe->first);
    return Status::IoError("could not write the alert to the command's stdin");
  }
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", command};
  options.fds = {{0, pipe->first}};
  auto run = RunCaptured(options, std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000)),
                         4096);
  ::close(pipe->first);
  if (!run.ok()) return run.status();
  if (run->timed_out) return Status::Failed("the alert command timed out");
  if (!run->status.exited || run->status.code != 0) {
    std::string err = run->err.substr(0, run->err.find('\n'));
    return Status::Failed("the alert command " + run->status.Describe() +
                          (err.empty() ? "" : ": " + err));
  }
  return Status::OK();
}

Status PostWebhook(const std::string& url, const std::string& json, double timeout_seconds) {
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK) return Status::Failed("libcurl could not start");
  CURL* curl = curl_easy_init();
  if (!curl) return Status::Failed("libcurl could not start");
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(json.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_seconds * 1000));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "assetflow-daemon");
  // The body of the answer is not ours to print: drop it.
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION,
                   +[](char*, size_t size, size_t n, void*) { return size * n; });
  const CURLcode code = curl_easy_perform(curl);
  long http = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  const std::string where = RedactedUrl(url);
  if (code != CURLE_OK)
    return Status::IoError("webhook " + where + ": " + curl_easy_strerror(code));
  if (http < 200 || http >= 300)
    return Status::Failed("webhook " + where + " answered HTTP " + std::to_string(http));
  return Status::OK();
}

AlertDispatcher::AlertDispatcher(std::function<void(const std::string&)> log)
    : log_(std::move(log)), thread_([this] { Loop(); }) {}

AlertDispatcher::~AlertDispatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void AlertDispatcher::Configure(const AlertSinks& sinks) {
  std::lock_guard<std::mutex> lock(mu_);
  sinks_ = sinks;
}

void AlertDispatcher::Send(const Alert& alert) {
  const std::string json = AlertJson(alert);
  log_("alert " + (alert.state.empty() ? alert.kind : alert.state) + " " + alert.asset + ": " +
       alert.message);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (sinks_.command.empty() && sinks_.webhook_url.empty()) return;
    queue_.emplace_back(sinks_, json);
  }
  cv_.notify_all();
}

void AlertDispatcher::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

void AlertDispatcher::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_, and nothing left to deliver
    auto [sinks, json] = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    Deliver(sinks, json);
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

void AlertDispatcher::Deliver(const AlertSinks& sinks, const std::string& json) {
  if (!sinks.command.empty()) {
    Status s = RunAlertCommand(sinks.command, json, 30);
    if (!s.ok()) log_("alert sink failed: " + s.message());
  }
  if (!sinks.webhook_url.empty()) {
    Status s;
    for (int attempt = 0; attempt <= sinks.webhook_retries; ++attempt) {
      // Real time, not the daemon's clock: the receiver lives in real time.
      if (attempt > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(250 << (attempt - 1), 8000)));
      s = PostWebhook(sinks.webhook_url, json, sinks.webhook_timeout_seconds);
      if (s.ok()) break;
    }
    if (!s.ok())
      log_("alert sink failed after " + std::to_string(sinks.webhook_retries + 1) +
           " attempts: " + s.message());
  }
}

}  // namespace af
