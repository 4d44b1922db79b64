// The hostile-input catalog's table: what one case runs and what it must get.
#ifndef TESTS_HOSTILE_CATALOG_H
#define TESTS_HOSTILE_CATALOG_H

#include <functional>
#include <string>
#include <vector>

#include "hostile/hostile_server.h"
#include "support/cli_process.h"

namespace hostile {

// What a case may change in the seeded home (stored data under storage/, and the event log's
// runs, events and materializations). Stored data and materializations never change unless
// the case stores something on purpose.
enum class Changes {
  kNothing,      // byte-identical storage, the same rows in every table
  kRunRecorded,  // a failed (or refused) run may be recorded; storage and materializations as before
  kStored,       // the run succeeds and stores; `check` says what must hold
};

struct Outcome {
  af_test::Result result;
  std::string dir;   // the case's folder: m.yaml, home/
  std::string home;  // dir + "/home"
};

struct Case {
  std::string name;
  std::string manifest;           // written to m.yaml
  std::vector<std::string> args;  // after --home H --manifest m.yaml --plugin-dir P (see `bare`);
                                  // "{DIR}" in it and in `wrapper` is the case's folder
  int exit_code = 0;
  std::string fragment;  // must appear in stdout or stderr ("" for none)
  Changes changes = Changes::kNothing;
  std::string absent;                      // must appear in neither stream
  double max_seconds = 60;                 // killed (and failed) beyond
  std::vector<std::string> wrapper;        // run under it, e.g. prlimit
  bool bare = false;                       // no global options: `args` is the whole command line
  std::string needs;  // a shell command that must succeed, else the case is skipped (said so)
  std::function<void(const std::string& dir)> prepare;  // before the run, on the copied home
  std::function<void(const Outcome&)> check;            // more assertions
};

// Everything cases need from the test's environment.
struct Env {
  const Server& server;
};

// The tables, by family.
std::vector<Case> ManifestCases();
std::vector<Case> SelectionCases();
std::vector<Case> CommandLineCases();
std::vector<Case> PluginCases();
std::vector<Case> StoredCases();
std::vector<Case> ServerCases(const Env& env);

// Helpers for `check`.
bool IsValidJsonLines(const std::string& text);  // every non-empty line parses as JSON
std::string ReadStored(const Outcome& o, const std::string& key);

}  // namespace hostile

#endif
