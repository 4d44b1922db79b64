// Crashes and exits in a step that runs in a child process (`--executor multiprocess`, or the
// manifest's `isolation: process` on that asset alone): the step fails alone, with the signal
// or exit status named; the rest of the run goes on; the run is recorded FAILED.
#include "isolation.h"

using namespace af_test;

namespace {

struct Hostile {
  const char* definition;
  const char* config;
  std::vector<std::string> message_has;  // what the STEP_FAILED message must contain
};

const std::vector<Hostile> kHostile = {
    {"segfault", "{}", {"SIGSEGV"}},
    {"abort_now", "{}", {"SIGABRT"}},
    {"stack_overflow", "{}", {"SIGSEGV"}},
    // The worker names an exit() of the plugin in its own failure record, before it ends.
    {"exit_now", "{ code: 0 }", {"plugin 'hostile' called exit(0) while materializing 'h'"}},
    {"exit_now", "{ code: 3 }", {"plugin 'hostile' called exit(3) while materializing 'h'"}},
    {"quick_exit_now", "{ code: 0 }", {"plugin 'hostile' called quick_exit() while materializing 'h'"}},
    {"quick_exit_now", "{ code: 4 }", {"plugin 'hostile' called quick_exit() while materializing 'h'"}},
};

// by_executor: the whole run in child processes (--executor multiprocess); otherwise only the
// hostile asset, by its manifest key `isolation: process`.
void CheckContained(const Hostile& c, bool by_executor) {
  const std::string what = std::string(c.definition) + " " + c.config +
                           (by_executor ? " (--executor multiprocess)" : " (isolation: process)");
  CAPTURE(what);
  Home h;
  h.Manifest(std::string("assets:\n") +
             "  h: { type: hostile/" + c.definition + ", config: " + c.config +
             (by_executor ? "" : ", isolation: process") + " }\n" +
             "  ok: { type: examples/constant, config: { value: \"still here\" } }\n"
             "  after_h: { type: examples/concat, inputs: { x: h } }\n");
  std::vector<std::string> args = {"--log-format", "json", "materialize", "--all", "-j", "2"};
  if (by_executor) args.insert(args.end(), {"--executor", "multiprocess"});
  Result r = h.Run(args);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 1);
  const auto events = Events(r.out);
  const auto failed = Find(events, "STEP_FAILED", "h");
  if (!failed) {
    FAIL_CHECK("no STEP_FAILED for h; stdout:\n" << r.out << "\nstderr:\n" << r.err);
    return;
  }
  for (const std::string& part : c.message_has) {
    CAPTURE(part);
    CHECK(failed->message.find(part) != std::string::npos);
  }
  CHECK(Find(events, "STEP_SUCCESS", "ok").has_value());
  CHECK(Find(events, "STEP_SKIPPED", "after_h").has_value());
  CHECK(Find(events, "RUN_FAILED", "").has_value());
  CHECK(FilesUnder(h.storage()) == std::map<std::string, std::string>{{"ok", "still here"}});

  const LatestRun run = Latest(h);
  CHECK(run.status == "FAILED");
  CHECK(run.line.find("running") == std::string::npos);
  CHECK(h.Run({"status", "h"}).out.find("status:  FAILED\n") != std::string::npos);
  CHECK(h.Run({"status", "ok"}).out.find("status:  FRESH\n") != std::string::npos);
}

}  // namespace

TEST_CASE("--executor multiprocess: a crashing or exiting step fails alone") {
  for (const Hostile& c : kHostile) CheckContained(c, true);
}

TEST_CASE("isolation: process on one asset: its crash or exit fails only that step") {
  for (const Hostile& c : kHostile) CheckContained(c, false);
}
