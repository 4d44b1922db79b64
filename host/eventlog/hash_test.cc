#include "eventlog/hash.h"

#include <doctest/doctest.h>

#include <string>

namespace af {

TEST_CASE("Sha256Hex matches the FIPS 180-2 known answers") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("Sha256 hashes a stream in chunks like the whole, and is reusable") {
  const std::string million_a(1000000, 'a');
  Sha256 h;
  for (size_t i = 0; i < million_a.size(); i += 4096) {
    h.Update(million_a.data() + i, std::min<size_t>(4096, million_a.size() - i));
  }
  CHECK(h.FinalHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  h.Update("ab", 2);
  h.Update(std::string_view("c"));
  CHECK(h.FinalHex() == Sha256Hex("abc"));
  CHECK(h.FinalHex() == Sha256Hex(""));
}

TEST_CASE("CanonicalJson sorts keys recursively and drops whitespace") {
  CHECK(CanonicalJson(R"({ "b": 1, "a": {"z": [3, {"y": 1, "x": 2}], "c": "s"} })") ==
        R"({"a":{"c":"s","z":[3,{"x":2,"y":1}]},"b":1})");
  CHECK(CanonicalJson("[2, 1]") == "[2,1]");
  CHECK(CanonicalJson("{}") == "{}");
  CHECK(CanonicalJson(R"({"b":1,"ba":2,"B":3})") == R"({"B":3,"b":1,"ba":2})");
  CHECK(CanonicalJson("not json") == "not json");
  CHECK(CanonicalJson("[0.30000000000000004, 0.10, 1.0, 1e300, -2.5e-7, 3]") ==
        "[0.30000000000000004,0.1,1,1e+300,-2.5e-07,3]");
  CHECK(CanonicalJson(R"({"x": 0.1, "y": 12345678901234567890, "z": -3, "s": "\u00e9"})") ==
        "{\"s\":\"\xc3\xa9\",\"x\":0.1,\"y\":12345678901234567890,\"z\":-3}");
}

TEST_CASE("ConfigHash ignores key order and formatting but not values") {
  CHECK(ConfigHash(R"({"count": 500, "width": 800})") ==
        ConfigHash(R"({"width":800,"count":500})"));
  CHECK(ConfigHash(R"({"count": 500})") != ConfigHash(R"({"count": 100})"));
  CHECK(ConfigHash("{}") == Sha256Hex("{}"));
}

}  // namespace af
