#include "engine/event_sink.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/json_field.h"
#include "engine/host_context.h"
#include "engine/step_record.h"

namespace af {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// {…} built by `fill`, compact.
template <class F>
std::string JsonObject(F&& fill) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  fill(w);
  w.EndObject();
  return buffer.GetString();
}

void Key(JsonWriter& w, const char* key) { w.Key(key); }

void WriteMetadata(JsonWriter& w, const std::vector<MetadataEntry>& metadata) {
  w.StartArray();
  for (const MetadataEntry& m : metadata) {
    w.StartObject();
    JsonField(w, "key", m.key);
    JsonField(w, "type", m.type);
    Key(w, "value");
    if (m.type == "int" || m.type == "bool" || m.type == "json") {
      w.RawValue(m.value.c_str(), m.value.size(), rapidjson::kObjectType);
    } else if (m.type == "float" && std::isfinite(std::strtod(m.value.c_str(), nullptr))) {
      w.Double(std::strtod(m.value.c_str(), nullptr));
    } else {
      JsonString(w, m.value);
    }
    w.EndObject();
  }
  w.EndArray();
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", s);
  return buf;
}

}  // namespace

std::string MetadataJson(const std::vector<MetadataEntry>& metadata) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  WriteMetadata(w, metadata);
  return buffer.GetString();
}

void EventSink::Check(const Status& s) {
  if (s.ok()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (first_error_.ok()) first_error_ = s;
}

Status EventSink::first_error() {
  std::lock_guard<std::mutex> lock(mu_);
  return first_error_;
}

void EventSink::Emit(const std::string& asset, const char* type, std::string message,
                     std::string data, bool store) {
  EventRecord e;
  e.run_id = run_id_;
  e.asset_key = asset;
  e.type = type;
  e.time_ms = clock_.NowMs();
  e.message = redactor_.Redact(message);
  e.data_json = redactor_.Redact(data);
  if (observer_) {
    std::lock_guard<std::mutex> lock(mu_);
    observer_(e);
  }
  if (store) Check(log_.AppendEvent(e));
}

void EventSink::RunStarted(const std::string& selection, const std::vector<std::string>& assets,
                           int parallelism) {
  const size_t steps = assets.size();
  Emit("", "RUN_STARTED",
       "run started: " + std::to_string(steps) + " step" + (steps == 1 ? "" : "s") + ", -j " +
           std::to_string(parallelism),
       JsonObject([&](JsonWriter& w) {
         JsonField(w, "selection", selection);
         Key(w, "steps"); w.Uint64(steps);
         Key(w, "parallelism"); w.Int(parallelism);
         Key(w, "assets");
         w.StartArray();
         for (const std::string& a : assets) w.String(a.data(), static_cast<unsigned>(a.size()));
         w.EndArray();
       }));
}

void EventSink::StepStarted(const std::string& asset) {
  Emit(asset, "STEP_STARTED", "started", "{}");
}

void EventSink::StepRetry(const std::string& asset, uint32_t failed_attempt, int max_retries,
                          double delay_s, int32_t status, const std::string& error) {
  const uint32_t retry = failed_attempt;  // the n-th retry follows the n-th attempt
  Emit(asset, "STEP_RETRY",
       "attempt " + std::to_string(failed_attempt) + " failed (" + StatusName(status) + ": " +
           error + "); retry " + std::to_string(retry) + " of " + std::to_string(max_retries) +
           " in " + Seconds(delay_s),
       JsonObject([&](JsonWriter& w) {
         Key(w, "attempt"); w.Uint(failed_attempt);
         Key(w, "retry"); w.Uint(retry);
         Key(w, "max_retries"); w.Int(max_retries);
         Key(w, "delay_s"); w.Double(delay_s);
         JsonField(w, "status", StatusName(status));
         JsonField(w, "error", error);
       }));
}

void EventSink::StepFailed(const std::string& asset, int32_t status, const std::string& error,
                           uint32_t attempts) {
  Emit(asset, "STEP_FAILED", error, JsonObject([&](JsonWriter& w) {
         JsonField(w, "status", StatusName(status));
         Key(w, "attempts"); w.Uint(attempts);
       }));
  Check(log_.RecordAttempt(
      asset, AttemptRecord{run_id_, clock_.NowMs(), true, redactor_.Redact(error)}));
}

void EventSink::StepCanceled(const std::string& asset, uint32_t attempts) {
  Emit(asset, "STEP_FAILED", "canceled", JsonObject([&](JsonWriter& w) {
         JsonField(w, "status", StatusName(AF_ERR_CANCELED));
         Key(w, "attempts"); w.Uint(attempts);
         Key(w, "canceled"); w.Bool(true);
       }));
}

void EventSink::StepSkipped(const std::string& asset, const std::string& reason) {
  Emit(asset, "STEP_SKIPPED", reason, "{}");
}

void EventSink::StepSucceeded(const MaterializationRecord& record, uint64_t bytes,
                              uint32_t attempts, int64_t duration_ms, bool observed) {
  MaterializationRecord m = record;
  for (MetadataEntry& entry : m.metadata) entry.value = redactor_.Redact(entry.value);
  Emit(m.asset_key, observed ? "OBSERVATION" : "MATERIALIZATION",
       observed ? "data version " + m.data_version.substr(0, 12)
                : std::to_string(bytes) + " bytes, data version " + m.data_version.substr(0, 12),
       JsonObject([&](JsonWriter& w) {
         JsonField(w, "data_version", m.data_version);
         Key(w, "bytes"); w.Uint64(bytes);
         JsonField(w, "code_version", m.code_version);
         JsonField(w, "config_hash", m.config_hash);
         Key(w, "upstream_data_versions");
         w.StartObject();
         for (const auto& [key, version] : m.upstream_data_versions) JsonField(w, key.c_str(), version);
         w.EndObject();
         Key(w, "metadata");
         WriteMetadata(w, m.metadata);
       }));
  Check(log_.RecordMaterialization(m));
  Check(log_.RecordAttempt(m.asset_key, AttemptRecord{run_id_, m.time_ms, false, ""}));
  Emit(m.asset_key, "STEP_SUCCESS",
       "succeeded in " + std::to_string(duration_ms) + " ms" +
           (attempts > 1 ? " (attempt " + std::to_string(attempts) + ")" : ""),
       JsonObject([&](JsonWriter& w) {
         Key(w, "duration_ms"); w.Int64(duration_ms);
         Key(w, "attempts"); w.Uint(attempts);
       }));
}

void EventSink::Log(const std::string& asset, af_log_level level, const std::string& message) {
  Emit(asset, "LOG", message, JsonObject([&](JsonWriter& w) { JsonField(w, "level", LogLevelName(level)); }));
}

void EventSink::WorkerLog(const std::string& asset, af_log_level level,
                          const std::string& message, uint32_t attempt, uint64_t sequence) {
  Emit(asset, "LOG", message, JsonObject([&](JsonWriter& w) {
         JsonField(w, "level", LogLevelName(level));
         Key(w, "attempt"); w.Uint(attempt);
         Key(w, "seq"); w.Uint64(sequence);
       }));
}

void EventSink::Progress(const std::string& asset, uint64_t done, uint64_t total) {
  Emit(asset, "PROGRESS", std::to_string(done) + (total ? " / " + std::to_string(total) : ""),
       JsonObject([&](JsonWriter& w) {
         Key(w, "done"); w.Uint64(done);
         Key(w, "total"); w.Uint64(total);
       }),
       /*store=*/false);
}

void EventSink::RunEnded(RunStatus status, size_t succeeded, size_t failed, size_t skipped,
                         size_t canceled) {
  std::string message = std::to_string(succeeded) + " succeeded, " + std::to_string(failed) +
                        " failed, " + std::to_string(skipped) + " skipped";
  if (canceled) message += ", " + std::to_string(canceled) + " canceled";
  Emit("", (std::string("RUN_") + RunStatusName(status)).c_str(), message,
       JsonObject([&](JsonWriter& w) {
         Key(w, "succeeded"); w.Uint64(succeeded);
         Key(w, "failed"); w.Uint64(failed);
         Key(w, "skipped"); w.Uint64(skipped);
         Key(w, "canceled"); w.Uint64(canceled);
       }));
}

}  // namespace af
