#include "engine/step_record.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/json_field.h"
#include "engine/host_context.h"
#include "eventlog/record_json.h"
#include <assetflow/cpp/json.hpp>

namespace af {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;


}  // namespace

const char* LogLevelName(af_log_level level) {
  switch (level) {
    case AF_LOG_DEBUG: return "DEBUG";
    case AF_LOG_WARNING: return "WARNING";
    case AF_LOG_ERROR: return "ERROR";
    default: return "INFO";
  }
}

af_log_level LogLevelFromName(std::string_view name) {
  for (af_log_level l : {AF_LOG_DEBUG, AF_LOG_WARNING, AF_LOG_ERROR})
    if (name == LogLevelName(l)) return l;
  return AF_LOG_INFO;
}

af_status StatusFromName(std::string_view name) {
  for (af_status s : {AF_OK, AF_ERR_RETRYABLE, AF_ERR_FATAL, AF_ERR_CANCELED,
                      AF_ERR_INVALID_ARGUMENT, AF_ERR_NOT_FOUND, AF_ERR_IO, AF_ERR_UNSUPPORTED})
    if (name == StatusName(s)) return s;
  return AF_ERR_FATAL;
}

std::string StepRecordToJson(const StepRecord& r) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  switch (r.kind) {
    case StepRecord::Kind::kLog: {
      JsonField(w, "record", "log");
      JsonField(w, "level", LogLevelName(r.level));
      // Cut so that the line fits kMaxRecordLine even when every byte is escaped (\u00XX).
      const size_t limit = kMaxRecordLine / 8;
      std::string_view m = r.message;
      JsonField(w, "message", m.size() > limit ? m.substr(0, limit) : m);
      break;
    }
    case StepRecord::Kind::kProgress:
      JsonField(w, "record", "progress");
      w.Key("done");
      w.Uint64(r.done);
      w.Key("total");
      w.Uint64(r.total);
      break;
    case StepRecord::Kind::kOutput:
      JsonField(w, "record", "output");
      JsonField(w, "data_version", r.data_version);
      w.Key("bytes");
      w.Uint64(r.bytes);
      w.Key("staged");
      w.Bool(r.staged);
      w.Key("observed");
      w.Bool(r.observed);
      w.Key("metadata");
      {
        const std::string m = MetadataToJson(r.metadata);
        w.RawValue(m.c_str(), m.size(), rapidjson::kArrayType);
      }
      break;
    case StepRecord::Kind::kFailure:
      JsonField(w, "record", "failure");
      JsonField(w, "status", StatusName(r.status));
      JsonField(w, "message", r.message);
      break;
  }
  w.EndObject();
  return buffer.GetString();
}

Expected<StepRecord> StepRecordFromJson(std::string_view line) {
  if (line.size() > kMaxRecordLine)
    return Status::InvalidArgument("record of " + std::to_string(line.size()) +
                                   " bytes, over the limit of " + std::to_string(kMaxRecordLine));
  rapidjson::Document d;
  if (!assetflow::ParseJson(d, line.data(), line.size()) || !d.IsObject())
    return Status::InvalidArgument("record is not a JSON object");
  auto text = [&](const char* key) -> std::string_view {
    auto it = d.FindMember(key);
    if (it == d.MemberEnd() || !it->value.IsString()) return {};
    return {it->value.GetString(), it->value.GetStringLength()};
  };
  auto count = [&](const char* key, uint64_t* out) {
    auto it = d.FindMember(key);
    if (it == d.MemberEnd() || !it->value.IsUint64()) return false;
    *out = it->value.GetUint64();
    return true;
  };
  StepRecord r;
  const std::string_view kind = text("record");
  if (kind == "log") {
    r.kind = StepRecord::Kind::kLog;
    r.level = LogLevelFromName(text("level"));
    r.message = text("message");
  } else if (kind == "progress") {
    r.kind = StepRecord::Kind::kProgress;
    if (!count("done", &r.done) || !count("total", &r.total))
      return Status::InvalidArgument("progress record without done/total");
  } else if (kind == "output") {
    r.kind = StepRecord::Kind::kOutput;
    r.data_version = text("data_version");
    if (r.data_version.empty() || r.data_version.size() > 256 || !count("bytes", &r.bytes))
      return Status::InvalidArgument("output record without a data version and bytes");
    auto flag = [&](const char* key) {
      auto it = d.FindMember(key);
      return it != d.MemberEnd() && it->value.IsBool() && it->value.GetBool();
    };
    r.staged = flag("staged");
    r.observed = flag("observed");
    auto m = d.FindMember("metadata");
    if (m != d.MemberEnd() && m->value.IsArray()) {
      rapidjson::StringBuffer b;
      rapidjson::Writer<rapidjson::StringBuffer> w(b);
      m->value.Accept(w);
      r.metadata = MetadataFromJson(b.GetString());
    }
  } else if (kind == "failure") {
    r.kind = StepRecord::Kind::kFailure;
    r.status = StatusFromName(text("status"));
    if (r.status == AF_OK) r.status = AF_ERR_FATAL;  // a failure never reads as success
    r.message = text("message");
  } else {
    return Status::InvalidArgument("unknown record kind '" + std::string(kind) + "'");
  }
  return r;
}

StepRecord FailureRecord(af_status status, std::string message) {
  StepRecord r;
  r.kind = StepRecord::Kind::kFailure;
  r.status = status;
  r.message = std::move(message);
  return r;
}

StepRecord EndingRecord(const AttemptResult& a) {
  if (a.status != AF_OK) return FailureRecord(a.status, a.message);
  StepRecord r;
  r.kind = StepRecord::Kind::kOutput;
  r.data_version = a.data_version;
  r.bytes = a.bytes;
  r.staged = a.staged;
  r.observed = a.observed;
  r.metadata = a.metadata;
  return r;
}

AttemptResult ResultOf(const StepRecord& r) {
  AttemptResult a;
  if (r.kind == StepRecord::Kind::kOutput) {
    a.status = AF_OK;
    a.data_version = r.data_version;
    a.bytes = r.bytes;
    a.staged = r.staged;
    a.observed = r.observed;
    a.metadata = r.metadata;
  } else {
    a.status = r.status == AF_OK ? AF_ERR_FATAL : r.status;
    a.message = r.message;
    a.infrastructure = r.infrastructure;
  }
  return a;
}

}  // namespace af
