#include "common/diagnostic.h"

#include <doctest/doctest.h>

namespace af {

TEST_CASE("Diagnostic prints file:line:col, message and suggestion") {
  Diagnostic d{{"m.yaml", 3, 7}, "unknown key 'grup'", "group"};
  CHECK(d.ToString() == "m.yaml:3:7: error: unknown key 'grup' (did you mean 'group'?)");
  Diagnostic no_line{{"m.yaml", 0, 0}, "cannot read file", ""};
  CHECK(no_line.ToString() == "m.yaml: error: cannot read file");
}

TEST_CASE("NearestName suggests plausible misspellings only") {
  std::vector<std::string> keys{"group", "inputs", "config", "io_manager"};
  CHECK(NearestName("grup", keys) == "group");
  CHECK(NearestName("Config", keys) == "config");
  CHECK(NearestName("io_manger", keys) == "io_manager");
  CHECK(NearestName("gruop", keys) == "group");  // a swap of two letters is one edit
  CHECK(NearestName("tema", {"team", "tier"}) == "team");
  CHECK(NearestName("zzzzzz", keys) == "");
  CHECK(NearestName("x", {}) == "");
}

}  // namespace af
