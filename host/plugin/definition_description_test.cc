#include "plugin/definition_description.h"

#include <doctest/doctest.h>

namespace af {
namespace {

const std::string kPluginDir = AF_PLUGIN_DIR;

TEST_CASE("DescribeDefinition reads description, inputs and config keys from the plugin") {
  PluginRegistry r;
  REQUIRE(r.LoadFile(kPluginDir + "/examples.so"));
  REQUIRE(r.LoadFile(kPluginDir + "/c_example.so"));

  auto constant = DescribeDefinition(r, "examples/constant");
  REQUIRE(constant.has_value());
  CHECK(constant->kind == DefinitionDescription::Kind::kAsset);
  CHECK(constant->plugin == "examples");
  CHECK(constant->plugin_file == kPluginDir + "/examples.so");
  CHECK(constant->description == "Writes `value` repeated `repeat` times");
  CHECK(constant->code_version == "1");
  CHECK(constant->output_media_type == "text/plain");
  CHECK_FALSE(constant->inputs.has_value());  // the examples declare none
  CHECK(constant->accepts_config);
  CHECK(constant->closed_config);
  REQUIRE(constant->config_keys.size() == 2);
  CHECK(constant->config_keys[0].name == "value");
  CHECK(constant->config_keys[0].type == "string");
  CHECK(constant->config_keys[0].default_json == "\"\"");
  CHECK(constant->config_keys[1].name == "repeat");
  CHECK(constant->config_keys[1].type == "integer");
  CHECK(constant->config_keys[1].default_json == "1");
  CHECK(constant->defaults_json == R"({"repeat":1,"value":""})");

  auto upper = DescribeDefinition(r, "c_example/upper");
  REQUIRE(upper.has_value());
  REQUIRE(upper->inputs.has_value());
  REQUIRE(upper->inputs->size() == 1);
  CHECK(upper->inputs->at(0).name == "text");
  CHECK_FALSE(upper->inputs->at(0).optional);
  CHECK_FALSE(upper->accepts_config);
  CHECK(upper->defaults_json == "{}");

  CHECK_FALSE(DescribeDefinition(r, "examples/nope").has_value());
  CHECK(DescribeAll(r).size() == 13);  // the examples plugin's definitions
}

}  // namespace
}  // namespace af
