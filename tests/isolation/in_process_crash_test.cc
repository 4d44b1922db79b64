// A step that exits or crashes the host itself (the default in-process runner): the exit code
// says so, stderr names the plugin and the asset, and the run is recorded FAILED — at once for
// exit(), by the next command's recovery for a SIGSEGV, with no temp file left in storage.
#include "isolation.h"

using namespace af_test;

namespace {

const char* kManifest = "assets:\n"
                        "  crasher: { type: hostile/%s, config: %s }\n"
                        "  ok: { type: examples/constant, config: { value: \"fine\" } }\n";

std::string Manifest(const char* definition, const char* config) {
  char buf[512];
  std::snprintf(buf, sizeof buf, kManifest, definition, config);
  return buf;
}

// Lines of `text` that name both the plugin and the asset.
size_t LinesNaming(const std::string& text, const std::string& plugin, const std::string& asset) {
  size_t n = 0;
  for (const std::string& line : Lines(text))
    if (line.find(plugin) != std::string::npos && line.find(asset) != std::string::npos) ++n;
  return n;
}

}  // namespace

TEST_CASE("exit(0) inside a step: materialize exits 1, names the plugin and asset, run FAILED") {
  Home h;
  h.Manifest(Manifest("exit_now", "{ code: 0 }"));
  Result r = h.Run({"materialize", "--all", "-j", "1"});
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(LinesNaming(r.err, "hostile", "crasher") >= 1, "stderr:\n" << r.err);
  CHECK(Latest(h).status == "FAILED");
  CHECK(h.Run({"status", "crasher"}).out.find("status:  FAILED\n") != std::string::npos);
}

TEST_CASE("SIGSEGV inside a step: the host dies by it; the next command records the run FAILED") {
  Home h;
  h.Manifest(Manifest("segfault", "{}"));
  Result r = h.Run({"materialize", "--all", "-j", "1"});
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 128 + SIGSEGV);
  CHECK_MESSAGE(LinesNaming(r.err, "hostile", "crasher") == 1, "stderr:\n" << r.err);

  // The next command, whatever it is, finds the dead run and ends it with the reason.
  Result runs = h.Run({"runs", "-n", "1"});
  CHECK(runs.exit_code == 0);
  CHECK(Latest(h).status == "FAILED");
  // The recovering command says what it found, with the reason, on stderr.
  CHECK_MESSAGE(runs.err.find("SIGSEGV") != std::string::npos, "runs:\n" << runs.err);
  CHECK(h.Run({"status", "crasher"}).out.find("status:  FAILED\n") != std::string::npos);
  CHECK(TmpFilesUnder(h.storage()).empty());
  CHECK_FALSE(fs::exists(h.storage() + "/crasher"));
}
