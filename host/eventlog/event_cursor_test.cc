// EventsAfter / LastEventId / AssetEvents: the cursors of the web server's live streams and
// an asset's history.
#include <doctest/doctest.h>

#include "eventlog/test_util.h"

namespace af {
namespace {

EventRecord Event(const std::string& run, const std::string& asset, const std::string& type) {
  EventRecord e;
  e.run_id = run;
  e.asset_key = asset;
  e.type = type;
  e.message = type + " " + asset;
  return e;
}

TEST_CASE("EventsAfter pages by id, per run or across runs; LastEventId is the newest") {
  TempHome home;
  auto log = OpenTestLog(home.path());
  CHECK(log->LastEventId() == 0);
  REQUIRE(log->StartRun({"r1"}).ok());
  REQUIRE(log->StartRun({"r2"}).ok());
  REQUIRE(log->AppendEvents({Event("r1", "a", "STEP_STARTED"), Event("r2", "b", "STEP_STARTED"),
                             Event("r1", "a", "STEP_FAILED"), Event("r2", "b", "STEP_SUCCESS")})
              .ok());
  const int64_t last = log->LastEventId();  // commits the queue, as a stream's poll does
  const auto all = log->EventsAfter("", 0, 100);
  REQUIRE(all.size() == 4);
  CHECK(all.back().id == last);
  const auto r1 = log->EventsAfter("r1", 0, 100);
  REQUIRE(r1.size() == 2);
  CHECK(r1[1].type == "STEP_FAILED");
  const auto after_first = log->EventsAfter("r1", r1[0].id, 100);
  REQUIRE(after_first.size() == 1);
  CHECK(after_first[0].id == r1[1].id);
  CHECK(log->EventsAfter("r1", r1[1].id, 100).empty());
  const auto page = log->EventsAfter("", 0, 3);
  REQUIRE(page.size() == 3);
  CHECK(log->EventsAfter("", page.back().id, 3).size() == 1);
}

TEST_CASE("AssetEvents: newest first, only the asked types, at most limit") {
  TempHome home;
  auto log = OpenTestLog(home.path());
  REQUIRE(log->StartRun({"r1"}).ok());
  REQUIRE(log->AppendEvents({Event("r1", "a", "STEP_STARTED"), Event("r1", "a", "STEP_FAILED"),
                             Event("r1", "b", "STEP_FAILED"), Event("r1", "a", "STEP_SUCCESS"),
                             Event("r1", "a", "LOG")})
              .ok());
  const auto history = log->AssetEvents("a", {"STEP_SUCCESS", "STEP_FAILED"}, 10);
  REQUIRE(history.size() == 2);
  CHECK(history[0].type == "STEP_SUCCESS");
  CHECK(history[1].type == "STEP_FAILED");
  CHECK(log->AssetEvents("a", {}, 10).size() == 4);
  CHECK(log->AssetEvents("a", {}, 1).front().type == "LOG");
  CHECK(log->AssetEvents("a", {"STEP"}, 10).empty());  // whole type names only
}

}  // namespace
}  // namespace af
