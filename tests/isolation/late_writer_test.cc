// A plugin that keeps the host's context and output stream after returning and writes through
// them from its own thread: the engine must not let those late writes, logs, metadata or
// errors land in any other asset, in any of 100 runs.
#include "isolation.h"

using namespace af_test;

namespace {

std::string ConstantValue(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "value-%02d", i);
  return buf;
}

}  // namespace

TEST_CASE("late writes through a kept context never reach another asset's output") {
  Home h;
  // The late thread starts as soon as `w`'s call is closed and keeps writing for ~200 ms, while
  // the constants (each its value 100 times) are being written on the other worker. Its
  // fallback (write anyway after delay_ms) is for a host that never closes the call; it must
  // stay far above the time a loaded machine takes to close one, or the test races with
  // itself: writes made while the call is still open legitimately belong to `w`.
  std::string yaml = "assets:\n  w: { type: hostile/late_writer, config: { value: \"W\", delay_ms: 5000, writes: 200 } }\n";
  std::map<std::string, std::string> expected = {{"w", "W"}};
  for (int i = 0; i < 20; ++i) {
    char key[8];
    std::snprintf(key, sizeof key, "c%02d", i);
    yaml += std::string("  ") + key + ": { type: examples/constant, config: { value: \"" +
            ConstantValue(i) + "\", repeat: 100 } }\n";
    std::string bytes;
    for (int n = 0; n < 100; ++n) bytes += ConstantValue(i);
    expected[key] = bytes;
  }
  h.Manifest(yaml);
  int clean_runs = 0;
  for (int run = 0; run < 100; ++run) {
    CAPTURE(run);
    Result r = h.Run({"--log-format", "json", "materialize", "--all", "-j", "2"});
    CHECK(r.exit_code == 0);
    CHECK_FALSE(r.timed_out);
    const auto files = FilesUnder(h.storage());
    CHECK(files == expected);
    // Nor do its late logs, metadata or errors reach any step's events.
    const bool quiet = r.out.find("LATE") == std::string::npos;
    CHECK_MESSAGE(quiet, r.out);
    if (r.exit_code == 0 && files == expected && quiet) ++clean_runs;
    else break;  // one corrupted run says it all; keep the output readable
  }
  CHECK(clean_runs == 100);
  StatusSnapshot s = Status(h);
  CHECK(s.state["w"] == "FRESH");
  CHECK(s.data_version["w"] == Sha256Hex("W"));
}
