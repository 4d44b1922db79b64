// The SDK harness against built plugin files: it loads them as the host does, validates config
// with the host's code and words (compared with the manifest loader's own message), and
// materializes in memory; and the C++ layer's IO manager defaults seen through it.
#include <assetflow/testing/harness.hpp>
#include <doctest/doctest.h>

#include <string>

#include "manifest/manifest_test_util.h"

namespace {

using assetflow::testing::ConfigError;
using assetflow::testing::Plugin;
using assetflow::testing::materialize_to_memory;

const std::string kPlugins = AF_PLUGIN_DIR;

std::string ConfigErrorOf(const Plugin& plugin, const std::string& definition,
                          const std::string& config) {
  try {
    plugin.run(definition).config(config);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("the harness refuses a config exactly as the host does") {
  Plugin examples(kPlugins + "/examples.so");
  const af_asset_descriptor* constant = examples.asset("constant");
  af::TypeCatalog catalog;
  catalog.assets["examples/constant"] = {constant->config_schema, "1"};
  const struct {
    const char* json;
    const char* yaml;
  } cases[] = {
      {R"({"bogus":1})", "{bogus: 1}"},
      {R"({"repeat":0})", "{repeat: 0}"},
      {R"({"repeat":"x"})", "{repeat: \"x\"}"},
      {R"({"value":3,"repeat":0})", "{value: 3, repeat: 0}"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.json);
    const std::string harness = ConfigErrorOf(examples, "constant", c.json);
    REQUIRE_FALSE(harness.empty());
    const std::string host = af::testing::Diagnose(
        std::string("assets:\n  a:\n    type: examples/constant\n    config: ") + c.yaml + "\n",
        catalog);
    // Each harness line is the host's message without the manifest's place and owner.
    size_t from = 0;
    for (size_t nl; (nl = harness.find('\n', from)) != std::string::npos || from < harness.size();
         from = nl + 1) {
      if (nl == std::string::npos) nl = harness.size();
      const std::string line = harness.substr(from, nl - from);
      CHECK(host.find("error: " + line + " for asset 'a' (examples/constant)") != std::string::npos);
    }
  }
  CHECK(ConfigErrorOf(examples, "constant", R"({"bogus":1})") == "config: unknown key 'bogus'");
  CHECK(ConfigErrorOf(examples, "noop", R"({"x":1})") == "config: no config is accepted");
  CHECK(ConfigErrorOf(examples, "constant", "[1]") == "harness config is not a JSON object: [1]");
  // Defaults are filled as the host fills them: {"repeat":1,"value":""}, sorted.
  auto r = examples.run("constant").config(R"({"value":"ab"})").materialize();
  CHECK(r.output == "ab");
}

TEST_CASE("materialize_to_memory runs assets in order, inputs from earlier outputs") {
  Plugin examples(kPlugins + "/examples.so");
  auto out = materialize_to_memory(
      examples, {{"a", "constant", R"({"value":"A"})", {}},
                 {"b", "constant", R"({"value":"B","repeat":2})", {}},
                 {"ab", "concat", R"({"separator":"+"})", {{"x", "a"}, {"y", "b"}}}});
  REQUIRE(out.size() == 3);
  CHECK(out.at("a").output == "A");
  CHECK(out.at("b").output == "BB");
  CHECK(out.at("ab").status == AF_OK);
  CHECK(out.at("ab").output == "A+BB+");

  CHECK_THROWS_WITH_AS(materialize_to_memory(examples, {{"c", "concat", "{}", {{"x", "nope"}}}}),
                       "input 'x' of 'c' names 'nope', which is not materialized before it",
                       std::invalid_argument);
  // Stops at the first failure.
  auto failed = materialize_to_memory(
      examples, {{"bad", "fail", R"({"message":"no"})", {}}, {"after", "constant", "{}", {}}});
  REQUIRE(failed.size() == 1);
  CHECK(failed.at("bad").status != AF_OK);
}

TEST_CASE("the harness refuses a plugin file the host refuses, with the host's reason") {
  const std::string mixed = AF_MIXED_PLUGIN_DIR;
  CHECK_THROWS_WITH_AS(
      Plugin(mixed + "/bad_schema_type.so"),
      (mixed + "/bad_schema_type.so: asset definition 'counter': config_schema is unusable: "
               "'/properties/count/type' is not valid JSON Schema (draft 4): 'integr' is not a "
               "type (array, boolean, integer, null, number, object or string)")
          .c_str(),
      std::runtime_error);
  CHECK_THROWS_WITH_AS(Plugin(mixed + "/init_refuses.so"),
                       (mixed + "/init_refuses.so: the plugin's init refused to start (status 7): "
                                "needs a GPU, none found")
                           .c_str(),
                       std::runtime_error);
  CHECK_THROWS_AS(Plugin(mixed + "/not_a_library.so"), std::runtime_error);
}

TEST_CASE("an output stream's error text reaches the plugin's failure") {
  Plugin examples(kPlugins + "/examples.so");
  auto run = examples.run("constant");
  run.config(R"({"value":"x"})").harness().output_error = "No space left on device";
  auto cpp = run.materialize();
  CHECK(cpp.status == AF_ERR_IO);
  CHECK(cpp.error == "writing the output stream failed: No space left on device");

  Plugin c(kPlugins + "/c_example.so");
  auto c_run = c.run("hello");
  c_run.harness().output_error = "No space left on device";
  auto from_c = c_run.materialize();
  CHECK(from_c.status == AF_ERR_IO);
  CHECK(from_c.error == "writing the output failed: No space left on device");
}

TEST_CASE("C++ IO manager: the write error detail is kept; the default wipe() is no success") {
  Plugin store(std::string(AF_SDK_TEST_PLUGIN_DIR) + "/cpp_store.so");
  auto io = store.io("cpp_store");
  CHECK(io.store("kept") == AF_OK);
  std::string back;
  CHECK(io.load(back) == AF_OK);
  CHECK(back == "kept");
  CHECK(io.store("please fail") == AF_ERR_IO);
  CHECK(io.result().error == "cpp_store: No space left on device");
  CHECK(io.wipe() == AF_ERR_UNSUPPORTED);
  CHECK(io.result().error == "this IO manager does not implement wipe()");
  CHECK(store.abi_minor() == 0);  // built with 1.1 headers, uses nothing that needs 1.1
}

}  // namespace
