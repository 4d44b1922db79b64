// The plugin author's test through the installed SDK harness: exit 0 when the asset behaves.
#include <assetflow/testing/harness.hpp>

#include <cstdio>

extern "C" const af_plugin_entry* assetflow_plugin_entry(void);

int main() {
  assetflow::testing::AssetRun run(assetflow_plugin_entry(), "greeting");
  auto by_default = run.materialize();
  auto named = run.config(R"({"name":"SDK"})").materialize();
  if (by_default.status != AF_OK || by_default.output != "hello, world" ||
      named.status != AF_OK || named.output != "hello, SDK") {
    std::fprintf(stderr, "greeter_check: got '%s' and '%s'\n", by_default.output.c_str(),
                 named.output.c_str());
    return 1;
  }
  std::printf("greeter_check: ok\n");
  return 0;
}
