// ABI proof: plugins built by other languages and toolchains than the host, loaded through the
// host's own registry and materialized through the SDK harness's in-memory host services.
#include <assetflow/testing/harness.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "plugin/plugin_registry.h"

namespace {

using assetflow::testing::AssetRun;

const std::string kPluginDir = AF_PLUGIN_DIR;

const af_asset_descriptor* Require(const af::PluginRegistry& r, const std::string& type) {
  const af_asset_descriptor* d = r.FindAsset(type);
  REQUIRE_MESSAGE(d != nullptr, af::FormatDiagnostics(r.errors()));
  return d;
}

std::string CommandOutput(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  pclose(p);
  return out;
}

TEST_CASE("a plugin written in C loads and materializes with real input") {
  af::PluginRegistry r;
  REQUIRE(r.LoadFile(kPluginDir + "/c_example.so"));
  REQUIRE(r.plugins().size() == 1);
  CHECK(r.plugins()[0].name == "c_example");
  CHECK(r.plugins()[0].toolchain.find(" / C201112") != std::string::npos);

  auto hello = AssetRun(Require(r, "c_example/hello")).materialize();
  CHECK(hello.status == AF_OK);
  CHECK(hello.output == "hello from C");
  REQUIRE(hello.find("language") != nullptr);
  CHECK(hello.find("language")->type == AF_META_TEXT);
  CHECK(hello.find("language")->value == "C");

  AssetRun upper(Require(r, "c_example/upper"));
  auto up = upper.input("text", "Hello, World! \xC3\xA9t\xC3\xA9 42").materialize();
  CHECK(up.status == AF_OK);
  CHECK(up.output == "HELLO, WORLD! \xC3\xA9T\xC3\xA9 42");  // non-ASCII bytes untouched

  std::string big(1 << 20, 'a');  // larger than the plugin's buffer: streamed in pieces
  big[12345] = 'b';
  auto streamed = upper.input("text", big).materialize();
  CHECK(streamed.status == AF_OK);
  REQUIRE(streamed.output.size() == big.size());
  CHECK(streamed.output[12345] == 'B');
  CHECK(streamed.output.find_first_not_of("AB") == std::string::npos);

  auto missing = AssetRun(Require(r, "c_example/upper")).materialize();
  CHECK(missing.status == AF_ERR_FATAL);
  CHECK(missing.error == "upper needs an input named 'text'");
  CHECK(missing.output.empty());
}

#ifdef AF_CLANG_PLUGIN
TEST_CASE("a clang++/libc++ plugin runs in the g++/libstdc++ host, next to a g++ plugin") {
  af::PluginRegistry r;
  REQUIRE(r.LoadFile(AF_CLANG_PLUGIN));
  REQUIRE(r.LoadFile(kPluginDir + "/examples.so"));  // two C++ runtimes in one process
  REQUIRE(r.errors().empty());
  const af::PluginInfo& clang = r.plugins()[0];
  CHECK(clang.name == "clang_example");
  CHECK(clang.toolchain.rfind("clang ", 0) == 0);
  CHECK(clang.toolchain.find("libc++") != std::string::npos);
  CHECK(r.plugins()[1].toolchain.find("libstdc++") != std::string::npos);
  CHECK(CommandOutput("ldd '" AF_CLANG_PLUGIN "'").find("libc++.so") != std::string::npos);
  const std::string exported = CommandOutput("nm -D --defined-only '" AF_CLANG_PLUGIN "'");
  CHECK(exported.find(" T assetflow_plugin_entry\n") != std::string::npos);
  CHECK(std::count(exported.begin(), exported.end(), '\n') == 1);  // nothing else

  AssetRun run(Require(r, "clang_example/reverse_words"));
  auto ok = run.input("text", "  one two\nthree  ").materialize();
  CHECK(ok.status == AF_OK);
  CHECK(ok.output == "three two one");
  REQUIRE(ok.find("words") != nullptr);
  CHECK(ok.find("words")->value == "3");

  // A std::runtime_error thrown inside libc++ code, caught by the SDK trampoline: retryable,
  // as Dagster retries any exception (only assetflow::Failure(m, false) is not).
  auto empty = run.input("text", " \n ").materialize();
  CHECK(empty.status == AF_ERR_RETRYABLE);
  CHECK(empty.error == "reverse_words: input 'text' has no words");
  CHECK(empty.output.empty());

  // An assetflow::Error from the C++ layer keeps its own status.
  auto missing = AssetRun(Require(r, "clang_example/reverse_words")).materialize();
  CHECK(missing.status == AF_ERR_NOT_FOUND);
  CHECK(missing.error == "cannot open input 'text'");

  // And the g++ plugin still works after the libc++ one threw.
  auto constant = AssetRun(Require(r, "examples/constant")).config(R"({"value":"ok"})").materialize();
  CHECK(constant.output == "ok");
}
#endif

}  // namespace
