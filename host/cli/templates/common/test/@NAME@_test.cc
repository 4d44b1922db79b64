// Tests what ships: loads the built plugin file (PLUGIN_FILE, set by CMakeLists.txt) with the
// SDK harness, which checks it as the host does, and materializes its asset in memory.
#include <assetflow/testing/harness.hpp>

#include <cstdio>
#include <string>

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "FAILED: %s\n", what.c_str());
    ++failures;
  }
}

}  // namespace

int main() {
  assetflow::testing::Plugin plugin(PLUGIN_FILE);

  // The default config: {"name": "world"}.
  auto by_default = assetflow::testing::materialize_to_memory(plugin, {{"greeting", "greeting"}});
  check(by_default.at("greeting").status == AF_OK, "greeting succeeds");
  check(by_default.at("greeting").output == "hello, world", "greeting writes 'hello, world'");

  auto named = assetflow::testing::materialize_to_memory(
      plugin, {{"greeting", "greeting", R"({"name":"@NAME@"})", {}}});
  check(named.at("greeting").output == "hello, @NAME@", "greeting uses config 'name'");
  const auto* bytes = named.at("greeting").find("bytes");
  check(bytes != nullptr && bytes->value == std::to_string(std::string("hello, @NAME@").size()),
        "greeting records metadata 'bytes'");

  // A config the host would refuse is refused here, with the host's words.
  std::string refused;
  try {
    plugin.run("greeting").config(R"({"nmae":"typo"})");
  } catch (const assetflow::testing::ConfigError& e) {
    refused = e.what();
  }
  check(refused == "config: unknown key 'nmae'", "a bad config key is refused: got '" + refused + "'");

  if (failures == 0) std::printf("@NAME@_test: ok\n");
  return failures == 0 ? 0 : 1;
}
