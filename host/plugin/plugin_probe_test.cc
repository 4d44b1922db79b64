// Plugin probes and crash reports of the registry, in real processes: this binary re-runs
// itself to load a crashing plugin in process; stand-in probe children are shell scripts.
#include "plugin/plugin_probe.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/subprocess.h"

namespace af {
namespace {

namespace fs = std::filesystem;

const std::string kCrashDir = AF_CRASH_PLUGIN_DIR;  // tests/plugins/crash: crashers + one good
const std::string kMixedDir = AF_TEST_PLUGIN_DIR;

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/af_probe_test.XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

// An executable script standing in for `assetflow worker probe-plugin FILE`.
std::string Script(const TempDir& t, const std::string& name, const std::string& body) {
  const std::string path = t.path + "/" + name;
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

CapturedRun LoadInChild(const std::string& file) {
  auto run = RunCaptured({{SelfExecutable(), "--test-case=registry load child"}, {},
                          {"AF_REGISTRY_LOAD_CHILD=" + file}},
                         std::chrono::seconds(20), 1 << 16);
  REQUIRE(run.ok());
  return run.value();
}

}  // namespace

TEST_CASE("registry load child") {
  const char* file = std::getenv("AF_REGISTRY_LOAD_CHILD");
  if (file == nullptr) return;  // only when run by the case below
  PluginRegistry registry;
  registry.LoadFile(file);
}

TEST_CASE("a plugin crashing or exiting while the registry loads it is named, once") {
  const std::string abort_so = kCrashDir + "/abort_in_constructor.so";
  CapturedRun aborted = LoadInChild(abort_so);
  CHECK(aborted.status.signal == SIGABRT);
  CHECK(aborted.err == "assetflow: plugin file '" + abort_so +
                           "' crashed while loading (signal 6, SIGABRT); run 'assetflow check "
                           "--isolate' to find every bad plugin\n");

  const std::string segv_so = kCrashDir + "/segv_in_entry.so";
  CapturedRun segv = LoadInChild(segv_so);
  CHECK(segv.status.signal == SIGSEGV);
  CHECK(segv.err == "assetflow: plugin file '" + segv_so +
                        "' crashed while loading (signal 11, SIGSEGV); run 'assetflow check "
                        "--isolate' to find every bad plugin\n");

  const std::string exit_so = kCrashDir + "/exit_in_constructor.so";
  CapturedRun exited = LoadInChild(exit_so);
  CHECK(exited.status.exited);
  CHECK(exited.status.code == 2);
  CHECK(exited.err == "assetflow: plugin file '" + exit_so +
                          "' called exit(0) while loading; run 'assetflow check --isolate' to "
                          "find every bad plugin\n");

  CapturedRun good = LoadInChild(kCrashDir + "/good_gamma.so");
  CHECK(good.status.exited);
  CHECK(good.status.code == 0);
  CHECK(good.err == "");
}

TEST_CASE("ProbeAnswer and ParseProbeAnswer round-trip plugins, catalog and errors") {
  PluginRegistry registry;
  registry.LoadFile(kMixedDir + "/good_alpha.so");
  registry.LoadFile(kMixedDir + "/bad_magic.so");
  const std::string line = ProbeAnswer(registry);
  CHECK(line.find('\n') == std::string::npos);
  auto parsed = ParseProbeAnswer("f.so", line);
  REQUIRE(parsed.ok());
  CHECK(parsed->file == "f.so");
  REQUIRE(parsed->plugins.size() == 1);
  const PluginInfo& p = parsed->plugins[0];
  CHECK(p.name == "good_alpha");
  CHECK(p.version == "1.0.0");
  CHECK(p.path == kMixedDir + "/good_alpha.so");
  CHECK(p.abi_major == registry.plugins()[0].abi_major);
  CHECK(p.asset_definitions == std::vector<std::string>{"hello", "world"});
  CHECK(parsed->catalog.assets.count("good_alpha/hello") == 1);
  REQUIRE(parsed->errors.size() == 1);
  CHECK(parsed->errors[0].location.file == kMixedDir + "/bad_magic.so");
  CHECK(parsed->errors[0].message == registry.errors()[0].message);
  CHECK_FALSE(parsed->ok());

  auto garbage = ParseProbeAnswer("f.so", "{\"plugins\": 3}");
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.status().message() == "not a plugin probe answer: {\"plugins\": 3}");
}

TEST_CASE("ParseProbeAnswer reads each definition's unversioned config keys") {
  const std::string line =
      R"({"plugins":[],"catalog":{"assets":{"p/a":{"config_schema":"{}","code_version":"1",)"
      R"("unversioned_config_keys":["base_url","concurrency"]}},"io_managers":{}},"errors":[]})";
  auto parsed = ParseProbeAnswer("f.so", line);
  REQUIRE(parsed.ok());
  CHECK(parsed->catalog.assets.at("p/a").unversioned_config_keys ==
        std::vector<std::string>{"base_url", "concurrency"});
  // ProbeAnswer writes the list for every definition (empty here).
  PluginRegistry registry;
  registry.LoadFile(kMixedDir + "/good_alpha.so");
  CHECK(ProbeAnswer(registry).find(R"("unversioned_config_keys":[])") != std::string::npos);
}

TEST_CASE("ParseProbeAnswer reads each definition's secret config keys, when given") {
  const std::string line =
      R"({"plugins":[],"catalog":{"assets":{"p/a":{"config_schema":"{}","code_version":"1",)"
      R"("unversioned_config_keys":[],"secret_config_keys":["api_key"]}},"io_managers":{}},"errors":[]})";
  auto parsed = ParseProbeAnswer("f.so", line);
  REQUIRE(parsed.ok());
  CHECK(parsed->catalog.assets.at("p/a").secret_config_keys == std::vector<std::string>{"api_key"});
  // The examples plugin's leaky marks two keys, one per annotation; the answer carries them.
  PluginRegistry registry;
  registry.LoadFile(std::string(AF_PLUGIN_DIR) + "/examples.so");
  const std::string answer = ProbeAnswer(registry);
  auto round_trip = ParseProbeAnswer("examples.so", answer);
  REQUIRE(round_trip.ok());
  CHECK(round_trip->catalog.assets.at("examples/leaky").secret_config_keys ==
        std::vector<std::string>{"api_key", "password"});
}

TEST_CASE("ProbePluginFile says how a probe child without an answer ended") {
  TempDir t;
  auto probe = [&](const std::string& body, int timeout_ms = 10000) {
    ProbeOptions options{Script(t, "probe" + std::to_string(body.size()), body),
                         std::chrono::milliseconds(timeout_ms)};
    ProbeResult r = ProbePluginFile(options, "x.so");
    CHECK(r.file == "x.so");
    CHECK_FALSE(r.ok());
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].location.file == "x.so");
    return r.errors[0].message;
  };
  CHECK(probe("kill -ABRT $$") == "plugin crashed while loading (signal 6, SIGABRT)");
  CHECK(probe("echo \"assetflow: plugin file 'x.so' called exit(3) while loading\" >&2; exit 2") ==
        "plugin called exit(3) while loading");
  CHECK(probe("echo not json; exit 0") == "not a plugin probe answer: not json");
  CHECK(probe("echo 'no such thing' >&2; exit 5") ==
        "plugin probe exited with status 5 without an answer: no such thing");
  CHECK(probe("exec sleep 30", 200) ==
        "plugin hung while loading (no answer within 200 ms; the probe was killed)");
  CHECK(ProbePluginFile({t.path + "/missing", std::chrono::milliseconds(1000)}, "x.so")
            .errors[0]
            .message == "cannot start the plugin probe: cannot start " + t.path +
                            "/missing: No such file or directory");
}

}  // namespace af
