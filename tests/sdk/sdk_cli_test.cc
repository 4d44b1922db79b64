// What a plugin author meets in the CLI: `describe` and `plugins --verbose` (text and JSON),
// `check` catching a missing declared input before anything runs, an IO manager's write error
// text in the step's failure, `wipe` through a C++ IO manager without wipe(), and
// `new plugin` refusing what it must.
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <string>
#include <vector>

#include "support/cli_process.h"

namespace {

using af_test::Result;

struct TempDir : af_test::TempDir {
  TempDir() : af_test::TempDir("af_sdk_cli") {}
};

// `assetflow --home D/home --manifest D/m.yaml -p plugins -p sdk-test-plugins args...`.
Result Run(const std::string& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {AF_ASSETFLOW, "--home", dir + "/home", "--manifest",
                                   dir + "/m.yaml", "-p", AF_PLUGIN_DIR, "-p",
                                   AF_SDK_TEST_PLUGIN_DIR};
  argv.insert(argv.end(), args.begin(), args.end());
  return af_test::Wait(af_test::Spawn(argv, dir + "/cmd.out", dir + "/cmd.err"));
}

void WriteManifest(const std::string& dir, const std::string& yaml) {
  std::ofstream(dir + "/m.yaml") << yaml;
}

TEST_CASE("describe: description, inputs, config keys with defaults, as text and JSON") {
  TempDir t;
  auto text = Run(t.path, {"describe", "examples/constant"});
  REQUIRE(text.exit_code == 0);
  CHECK(text.out == "examples/constant  (asset)\n"
                    "  Writes `value` repeated `repeat` times\n"
                    "  plugin: examples 1.0.0 (" AF_PLUGIN_DIR "/examples.so)\n"
                    "  code version: 1\n"
                    "  output: text/plain\n"
                    "  inputs: not declared (any)\n"
                    "  config (no other keys):\n"
                    "    value: string, default \"\"\n"
                    "    repeat: integer, default 1\n"
                    "  defaults: {\"repeat\":1,\"value\":\"\"}\n");

  auto upper = Run(t.path, {"describe", "c_example/upper"});
  REQUIRE(upper.exit_code == 0);
  CHECK(upper.out.find("  inputs:\n    text (required)  the text to uppercase\n") !=
        std::string::npos);
  CHECK(upper.out.find("  config: none accepted\n") != std::string::npos);

  auto json = Run(t.path, {"describe", "fs_io/file_writer", "--json"});
  REQUIRE(json.exit_code == 0);
  rapidjson::Document d;
  d.Parse(json.out.c_str());
  REQUIRE_FALSE(d.HasParseError());
  CHECK(std::string(d["kind"].GetString()) == "io_manager");
  CHECK(d["write_only"].GetBool());
  CHECK(d["config_schema"].IsObject());
  REQUIRE(d["config"].IsArray());
  CHECK(std::string(d["config"][0]["name"].GetString()) == "path");

  auto typo = Run(t.path, {"describe", "examples/constnt"});
  CHECK(typo.exit_code == 2);
  CHECK(typo.err ==
        "error: no loaded plugin offers 'examples/constnt' (did you mean 'examples/constant'?); "
        "'assetflow plugins' lists what is loaded\n");
}

TEST_CASE("plugins --verbose shows every definition; --json as an array") {
  TempDir t;
  auto text = Run(t.path, {"plugins", "--verbose"});
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("examples/constant  (asset)\n") != std::string::npos);
  CHECK(text.out.find("full_disk/full_disk  (IO manager, write-only)\n") != std::string::npos);
  auto json = Run(t.path, {"plugins", "--verbose", "--json"});
  REQUIRE(json.exit_code == 0);
  rapidjson::Document d;
  d.Parse(json.out.c_str());
  REQUIRE(d.IsArray());
  bool found = false;
  for (const auto& def : d.GetArray())
    found = found || std::string(def["type"].GetString()) == "c_example/upper";
  CHECK(found);
}

TEST_CASE("check: a missing declared input is caught before anything runs") {
  TempDir t;
  WriteManifest(t.path, R"(assets:
  shout:
    type: c_example/upper
    inputs: { txt: greeting }
  greeting: { type: c_example/hello }
)");
  auto r = Run(t.path, {"check"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(t.path + "/m.yaml:2:3: error: asset 'shout' lacks required input 'text' of "
                            "c_example/upper") != std::string::npos);
  CHECK(r.err.find(t.path + "/m.yaml:4:20: error: unknown input 'txt' for asset 'shout' "
                            "(c_example/upper declares 'text') (did you mean 'text'?)") !=
        std::string::npos);
}

TEST_CASE("an IO manager's write error text reaches the step's failure") {
  TempDir t;
  WriteManifest(t.path, R"(resources:
  full: { type: full_disk/full_disk }
assets:
  cpp: { type: examples/constant, config: { value: "x" }, io_manager: full }
  c: { type: c_example/hello, io_manager: full }
)");
  auto r = Run(t.path, {"materialize", "--all"});
  CHECK(r.exit_code == 1);
  const std::string all = r.out + r.err;
  CHECK(all.find("writing the output stream failed: No space left on device") != std::string::npos);
  CHECK(all.find("writing the output failed: No space left on device") != std::string::npos);
}

TEST_CASE("wipe through a C++ IO manager without wipe() says it cannot, instead of 'wiped'") {
  TempDir t;
  WriteManifest(t.path, R"(resources:
  io_manager: { type: cpp_store/cpp_store }
assets:
  p: { type: examples/constant }
)");
  auto r = Run(t.path, {"wipe", "p"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("wiped") == std::string::npos);
  CHECK(r.err == "error: IO manager 'cpp_store/cpp_store' cannot wipe stored assets (this IO "
                 "manager does not implement wipe())\n");
}

TEST_CASE("new plugin: refuses a bad name and an existing folder, writing nothing") {
  TempDir t;
  auto bad = Run(t.path, {"new", "plugin", "My-Plugin", "--dir", t.path});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "error: invalid plugin name 'My-Plugin' (use a lower-case letter, then "
                   "lower-case letters, digits or '_')\n");
  auto ok = Run(t.path, {"new", "plugin", "demo", "--lang", "c", "--dir", t.path});
  REQUIRE(ok.exit_code == 0);
  CHECK(af_test::ReadFile(t.path + "/demo/src/demo.c").find("\"demo\",") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(t.path + "/demo/src/demo.cc"));
  auto again = Run(t.path, {"new", "plugin", "demo", "--dir", t.path});
  CHECK(again.exit_code == 2);
  CHECK(again.err == "error: '" + t.path + "/demo' already exists; nothing was written\n");
}

}  // namespace
