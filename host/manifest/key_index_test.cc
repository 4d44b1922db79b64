#include "manifest/key_index.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace af {
namespace {

TEST_CASE("KeyIndex finds every key it stored, through growth, and nothing else") {
  std::vector<std::string> keys;
  KeyIndex index;
  auto key_of = [&keys](uint32_t i) { return std::string_view(keys[i]); };
  CHECK_FALSE(index.Find("a", key_of).has_value());  // empty: no table yet
  for (uint32_t i = 0; i < 5000; ++i) {
    keys.push_back("asset_" + std::to_string(i * 7919 % 5000));
    REQUIRE_FALSE(index.Find(keys.back(), key_of).has_value());
    index.Insert(i, keys.back(), key_of);
  }
  CHECK(index.size() == 5000);
  for (uint32_t i = 0; i < 5000; ++i) {
    std::optional<uint32_t> found = index.Find(keys[i], key_of);
    REQUIRE(found.has_value());
    CHECK(*found == i);
  }
  CHECK_FALSE(index.Find("asset_5000", key_of).has_value());
  CHECK_FALSE(index.Find("asset_", key_of).has_value());
  CHECK_FALSE(index.Find("", key_of).has_value());
  index.clear();
  CHECK(index.size() == 0);
  CHECK_FALSE(index.Find(keys[0], key_of).has_value());
}

TEST_CASE("KeyIndex::Reserve keeps what is stored and makes room") {
  std::vector<std::string> keys = {"x", "y"};
  KeyIndex index;
  auto key_of = [&keys](uint32_t i) { return std::string_view(keys[i]); };
  index.Insert(0, keys[0], key_of);
  index.Insert(1, keys[1], key_of);
  index.Reserve(1000, key_of);
  CHECK(index.Find("x", key_of) == std::optional<uint32_t>(0));
  CHECK(index.Find("y", key_of) == std::optional<uint32_t>(1));
  CHECK_FALSE(index.Find("z", key_of).has_value());
  CHECK(index.size() == 2);
}

}  // namespace
}  // namespace af
