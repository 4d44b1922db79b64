#include "common/diagnostic.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

namespace af {

TEST_CASE("Diagnostic prints file:line:col, message and suggestion") {
  Diagnostic d{{"m.yaml", 3, 7}, "unknown key 'grup'", "group"};
  CHECK(d.ToString() == "m.yaml:3:7: error: unknown key 'grup' (did you mean 'group'?)");
  Diagnostic no_line{{"m.yaml", 0, 0}, "cannot read file", ""};
  CHECK(no_line.ToString() == "m.yaml: error: cannot read file");
}

TEST_CASE("FileName: equal names share one interned string, and it reads as a std::string") {
  const std::string path = "/tmp/a-long-manifest-path-past-the-small-string-buffer.yaml";
  FileName a = path;
  FileName b(path.c_str());
  FileName other = "/tmp/another.yaml";
  CHECK(&a.str() == &b.str());  // one copy, however many locations name it
  CHECK(a == b);
  CHECK_FALSE(a == other);
  CHECK(a == path);
  CHECK(path == a);
  CHECK(a == path.c_str());
  const std::string& as_string = a;
  CHECK(as_string == path);
  CHECK(a + ":3" == path + ":3");
  CHECK(std::filesystem::path(a).extension() == ".yaml");
  CHECK(a.rfind("/tmp/", 0) == 0);

  FileName empty;
  CHECK(empty.empty());
  CHECK(empty == "");
  CHECK(FileName(std::string()) == empty);

  SourceLocation at{path, 3, 7};
  SourceLocation copy = at;
  CHECK(&copy.file.str() == &a.str());
  CHECK(copy.ToString() == path + ":3:7");
  copy.file = "b.yaml";
  CHECK(copy.ToString() == "b.yaml:3:7");
  CHECK(at.ToString() == path + ":3:7");  // the other location still names its own file
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

TEST_CASE("NearestName: the distance bound holds for long names and swaps at the band's edge") {
  const std::string name = "abcdefghijklmnopqrstuvwxyz0123";  // 30 chars: 30/3 = 10, capped at 8
  CHECK(NearestName(name, {name.substr(0, 22)}) == name.substr(0, 22));  // 8 deletions
  CHECK(NearestName(name, {name.substr(0, 21)}) == "");                  // 9
  CHECK(NearestName("ab" + name, {"ba" + name}) == "ba" + name);          // a swap at the start
  CHECK(NearestName(name + "ab", {name + "ba"}) == name + "ba");          // and at the end
  CHECK(NearestName("xyzzy", {"", "xyz"}) == "");                         // 2 > 5/3
}

TEST_CASE("NearestName's cost is bounded: length prefilter, band, shared budget") {
  // A 20,000-char unknown name against 100,000 short keys: every key is skipped on length.
  std::vector<std::string> keys;
  for (int i = 0; i < 100000; ++i) keys.push_back("asset_" + std::to_string(i));
  SuggestionBudget budget;
  const uint64_t before = budget.cells;
  CHECK(NearestName(std::string(20000, 'q'), keys, &budget) == "");
  CHECK(budget.cells == before);
  // Against keys of its own length, each comparison is a band of 2 * 8 + 1 cells per row.
  std::vector<std::string> long_keys(3, std::string(20000, 'r'));
  long_keys.push_back(std::string(19999, 'q') + "r");
  budget = {};
  CHECK(NearestName(std::string(20000, 'q'), long_keys, &budget) == long_keys[3]);
  CHECK(before - budget.cells <= 4 * 20001 * 17 + 4);
  // 20,000 unknown names against 20,000 keys share one budget: it runs out instead of costing
  // 4e8 comparisons, and then suggests nothing.
  keys.resize(20000);
  budget = {};
  int suggested = 0, calls = 0;
  for (int i = 0; i < 20000 && budget.cells > 0; ++i, ++calls)
    suggested += !NearestName("asset_" + std::to_string(i) + "x", keys, &budget).empty();
  CHECK(budget.cells == 0);
  CHECK(calls < 20000);
  CHECK(suggested == calls - 1);  // all but the call that ran out
  CHECK(NearestName("asset_1x", keys, &budget) == "");
}

}  // namespace af
