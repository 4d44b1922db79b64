#include "manifest/scalars.h"

#include <doctest/doctest.h>

#include <map>

namespace af {

TEST_CASE("ResolvePlainScalar follows the YAML 1.2 core schema") {
  using K = PlainScalar::Kind;
  CHECK(ResolvePlainScalar("").kind == K::kNull);
  CHECK(ResolvePlainScalar("~").kind == K::kNull);
  CHECK(ResolvePlainScalar("NULL").kind == K::kNull);
  CHECK(ResolvePlainScalar("True").b == true);
  CHECK(ResolvePlainScalar("FALSE").kind == K::kBool);
  CHECK(ResolvePlainScalar("yes").kind == K::kString);  // YAML 1.1 only
  CHECK(ResolvePlainScalar("500").i == 500);
  CHECK(ResolvePlainScalar("-12").i == -12);
  CHECK(ResolvePlainScalar("+7").i == 7);
  CHECK(ResolvePlainScalar("0x1F").i == 31);
  CHECK(ResolvePlainScalar("0o17").i == 15);
  CHECK(ResolvePlainScalar("0x").kind == K::kString);
  CHECK(ResolvePlainScalar("-9223372036854775808").i == INT64_MIN);
  CHECK(ResolvePlainScalar("18446744073709551615").u == UINT64_MAX);
  CHECK(ResolvePlainScalar("99999999999999999999").kind == K::kDouble);
  CHECK(ResolvePlainScalar("2.5").d == 2.5);
  CHECK(ResolvePlainScalar(".5").d == 0.5);
  CHECK(ResolvePlainScalar("1e3").d == 1000);
  CHECK(ResolvePlainScalar("1e").kind == K::kString);
  CHECK(ResolvePlainScalar(".inf").kind == K::kString);
  CHECK(ResolvePlainScalar("12abc").kind == K::kString);
  CHECK(ResolvePlainScalar("1.2.3").kind == K::kString);
}

TEST_CASE("ParseDurationSeconds reads numbers and unit suffixes") {
  CHECK(ParseDurationSeconds("5s") == 5);
  CHECK(ParseDurationSeconds("2m") == 120);
  CHECK(ParseDurationSeconds("500ms") == 0.5);
  CHECK(ParseDurationSeconds("1h") == 3600);
  CHECK(ParseDurationSeconds("1.5s") == 1.5);
  CHECK(ParseDurationSeconds("7") == 7);
  CHECK(ParseDurationSeconds("0") == 0);
  CHECK_FALSE(ParseDurationSeconds("").has_value());
  CHECK_FALSE(ParseDurationSeconds("s").has_value());
  CHECK_FALSE(ParseDurationSeconds("-5s").has_value());
  CHECK_FALSE(ParseDurationSeconds("5 s").has_value());
  CHECK_FALSE(ParseDurationSeconds("5d").has_value());
  CHECK_FALSE(ParseDurationSeconds("soon").has_value());
}

TEST_CASE("ExpandEnv expands variables, defaults and $$") {
  std::map<std::string, std::string> vars{{"HOME_DIR", "/h"}, {"EMPTY", ""}};
  EnvLookupFn env = [&](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  CHECK(ExpandEnv("${HOME_DIR}/storage", env).value() == "/h/storage");
  CHECK(ExpandEnv("${NOPE:-http://x:80/v0}", env).value() == "http://x:80/v0");
  CHECK(ExpandEnv("${EMPTY:-d}", env).value() == "d");
  CHECK(ExpandEnv("${EMPTY}", env).value() == "");
  CHECK(ExpandEnv("${HOME_DIR:-d}", env).value() == "/h");
  CHECK(ExpandEnv("${NOPE:-}", env).value() == "");
  CHECK(ExpandEnv("cost: $$5 and $x and ^a$", env).value() == "cost: $5 and $x and ^a$");
  CHECK(ExpandEnv("$${HOME_DIR}", env).value() == "${HOME_DIR}");
  CHECK(ExpandEnv("${NOPE}", env).status().message() ==
        "environment variable 'NOPE' is not set (write ${NOPE:-default} to give a default)");
  CHECK(ExpandEnv("a ${HOME_DIR", env).status().message() == "unterminated '${' in 'a ${HOME_DIR'");
  CHECK(ExpandEnv("${1X}", env).status().message() ==
        "bad environment variable name '1X' in '${1X}'");
  CHECK(ExpandEnv("${}", env).status().message() == "bad environment variable name '' in '${}'");
}

}  // namespace af
