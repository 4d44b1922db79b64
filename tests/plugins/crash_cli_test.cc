// Plugins that crash, exit or hang while loading, through the real `assetflow` binary: the
// in-process commands die naming the file; `check --isolate` names every bad file and checks
// the manifests with the good ones.
#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/subprocess.h"

namespace af {
namespace {

namespace fs = std::filesystem;

const std::string kCrashDir = AF_CRASH_PLUGIN_DIR;
const std::string kHangDir = AF_HANG_PLUGIN_DIR;
const std::string kMixedDir = AF_TEST_PLUGIN_DIR;  // refused (not crashing) plugins + good ones
const std::string kHint = "; run 'assetflow check --isolate' to find every bad plugin\n";

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/af_crash_cli.XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

// A workspace in a temp dir: m.yaml using good_gamma/hello, and plugins/ with `files` copied
// from the crash folder.
struct Workspace {
  TempDir t;
  std::string plugins = t.path + "/plugins";
  explicit Workspace(const std::vector<std::string>& files,
                     const std::string& type = "good_gamma/hello") {
    fs::create_directory(plugins);
    for (const auto& f : files) fs::copy_file(kCrashDir + "/" + f, plugins + "/" + f);
    std::ofstream(t.path + "/m.yaml") << "assets:\n  a: { type: " << type << " }\n";
  }
  std::string Plugin(const std::string& f) const { return plugins + "/" + f; }

  CapturedRun Run(std::vector<std::string> args, const std::vector<std::string>& more_dirs = {}) {
    std::vector<std::string> argv = {AF_ASSETFLOW, "--home", t.path + "/home", "--manifest",
                                     t.path + "/m.yaml", "--plugin-dir", plugins};
    for (const auto& d : more_dirs) argv.insert(argv.end(), {"--plugin-dir", d});
    argv.insert(argv.end(), args.begin(), args.end());
    auto run = RunCaptured({argv, {}, {}}, std::chrono::seconds(60), 1 << 20);
    REQUIRE(run.ok());
    return run.value();
  }
};

// The one line the host writes before dying.
std::string CrashLine(const std::string& file, const std::string& what) {
  return "assetflow: plugin file '" + file + "' " + what + kHint;
}

}  // namespace

TEST_CASE("a plugin crashing while loading kills the command, which names the file first") {
  Workspace abort_ws({"abort_in_constructor.so", "good_gamma.so"});
  const std::string aborted = CrashLine(abort_ws.Plugin("abort_in_constructor.so"),
                                        "crashed while loading (signal 6, SIGABRT)");
  for (const char* command : {"plugins", "check", "list", "status"}) {
    CAPTURE(command);
    CapturedRun run = abort_ws.Run({command});
    CHECK(run.status.signal == SIGABRT);  // the exit status still shows the signal
    CHECK(run.err == aborted);
  }

  Workspace segv_ws({"segv_in_entry.so", "good_gamma.so"});
  CapturedRun segv = segv_ws.Run({"plugins"});
  CHECK(segv.status.signal == SIGSEGV);
  CHECK(segv.err == CrashLine(segv_ws.Plugin("segv_in_entry.so"),
                              "crashed while loading (signal 11, SIGSEGV)"));

  Workspace exit_ws({"exit_in_constructor.so", "good_gamma.so"});
  CapturedRun exited = exit_ws.Run({"check"});
  CHECK(exited.status.exited);
  CHECK(exited.status.code == 2);
  CHECK(exited.err ==
        CrashLine(exit_ws.Plugin("exit_in_constructor.so"), "called exit(0) while loading"));
}

TEST_CASE("check --isolate names every bad plugin file and checks the manifests with the rest") {
  Workspace ws({"abort_in_constructor.so", "exit_in_constructor.so", "good_gamma.so",
                "segv_in_entry.so"});
  // The hanging plugin never answers; the timeout only has to outlast the good plugins' loads,
  // which take over a second under ASan on a loaded machine (then a good one is "hung" too).
  CapturedRun run = ws.Run({"check", "--isolate", "--probe-timeout", "4"}, {kHangDir});
  CHECK(run.status.exited);
  CHECK(run.status.code == 2);
  // Good plugins: good_gamma and the in-tree ones of the default plugin folder.
  std::size_t usable = 0;
  for (std::size_t at = 0; (at = run.out.find("ok: plugin '", at)) != std::string::npos; ++at)
    ++usable;
  CHECK(usable >= 2);
  CHECK(run.err ==
        ws.Plugin("abort_in_constructor.so") +
            ": error: plugin crashed while loading (signal 6, SIGABRT)\n" +
            ws.Plugin("exit_in_constructor.so") + ": error: plugin called exit(0) while loading\n" +
            ws.Plugin("segv_in_entry.so") +
            ": error: plugin crashed while loading (signal 11, SIGSEGV)\n" + kHangDir +
            "/hang_in_constructor.so: error: plugin hung while loading (no answer within 4 s; "
            "the probe was killed)\n"
            "error: 4 of " + std::to_string(usable + 4) +
            " plugin files are bad (each was loaded in its own process)\n");
  // The good plugin's definitions are usable: the manifest using it checks out.
  CHECK(run.out.find("ok: plugin 'good_gamma' 1.0.0 (" + ws.Plugin("good_gamma.so") +
                     "): good_gamma/hello (asset)\n") == 0);
  CHECK(run.out.find("\nok: 1 assets, 1 resources, " + std::to_string(usable) +
                     " plugins, 1 manifest files (usable plugins only)\n") != std::string::npos);
}

TEST_CASE("check --isolate with only good plugins exits 0; a bad manifest still fails") {
  Workspace good({"good_gamma.so"});
  CapturedRun ok = good.Run({"check", "--isolate"});
  CHECK(ok.status.exited);
  CHECK(ok.status.code == 0);
  CHECK(ok.err == "");
  CHECK(ok.out.find("ok: plugin 'good_gamma'") == 0);
  // The same summary as the in-process check.
  CapturedRun in_process = good.Run({"check"});
  CHECK(in_process.status.code == 0);
  CHECK(ok.out.substr(ok.out.rfind("ok: ")) ==
        in_process.out.substr(0, in_process.out.size() - 1) + " (usable plugins only)\n");

  Workspace typo({"good_gamma.so"}, "good_gamma/helo");
  CapturedRun bad = typo.Run({"check", "--isolate"});
  CHECK(bad.status.code == 2);
  CHECK(bad.err.find("unknown asset type 'good_gamma/helo'") != std::string::npos);
}

TEST_CASE("check --isolate refuses the same files, with the same words, as check") {
  Workspace ws({}, "good_alpha/hello");
  CapturedRun in_process = ws.Run({"check"}, {kMixedDir});
  CapturedRun isolated = ws.Run({"check", "--isolate"}, {kMixedDir});
  CHECK(in_process.status.code == 2);
  CHECK(isolated.status.code == 2);
  REQUIRE(in_process.err.find("dup_name_b.so: error: duplicate plugin name 'dup_name'") !=
          std::string::npos);
  const std::size_t summary = isolated.err.rfind("error: ");
  CHECK(isolated.err.substr(0, summary) == in_process.err);
  CHECK(isolated.err.substr(summary).rfind("error: 23 of ", 0) == 0);  // 17 + 5 of issue 15 + deep_schema
  // The manifest uses good_alpha, which is fine: only --isolate gets that far.
  CHECK(isolated.out.find("\nok: 1 assets, ") != std::string::npos);
}

TEST_CASE("worker probe-plugin answers one JSON line, or dies like the plugin") {
  Workspace ws({"good_gamma.so", "segv_in_entry.so"});
  auto good = RunCaptured({{AF_ASSETFLOW, "worker", "probe-plugin", ws.Plugin("good_gamma.so")}, {}, {}},
                          std::chrono::seconds(30), 1 << 20);
  REQUIRE(good.ok());
  CHECK(good->status.code == 0);
  CHECK(good->out.rfind("{\"plugins\":[{\"name\":\"good_gamma\",", 0) == 0);
  auto segv = RunCaptured({{AF_ASSETFLOW, "worker", "probe-plugin", ws.Plugin("segv_in_entry.so")}, {}, {}},
                          std::chrono::seconds(30), 1 << 20);
  REQUIRE(segv.ok());
  CHECK(segv->status.signal == SIGSEGV);
  CHECK(segv->out == "");
  CHECK(segv->err == "assetflow: plugin file '" + ws.Plugin("segv_in_entry.so") +
                         "' crashed while loading (signal 11, SIGSEGV)\n");
}

}  // namespace af
