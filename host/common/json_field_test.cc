#include "common/json_field.h"

#include <doctest/doctest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace af {
namespace {

std::string Field(std::string_view value) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  JsonField(w, "v", value);
  w.EndObject();
  return std::string(b.GetString(), b.GetSize());
}

}  // namespace

TEST_CASE("valid_utf8 keeps valid text and replaces every invalid byte with U+FFFD") {
  using assetflow::valid_utf8;
  const std::string r = "\xEF\xBF\xBD";
  CHECK(valid_utf8("plain ascii") == "plain ascii");
  CHECK(valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") == "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  CHECK(valid_utf8("a\xFF" "b") == "a" + r + "b");        // never valid
  CHECK(valid_utf8("\x80") == r);                          // stray continuation
  CHECK(valid_utf8("x\xC3") == "x" + r);                   // truncated at the end
  CHECK(valid_utf8("\xC0\xAF") == r + r);                  // overlong '/'
  CHECK(valid_utf8("\xE0\x80\xAF") == r + r + r);          // overlong, 3 bytes
  CHECK(valid_utf8("\xED\xA0\x80") == r + r + r);          // a UTF-16 surrogate
  CHECK(valid_utf8("\xF4\x90\x80\x80") == r + r + r + r);  // above U+10FFFF
  CHECK(valid_utf8(std::string("a\0b", 3)) == std::string("a\0b", 3));  // NUL is valid UTF-8
}

TEST_CASE("JsonField writes valid JSON whatever the bytes") {
  CHECK(Field("ok") == R"({"v":"ok"})");
  CHECK(Field("bad\xFF") == "{\"v\":\"bad\xEF\xBF\xBD\"}");
  CHECK(Field(std::string_view("nul\0inside", 10)) == R"({"v":"nul\u0000inside"})");
  const std::string json = Field("\xC3\x28 \xA0\xA1");
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(json.c_str(), json.size());
  CHECK_FALSE(d.HasParseError());
}

}  // namespace af
