// An out-of-tree plugin: one asset that greets `name`.
#include <assetflow/cpp/plugin.hpp>

namespace {
void greeting(assetflow::Context& ctx) { ctx.write("hello, " + ctx.config_string("name")); }
}  // namespace

ASSETFLOW_ASSET(greeting)
    .describe("Says hello to `name`")
    .schema(R"({"type":"object","additionalProperties":false,
                "properties":{"name":{"type":"string","default":"world"}}})");
ASSETFLOW_PLUGIN("external_greeter", "0.1.0", "Built out of tree against the installed SDK")
