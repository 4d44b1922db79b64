// assetflow/cpp/json.hpp: the bounded parse every host module and shipped plugin uses.
#include <assetflow/cpp/json.hpp>
#include <doctest/doctest.h>

#include <string>

namespace {

std::string Nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

TEST_CASE("ParseJson accepts kMaxJsonDepth levels and refuses one more, at its offset") {
  rapidjson::Document d;
  std::string error;
  CHECK(assetflow::ParseJson(d, Nested(assetflow::kMaxJsonDepth), &error));
  CHECK(d.IsArray());
  CHECK_FALSE(assetflow::ParseJson(d, Nested(assetflow::kMaxJsonDepth + 1), &error));
  CHECK(error == "nested deeper than 256 levels at offset 256");
  CHECK(d.IsNull());
  // Objects count as levels too; what is not JSON reads as before.
  std::string objects;
  for (int i = 0; i < 300; ++i) objects += "{\"k\":";
  CHECK_FALSE(assetflow::ParseJson(d, objects, &error));
  CHECK(error.rfind("nested deeper than 256 levels at offset ", 0) == 0);
  CHECK_FALSE(assetflow::ParseJson(d, std::string("{\"a\":"), &error));
  CHECK(error == "Invalid value. at offset 5");
  CHECK(assetflow::ParseJson<rapidjson::kParseFullPrecisionFlag>(d, std::string(R"({"x":[1,{"y":null}]})")));
  CHECK(d["x"][1]["y"].IsNull());
}

TEST_CASE("ten million '[' (10 MB) is an error, not a stack overflow") {
  rapidjson::Document d;
  std::string error;
  CHECK_FALSE(assetflow::ParseJson(d, std::string(10000000, '['), &error));
  CHECK(error == "nested deeper than 256 levels at offset 256");
  // SAX, as the wordcloud's input reader parses.
  rapidjson::BaseReaderHandler<> ignore;
  rapidjson::StringStream stream("[[[[[[[[[[");
  CHECK(assetflow::ParseJsonSax(stream, ignore, 4) == "nested deeper than 4 levels at offset 4");
}
