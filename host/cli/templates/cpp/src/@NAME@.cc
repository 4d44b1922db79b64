// The @NAME@ plugin: one asset definition, "greeting", that writes "hello, <name>".
// The C++ layer is <assetflow/cpp/plugin.hpp>; docs/plugin-guide.md explains it.
#include <assetflow/cpp/plugin.hpp>

#include <string>

namespace {

// Runs on a worker thread, possibly next to other assets of this definition.
void greeting(assetflow::Context& ctx) {
  // "name" is always there: the host fills the schema's default.
  const std::string text = "hello, " + ctx.config_string("name");
  ctx.write(text);
  ctx.metadata_int("bytes", static_cast<int64_t>(text.size()));
}

}  // namespace

ASSETFLOW_ASSET(greeting)
    .describe("Writes \"hello, <name>\"")
    .version("1")  // bump it when the output changes
    .output("text/plain")
    .no_inputs()
    .schema(R"({"type":"object","additionalProperties":false,"properties":{
      "name":{"type":"string","default":"world","description":"who to greet"}}})");

ASSETFLOW_PLUGIN("@NAME@", "0.1.0", "The @NAME@ plugin")
