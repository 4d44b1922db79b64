// Compiles the SDK's C headers, its C++ layer (cpp/plugin.hpp) and its test harness as C++17
// and C++20 with -Wall -Wextra -pedantic -Werror (tests/abi/CMakeLists.txt).
#include <assetflow/assetflow.h>
#include <assetflow/cpp/plugin.hpp>
#include <assetflow/testing/harness.hpp>

#include <type_traits>

static_assert(std::is_standard_layout_v<af_plugin_entry>, "C structs stay standard-layout");
static_assert(std::is_trivially_copyable_v<af_asset_descriptor>, "C structs stay trivial");
static_assert(std::is_same_v<af_status, int32_t>, "statuses are int32_t");

namespace {
void compile_check(assetflow::Context& ctx) { ctx.write(ctx.config_string("x")); }
}  // namespace

ASSETFLOW_ASSET(compile_check).describe("x").schema("{}").version("1");
ASSETFLOW_PLUGIN("compile_check", "1.0.0", "header compile check")

int af_compile_check_harness();
int af_compile_check_harness() {
  return assetflow::testing::AssetRun(assetflow_plugin_entry(), "compile_check").materialize().status;
}
