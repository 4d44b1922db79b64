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
  // Its own runtime: libc++ and libc++abi linked in, not loaded (see the runtime test below).
  CHECK(CommandOutput("ldd '" AF_CLANG_PLUGIN "'").find("libc++") == std::string::npos);
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

// Which runtime a libc++ plugin's operator new/delete and exception machinery bind to, in this
// g++/libstdc++ host loading with RTLD_LOCAL, as the registry does. Linked the way
// assetflow_add_plugin links a libc++ plugin (libc++ static, its symbols hidden), everything
// resolves inside the plugin file. Linked against the shared libc++, the same code binds
// operator new and __cxa_throw to the host's libstdc++ (first in the global scope), while the
// rest of its runtime is libc++: it worked by luck.
TEST_CASE("a libc++ plugin's C++ runtime resolves inside the plugin, not in the host") {
  af::PluginRegistry own;
  REQUIRE(own.LoadFile(AF_CLANG_PLUGIN));
  auto r = AssetRun(Require(own, "clang_example/runtime")).materialize();
  REQUIRE(r.status == AF_OK);
  CHECK(r.output == "1000");
  for (const char* symbol : {"operator_new", "operator_delete", "cxa_throw",
                             "cxa_allocate_exception"}) {
    CAPTURE(symbol);
    REQUIRE(r.find(symbol) != nullptr);
    CHECK(r.find(symbol)->value == AF_CLANG_PLUGIN);
  }
  CHECK(r.find("exception")->value == "plugin-own as its type");

#ifdef AF_CLANG_SHARED_PLUGIN
  af::PluginRegistry shared;
  REQUIRE(shared.LoadFile(AF_CLANG_SHARED_PLUGIN));
  auto s = AssetRun(Require(shared, "clang_example/runtime")).materialize();
  REQUIRE(s.status == AF_OK);
  // The contrast: the shared-libc++ build binds to the host process's runtime — libstdc++, or
  // under test.sh's ASan stage the sanitizer's interceptors, which the host links first.
  for (const char* symbol : {"operator_new", "cxa_throw"}) {
    CAPTURE(symbol);
    const std::string& where = s.find(symbol)->value;
    CHECK(where != AF_CLANG_PLUGIN);
    CHECK((where.find("libstdc++.so") != std::string::npos ||
           where.find("libasan.so") != std::string::npos));
  }
#endif
}
#endif

TEST_CASE("a plugin binary built from the ABI 1.0 headers loads and runs in this 1.1 host") {
  af::PluginRegistry r;
  REQUIRE_MESSAGE(r.LoadFile(AF_V10_PLUGIN), af::FormatDiagnostics(r.errors()));
  const af::PluginInfo& p = r.plugins().at(0);
  CHECK(p.name == "c_example_v10");
  CHECK(p.abi_major == 1);
  CHECK(p.abi_minor == 0);
  // A 1.0 descriptor is 64 bytes: nothing after materialize is read (no flags, no inputs).
  const af_asset_descriptor* upper = Require(r, "c_example_v10/upper");
  CHECK(upper->struct_size == 64);
  CHECK_FALSE(r.Catalog().assets.at("c_example_v10/upper").declared_inputs.has_value());
  auto up = AssetRun(upper).input("text", "abc").materialize();
  CHECK(up.status == AF_OK);
  CHECK(up.output == "ABC");
  // And the harness loads it as the host does.
  assetflow::testing::Plugin plugin(AF_V10_PLUGIN);
  CHECK(plugin.abi_minor() == 0);
  CHECK(plugin.run("hello").materialize().output == "hello from C");
}

}  // namespace
