// The host services of one call, exercised through the af_host_api table as a plugin sees it.
#include "engine/host_context.h"

#include <doctest/doctest.h>

#include "engine/engine_test_util.h"
#include "engine/io_managers.h"

namespace af {
namespace {

struct Call {
  std::string key = "a/b", run = "run-1", home = "/tmp/home";
  ParsedConfig config;
  std::atomic<bool> cancel{false};
  std::vector<MetadataEntry> metadata;
  HostCall call;
  explicit Call(const std::string& json)
      : config(json), call(key, run, 2, home, config, &cancel, nullptr) {
    call.set_metadata_sink(&metadata);
  }
  const af_context* ctx() { return call.context(); }
  const af_host_api& api() { return *call.context()->api; }
};

}  // namespace

TEST_CASE("host api: identity, table version, cancellation") {
  Call c("{}");
  CHECK(c.api().struct_size == sizeof(af_host_api));
  CHECK(c.api().abi_major == AF_ABI_MAJOR);
  CHECK(std::string(c.api().asset_key(c.ctx())) == "a/b");
  CHECK(std::string(c.api().run_id(c.ctx())) == "run-1");
  CHECK(c.api().attempt(c.ctx()) == 2);
  CHECK(std::string(c.api().home_dir(c.ctx())) == "/tmp/home");
  CHECK(c.api().is_canceled(c.ctx()) == 0);
  c.cancel = true;
  CHECK(c.api().is_canceled(c.ctx()) == 1);
  CHECK(c.api().output(c.ctx()) == nullptr);
  CHECK(c.api().input_count(c.ctx()) == 0);
  CHECK(c.api().get_extension(c.ctx(), "assetflow.nothing/1") == nullptr);
}

TEST_CASE("host api: config lookups by top-level key and JSON pointer, typed") {
  Call c(R"({"count":5,"ratio":0.5,"on":true,"name":"x\u00e9","retry":{"max":3},"list":[1,"two"]})");
  CHECK(std::string(c.api().config_json(c.ctx())).find("\"count\":5") != std::string::npos);
  int64_t i = 0;
  CHECK(c.api().config_get_int(c.ctx(), "count", &i) == AF_OK);
  CHECK(i == 5);
  CHECK(c.api().config_get_int(c.ctx(), "/retry/max", &i) == AF_OK);
  CHECK(i == 3);
  CHECK(c.api().config_get_int(c.ctx(), "/list/0", &i) == AF_OK);
  CHECK(i == 1);
  CHECK(c.api().config_get_int(c.ctx(), "ratio", &i) == AF_ERR_INVALID_ARGUMENT);
  CHECK(c.api().config_get_int(c.ctx(), "missing", &i) == AF_ERR_NOT_FOUND);
  CHECK(c.api().config_get_int(c.ctx(), "/retry/none", &i) == AF_ERR_NOT_FOUND);
  double d = 0;
  CHECK(c.api().config_get_double(c.ctx(), "ratio", &d) == AF_OK);
  CHECK(d == 0.5);
  CHECK(c.api().config_get_double(c.ctx(), "count", &d) == AF_OK);  // an integer is a number
  CHECK(d == 5.0);
  int32_t b = 0;
  CHECK(c.api().config_get_bool(c.ctx(), "on", &b) == AF_OK);
  CHECK(b == 1);
  CHECK(c.api().config_get_bool(c.ctx(), "name", &b) == AF_ERR_INVALID_ARGUMENT);
  const char* s = nullptr;
  uint64_t n = 0;
  CHECK(c.api().config_get_string(c.ctx(), "name", &s, &n) == AF_OK);
  CHECK(std::string(s, n) == "x\xc3\xa9");
  CHECK(c.api().config_get_string(c.ctx(), "/list/1", &s, nullptr) == AF_OK);
  CHECK(std::string(s) == "two");
  CHECK(c.api().config_get_string(c.ctx(), "count", &s, &n) == AF_ERR_INVALID_ARGUMENT);
}

TEST_CASE("host api: metadata is typed and validated; a repeated key keeps the last value") {
  Call c("{}");
  auto add = [&](const char* k, af_metadata_type t, const char* v) {
    return c.api().add_metadata(c.ctx(), k, t, v);
  };
  CHECK(add("rows", AF_META_INT, "42") == AF_OK);
  CHECK(add("rows", AF_META_INT, "-7") == AF_OK);
  CHECK(add("bad_int", AF_META_INT, "4.2") == AF_ERR_INVALID_ARGUMENT);
  CHECK(add("bad_int", AF_META_INT, "12x") == AF_ERR_INVALID_ARGUMENT);
  CHECK(add("bad_int", AF_META_INT, "") == AF_ERR_INVALID_ARGUMENT);
  CHECK(add("bad_int", AF_META_INT, "99999999999999999999") == AF_ERR_INVALID_ARGUMENT);
  CHECK(add("ratio", AF_META_FLOAT, "0.25") == AF_OK);
  CHECK(add("bad_float", AF_META_FLOAT, "abc") == AF_ERR_INVALID_ARGUMENT);
  CHECK(add("ok", AF_META_BOOL, "true") == AF_OK);
  CHECK(add("bad_bool", AF_META_BOOL, "yes") == AF_ERR_INVALID_ARGUMENT);
  CHECK(add("doc", AF_META_JSON, R"({"a":[1,2]})") == AF_OK);
  CHECK(add("bad_json", AF_META_JSON, "{a") == AF_ERR_INVALID_ARGUMENT);
  CHECK(add("note", AF_META_MARKDOWN, "# hi") == AF_OK);
  CHECK(add("link", AF_META_URL, "https://example.com") == AF_OK);
  CHECK(add("file", AF_META_PATH, "/tmp/x") == AF_OK);
  CHECK(add("title", AF_META_TEXT, "plain") == AF_OK);
  CHECK(add("bad_type", 99, "x") == AF_ERR_INVALID_ARGUMENT);
  CHECK(add("", AF_META_TEXT, "x") == AF_ERR_INVALID_ARGUMENT);
  CHECK(c.api().add_metadata(c.ctx(), "null", AF_META_TEXT, nullptr) == AF_ERR_INVALID_ARGUMENT);
  std::vector<std::string> got;
  for (auto& m : c.metadata) got.push_back(m.key + ":" + m.type + ":" + m.value);
  CHECK(got == std::vector<std::string>{"rows:int:-7", "ratio:float:0.25", "ok:bool:true",
                                        "doc:json:{\"a\":[1,2]}", "note:markdown:# hi",
                                        "link:url:https://example.com", "file:path:/tmp/x",
                                        "title:text:plain"});
}

TEST_CASE("host api: set_error keeps the last report") {
  Call c("{}");
  c.api().set_error(c.ctx(), AF_ERR_RETRYABLE, "first");
  c.api().set_error(c.ctx(), AF_ERR_FATAL, "second");
  CHECK(c.call.error_status() == AF_ERR_FATAL);
  CHECK(c.call.error_message() == "second");
}

TEST_CASE("host api: inputs stream from the upstream's IO manager; reopening restarts") {
  testing::TempHome home;
  testing::TestEnv env(R"(
assets:
  up: { type: examples/constant, config: { value: "0123456789" } }
  down: { type: examples/concat, inputs: { x: up } }
)", home.path());
  env.Run("up");
  auto io = IoManagerSet::Resolve(env.defs(), env.registry());
  REQUIRE(io.ok());
  const IoManagerRef& ref = (*io)->For(*env.defs().FindAsset("up"));
  std::vector<InputSource> inputs{{"x", "up", ref.desc, &ref.config}};
  Call c("{}");
  c.call.set_inputs(&inputs);
  CHECK(c.api().input_count(c.ctx()) == 1);
  CHECK(std::string(c.api().input_name(c.ctx(), 0)) == "x");
  CHECK(c.api().input_name(c.ctx(), 1) == nullptr);
  const af_istream* in = nullptr;
  CHECK(c.api().open_input(c.ctx(), "nope", &in) == AF_ERR_NOT_FOUND);
  // The home of the call is not the env's: the IO manager's config names the storage.
  std::string home_dir = home.path();
  HostCall call(c.key, c.run, 1, home_dir, c.config, nullptr, nullptr);
  call.set_inputs(&inputs);
  const af_host_api& api = *call.context()->api;
  REQUIRE(api.open_input(call.context(), "x", &in) == AF_OK);
  char buf[4];
  CHECK(in->read(in, buf, 4) == 4);
  CHECK(std::string(buf, 4) == "0123");
  REQUIRE(api.open_input(call.context(), "x", &in) == AF_OK);  // restarts from the beginning
  CHECK(in->read(in, buf, 4) == 4);
  CHECK(std::string(buf, 4) == "0123");
  call.CloseInputs();
}

}  // namespace af
