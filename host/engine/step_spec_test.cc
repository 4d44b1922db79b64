// StepSpec and StepRecord as data: JSON both ways, field by field, and the exact errors for
// specs and records a host or worker must refuse.
#include "engine/step_spec.h"

#include <doctest/doctest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <functional>
#include <string>

#include "engine/host_context.h"
#include "engine/step_record.h"

namespace af {
namespace {

const std::string kSha(64, 'a');
const std::string kSha2 = std::string(32, '0') + std::string(32, 'f');

// Every field set, with non-ASCII text, quotes, backslashes and nested configs.
StepSpec FullSpec() {
  StepSpec s;
  s.run_id = "9b2f1c1e-0000-4000-8000-000000000001";
  s.step_key = "hn/\"top\" stories";
  s.attempt = 3;
  s.asset_key = "hn/\"top\" stories";
  s.definition = "hackernews/top_stories";
  s.code_version = "v2 – «ünïcödé» \\ 日本";
  s.config_json = R"({"count":50,"nested":{"list":[1,2.5,"x\"y"],"flag":true,"none":null},"name":"Zoë"})";
  s.io = {"io_manager", "fs_io/fs_io_manager", R"({"base_dir":"/tmp/stör\"age","fsync":false})"};
  StepInputSpec a;
  a.name = "left";
  a.asset_key = "up/a";
  a.io = {"io_manager", "fs_io/fs_io_manager", R"({"base_dir":"/x"})"};
  a.data_version = kSha;
  a.spool_path = "/tmp/spool/left";
  StepInputSpec b;
  b.name = "right";
  b.asset_key = "up/b";
  b.io = {"writer", "fs_io/file_writer", R"({"path":"out/b.json","deep":{"k":{"k":[{}]}}})"};
  b.data_version = kSha2;
  b.spool_path = "";
  s.inputs = {a, b};
  s.plugins = {{"fs_io", "/opt/plugins/fs_io.so", kSha}, {"hackernews", "/opt/é/hackernews.so", kSha2}};
  s.manifests_hash = std::string(64, 'c');
  s.home = "/home/ü/.assetflow";
  s.spool_path = "/tmp/spool/out";
  s.timeout_s = 12.5;
  s.max_rss_mb = 2048;
  return s;
}

void CheckIo(const StepIoSpec& got, const StepIoSpec& want) {
  CHECK(got.resource_key == want.resource_key);
  CHECK(got.type == want.type);
  CHECK(got.config_json == want.config_json);
}

// FullSpec's JSON with `edit` applied to the parsed document.
std::string Edited(const std::function<void(rapidjson::Document&)>& edit) {
  rapidjson::Document d;
  const std::string spec_json = StepSpecToJson(FullSpec());
  d.Parse(spec_json.c_str(), spec_json.size());
  REQUIRE(d.IsObject());
  edit(d);
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  d.Accept(w);
  return b.GetString();
}

std::string ErrorOf(const std::string& json) {
  auto parsed = StepSpecFromJson(json);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().IsInvalidArgument());
  return parsed.status().message();
}

TEST_CASE("StepSpec: every field survives StepSpecToJson -> StepSpecFromJson") {
  const StepSpec want = FullSpec();
  const std::string json = StepSpecToJson(want);
  CHECK(json.find('\n') == std::string::npos);  // one line: it travels on a pipe
  auto got = StepSpecFromJson(json);
  REQUIRE(got.ok());
  CHECK(got->run_id == want.run_id);
  CHECK(got->step_key == want.step_key);
  CHECK(got->attempt == 3);
  CHECK(got->asset_key == want.asset_key);
  CHECK(got->definition == want.definition);
  CHECK(got->code_version == want.code_version);
  CHECK(got->config_json == want.config_json);
  CheckIo(got->io, want.io);
  REQUIRE(got->inputs.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    CAPTURE(i);
    CHECK(got->inputs[i].name == want.inputs[i].name);
    CHECK(got->inputs[i].asset_key == want.inputs[i].asset_key);
    CheckIo(got->inputs[i].io, want.inputs[i].io);
    CHECK(got->inputs[i].data_version == want.inputs[i].data_version);
    CHECK(got->inputs[i].spool_path == want.inputs[i].spool_path);
  }
  REQUIRE(got->plugins.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    CAPTURE(i);
    CHECK(got->plugins[i].name == want.plugins[i].name);
    CHECK(got->plugins[i].path == want.plugins[i].path);
    CHECK(got->plugins[i].sha256 == want.plugins[i].sha256);
  }
  CHECK(got->manifests_hash == want.manifests_hash);
  CHECK(got->home == want.home);
  CHECK(got->spool_path == want.spool_path);
  CHECK(got->timeout_s == 12.5);
  CHECK(got->max_rss_mb == 2048);
  // And the JSON of the parsed spec is the same text.
  CHECK(StepSpecToJson(*got) == json);
}

TEST_CASE("StepSpec: optional fields take their defaults") {
  auto got = StepSpecFromJson(
      R"({"run_id":"r","step_key":"a","asset_key":"a","definition":"p/d",)"
      R"("io":{"resource":"io_manager","type":"fs_io/fs_io_manager"},"home":"/h"})");
  REQUIRE(got.ok());
  CHECK(got->attempt == 1);
  CHECK(got->code_version == "");
  CHECK(got->config_json == "{}");
  CHECK(got->io.config_json == "{}");
  CHECK(got->inputs.empty());
  CHECK(got->plugins.empty());
  CHECK(got->spool_path == "");
  CHECK(got->timeout_s == 0);
  CHECK(got->max_rss_mb == 0);
}

TEST_CASE("StepSpec: a missing required field is named") {
  auto without = [](const char* key) {
    return Edited([&](rapidjson::Document& d) { REQUIRE(d.RemoveMember(key)); });
  };
  CHECK(ErrorOf(without("run_id")) == "step spec.run_id is missing");
  CHECK(ErrorOf(without("step_key")) == "step spec.step_key is missing");
  CHECK(ErrorOf(without("asset_key")) == "step spec.asset_key is missing");
  CHECK(ErrorOf(without("definition")) == "step spec.definition is missing");
  CHECK(ErrorOf(without("io")) == "step spec.io is missing");
  CHECK(ErrorOf(without("home")) == "step spec.home is missing");
  CHECK(ErrorOf(Edited([](rapidjson::Document& d) { d["io"].RemoveMember("type"); })) ==
        "step spec.io.type is missing");
  CHECK(ErrorOf(Edited([](rapidjson::Document& d) { d["inputs"][1].RemoveMember("asset_key"); })) ==
        "step spec.inputs[1].asset_key is missing");
  CHECK(ErrorOf(Edited([](rapidjson::Document& d) { d["inputs"][0]["io"].RemoveMember("resource"); })) ==
        "step spec.inputs[0].io.resource is missing");
  CHECK(ErrorOf(Edited([](rapidjson::Document& d) { d["plugins"][1].RemoveMember("sha256"); })) ==
        "step spec.plugins[1].sha256 is missing");
  // The first problem is the one named.
  CHECK(ErrorOf(Edited([](rapidjson::Document& d) {
          d.RemoveMember("definition");
          d.RemoveMember("home");
        })) == "step spec.definition is missing");
}

TEST_CASE("StepSpec: a mistyped field is named with the type it must have") {
  auto set = [](const char* key, auto value) {
    return Edited([&](rapidjson::Document& d) { d[key] = value; });
  };
  auto set_str = [](const char* key, const char* value) {
    return Edited([&](rapidjson::Document& d) { d[key].SetString(value, d.GetAllocator()); });
  };
  CHECK(ErrorOf(set("run_id", 7)) == "step spec.run_id is not a string");
  CHECK(ErrorOf(set_str("attempt", "2")) == "step spec.attempt is not a number");
  CHECK(ErrorOf(set("attempt", -1)) == "step spec.attempt is not a whole number >= 0");
  CHECK(ErrorOf(set("attempt", 1.5)) == "step spec.attempt is not a whole number >= 0");
  CHECK(ErrorOf(set("max_rss_mb", -5)) == "step spec.max_rss_mb is not a whole number >= 0");
  CHECK(ErrorOf(set_str("timeout_s", "soon")) == "step spec.timeout_s is not a number");
  CHECK(ErrorOf(set_str("config", "{}")) == "step spec.config is not an object");
  CHECK(ErrorOf(set("io", true)) == "step spec.io is not an object");
  CHECK(ErrorOf(set_str("inputs", "a")) == "step spec.inputs is not an array");
  CHECK(ErrorOf(Edited([](rapidjson::Document& d) { d["plugins"][0].SetInt(1); })) ==
        "step spec.plugins[0] is not an object");
  CHECK(ErrorOf(Edited([](rapidjson::Document& d) { d["inputs"][1]["io"]["config"].SetInt(1); })) ==
        "step spec.inputs[1].io.config is not an object");
  CHECK(ErrorOf(Edited([](rapidjson::Document& d) { d["inputs"][0]["data_version"].SetBool(false); })) ==
        "step spec.inputs[0].data_version is not a string");
}

TEST_CASE("StepSpec: attempt 0 and text that is not an object are refused") {
  CHECK(ErrorOf(Edited([](rapidjson::Document& d) { d["attempt"].SetUint(0); })) ==
        "step spec.attempt must be >= 1");
  CHECK(ErrorOf("[1,2]") == "step spec: not a JSON object");
  CHECK(ErrorOf("{\"run_id\":") == "step spec: not a JSON object");
  CHECK(ErrorOf("") == "step spec: not a JSON object");
}

// ---- StepRecord

StepRecord RoundTrip(const StepRecord& r) {
  const std::string line = StepRecordToJson(r);
  CHECK(line.find('\n') == std::string::npos);
  auto back = StepRecordFromJson(line);
  REQUIRE_MESSAGE(back.ok(), back.status().message());
  CHECK(StepRecordToJson(*back) == line);
  return *back;
}

TEST_CASE("StepRecord: log records keep their level and message") {
  for (af_log_level level : {AF_LOG_DEBUG, AF_LOG_INFO, AF_LOG_WARNING, AF_LOG_ERROR}) {
    CAPTURE(level);
    StepRecord r;
    r.kind = StepRecord::Kind::kLog;
    r.level = level;
    r.message = "fetched \"42\" items – ünïcödé\nsecond line\t\\";
    StepRecord back = RoundTrip(r);
    CHECK(back.kind == StepRecord::Kind::kLog);
    CHECK(back.level == level);
    CHECK(back.message == r.message);
  }
  CHECK(StepRecordToJson(StepRecord{}) == R"({"record":"log","level":"INFO","message":""})");
}

TEST_CASE("StepRecord: progress, output and failure records round-trip") {
  StepRecord p;
  p.kind = StepRecord::Kind::kProgress;
  p.done = 7;
  p.total = 18446744073709551615ull;
  StepRecord pb = RoundTrip(p);
  CHECK(pb.kind == StepRecord::Kind::kProgress);
  CHECK(pb.done == 7);
  CHECK(pb.total == 18446744073709551615ull);

  StepRecord o;
  o.kind = StepRecord::Kind::kOutput;
  o.data_version = kSha2;
  o.bytes = 123456789012ull;
  o.staged = true;
  o.metadata = {{"rows", "int", "50"}, {"path", "path", "/tmp/ü \"x\""}, {"ok", "bool", "true"}};
  StepRecord ob = RoundTrip(o);
  CHECK(ob.kind == StepRecord::Kind::kOutput);
  CHECK(ob.data_version == kSha2);
  CHECK(ob.bytes == 123456789012ull);
  CHECK(ob.staged);
  REQUIRE(ob.metadata.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(ob.metadata[i].key == o.metadata[i].key);
    CHECK(ob.metadata[i].type == o.metadata[i].type);
    CHECK(ob.metadata[i].value == o.metadata[i].value);
  }
  o.staged = false;
  o.metadata.clear();
  StepRecord ob2 = RoundTrip(o);
  CHECK_FALSE(ob2.staged);
  CHECK(ob2.metadata.empty());

  for (af_status status : {AF_ERR_RETRYABLE, AF_ERR_FATAL, AF_ERR_CANCELED, AF_ERR_INVALID_ARGUMENT,
                           AF_ERR_NOT_FOUND, AF_ERR_IO, AF_ERR_UNSUPPORTED}) {
    CAPTURE(status);
    StepRecord f;
    f.kind = StepRecord::Kind::kFailure;
    f.status = status;
    f.message = "disk \"full\" – ü";
    StepRecord fb = RoundTrip(f);
    CHECK(fb.kind == StepRecord::Kind::kFailure);
    CHECK(fb.status == status);
    CHECK(fb.message == f.message);
  }
  // A failure record never reads as success, whatever its status says.
  auto ok_failure = StepRecordFromJson(R"({"record":"failure","status":"AF_OK","message":"m"})");
  REQUIRE(ok_failure.ok());
  CHECK(ok_failure->status == AF_ERR_FATAL);
}

TEST_CASE("StepRecord: unknown kinds, outputs without a version and overlong lines are refused") {
  auto error = [](std::string_view line) {
    auto r = StepRecordFromJson(line);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().IsInvalidArgument());
    return r.status().message();
  };
  CHECK(error(R"({"record":"checkpoint"})") == "unknown record kind 'checkpoint'");
  CHECK(error(R"({"message":"no kind"})") == "unknown record kind ''");
  CHECK(error("not json") == "record is not a JSON object");
  // A worker's record nested 500,000 deep (under the line cap) is refused, not a stack overflow.
  std::string deep = R"({"record":"log","message":)";
  for (int i = 0; i < 500000; ++i) deep += '[';
  CHECK(error(deep) == "record is not a JSON object");
  const std::string no_version = "output record without a data version and bytes";
  CHECK(error(R"({"record":"output","bytes":3})") == no_version);
  // A plugin may supply its own data version (1..256 bytes), so any length in range is read.
  CHECK(error(R"({"record":"output","data_version":"","bytes":3})") == no_version);
  CHECK(error(R"({"record":"output","data_version":")" + std::string(257, 'a') + R"(","bytes":3})") ==
        no_version);
  CHECK(StepRecordFromJson(R"({"record":"output","data_version":"v1","bytes":3})")->data_version ==
        "v1");
  CHECK(error(R"({"record":"output","data_version":")" + kSha + R"("})") == no_version);
  CHECK(error(R"({"record":"progress","done":1})") == "progress record without done/total");

  // Exactly kMaxRecordLine bytes are read; one more is refused before parsing.
  const std::string head = R"({"record":"log","level":"INFO","message":")";
  std::string at_limit = head + std::string(kMaxRecordLine - head.size() - 2, 'x') + "\"}";
  REQUIRE(at_limit.size() == kMaxRecordLine);
  auto fits = StepRecordFromJson(at_limit);
  REQUIRE(fits.ok());
  CHECK(fits->message.size() == kMaxRecordLine - head.size() - 2);
  std::string over = head + std::string(kMaxRecordLine - head.size() - 1, 'x') + "\"}";
  CHECK(error(over) == "record of " + std::to_string(kMaxRecordLine + 1) +
                           " bytes, over the limit of " + std::to_string(kMaxRecordLine));
  // A writer cuts a huge log message so that its line always fits, even fully escaped.
  StepRecord huge;
  huge.message = std::string(2 * kMaxRecordLine, '\x01');
  const std::string line = StepRecordToJson(huge);
  CHECK(line.size() <= kMaxRecordLine);
  REQUIRE(StepRecordFromJson(line).ok());
}

TEST_CASE("StepRecord: EndingRecord and ResultOf are inverse") {
  AttemptResult ok;
  ok.status = AF_OK;
  ok.data_version = kSha;
  ok.bytes = 42;
  ok.staged = true;
  ok.metadata = {{"uri", "url", "file:///tmp/a"}};
  StepRecord ending = EndingRecord(ok);
  CHECK(ending.kind == StepRecord::Kind::kOutput);
  AttemptResult back = ResultOf(RoundTrip(ending));
  CHECK(back.status == AF_OK);
  CHECK(back.message == "");
  CHECK(back.data_version == kSha);
  CHECK(back.bytes == 42);
  CHECK(back.staged);
  REQUIRE(back.metadata.size() == 1);
  CHECK(back.metadata[0].key == "uri");
  CHECK(back.metadata[0].type == "url");
  CHECK(back.metadata[0].value == "file:///tmp/a");

  AttemptResult failed;
  failed.status = AF_ERR_IO;
  failed.message = "write failed: \"ENOSPC\"";
  StepRecord f = EndingRecord(failed);
  CHECK(f.kind == StepRecord::Kind::kFailure);
  AttemptResult fback = ResultOf(RoundTrip(f));
  CHECK(fback.status == AF_ERR_IO);
  CHECK(fback.message == failed.message);
  CHECK(fback.data_version == "");
  CHECK(fback.bytes == 0);
  CHECK_FALSE(fback.staged);

  // Record -> result -> record keeps the record.
  StepRecord rec;
  rec.kind = StepRecord::Kind::kFailure;
  rec.status = AF_ERR_CANCELED;
  rec.message = "canceled";
  CHECK(StepRecordToJson(EndingRecord(ResultOf(rec))) == StepRecordToJson(rec));
  CHECK(StepRecordToJson(EndingRecord(ResultOf(ending))) == StepRecordToJson(ending));
  // A log or progress record is not an ending: as a result it is a failure, never success.
  StepRecord log;
  log.message = "hi";
  CHECK(ResultOf(log).status == AF_ERR_FATAL);
}

}  // namespace
}  // namespace af
