#include "plugin/plugin_registry.h"

#include <assetflow/testing/harness.hpp>
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

namespace af {
namespace {

namespace fs = std::filesystem;

const std::string kPluginDir = AF_PLUGIN_DIR;
const std::string kMixedDir = AF_TEST_PLUGIN_DIR;  // tests/plugins: bad/ and good/ together

std::string Mixed(const std::string& file) { return kMixedDir + "/" + file; }

std::set<std::string> LoadedNames(const PluginRegistry& r) {
  std::set<std::string> names;
  for (const PluginInfo& p : r.plugins()) names.insert(p.name);
  return names;
}

// file name -> message, for the diagnostics of one registry.
std::map<std::string, std::string> ErrorsByFile(const PluginRegistry& r) {
  std::map<std::string, std::string> out;
  for (const Diagnostic& d : r.errors()) {
    std::string file = fs::path(d.location.file).filename().string();
    CHECK_MESSAGE(out.count(file) == 0, "two diagnostics for " << file);
    out[file] = d.message;
  }
  return out;
}

// The dynamic symbols a library defines, as `nm -D --defined-only` lists them.
std::set<std::string> ExportedSymbols(const std::string& library) {
  std::set<std::string> symbols;
  std::string cmd = "nm -D --defined-only '" + library + "'";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char line[1024];
  while (std::fgets(line, sizeof line, p)) {
    std::string s(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    symbols.insert(s.substr(s.rfind(' ') + 1));
  }
  CHECK(pclose(p) == 0);
  return symbols;
}

TEST_CASE("PluginRegistry loads the example plugins and indexes their definitions") {
  PluginRegistry r;
  REQUIRE(r.LoadFile(kPluginDir + "/examples.so"));
  REQUIRE(r.LoadFile(kPluginDir + "/c_example.so"));
  CHECK(r.errors().empty());
  REQUIRE(r.plugins().size() == 2);

  const PluginInfo& ex = r.plugins()[0];
  CHECK(ex.name == "examples");
  CHECK(ex.version == "1.0.0");
  CHECK(ex.path == kPluginDir + "/examples.so");
  CHECK(ex.abi_major == AF_ABI_MAJOR);
  CHECK(ex.abi_minor == AF_ABI_MINOR);
  CHECK(ex.toolchain.find("libstdc++") != std::string::npos);
  CHECK(ex.asset_definitions ==
        std::vector<std::string>{"constant", "concat", "fail", "noop", "sleep", "bytes", "throws",
                                 "failure", "leaky", "observe_file", "versioned_constant"});
  CHECK(ex.io_manager_definitions.empty());
  CHECK(r.plugins()[1].asset_definitions == std::vector<std::string>{"hello", "upper"});

  REQUIRE(r.FindAsset("examples/constant") != nullptr);
  CHECK(std::string(r.FindAsset("examples/constant")->name) == "constant");
  CHECK(r.FindAsset("c_example/upper") != nullptr);
  CHECK(r.FindAsset("examples/nope") == nullptr);
  CHECK(r.FindAsset("constant") == nullptr);
  CHECK(r.FindIoManager("examples/constant") == nullptr);

  TypeCatalog c = r.Catalog();
  CHECK(c.assets.size() == 13);  // 11 examples + 2 c_example
  CHECK(c.assets.at("examples/leaky").secret_config_keys ==
        std::vector<std::string>{"api_key", "password"});
  CHECK(c.assets.at("examples/constant").secret_config_keys.empty());
  CHECK(c.assets.at("examples/observe_file").observable);  // its ABI 1.1 flags
  CHECK_FALSE(c.assets.at("examples/constant").observable);
  CHECK(c.io_managers.empty());
  CHECK(c.assets.at("examples/constant").config_schema.find("\"repeat\"") != std::string::npos);
  CHECK(c.assets.at("examples/constant").code_version == "1");
  CHECK(c.assets.at("examples/noop").config_schema.empty());  // NULL schema: no config allowed
  // Declared inputs (ABI 1.1): c_example declares them, the examples do not.
  CHECK_FALSE(c.assets.at("examples/concat").declared_inputs.has_value());
  REQUIRE(c.assets.at("c_example/hello").declared_inputs.has_value());
  CHECK(c.assets.at("c_example/hello").declared_inputs->empty());
  REQUIRE(c.assets.at("c_example/upper").declared_inputs.has_value());
  REQUIRE(c.assets.at("c_example/upper").declared_inputs->size() == 1);
  const DeclaredInput& text = c.assets.at("c_example/upper").declared_inputs->front();
  CHECK(text.name == "text");
  CHECK(text.description == "the text to uppercase");
  CHECK_FALSE(text.optional);
}

#ifdef AF_LIFECYCLE_PLUGIN
TEST_CASE("PluginRegistry starts a plugin with init and stops it with deinit, once per load") {
  const std::string log = std::string(AF_BINARY_DIR) + "/tests/plugins/lifecycle/deinit.log";
  std::remove(log.c_str());
  ::setenv("AF_TEST_DEINIT_LOG", log.c_str(), 1);
  auto deinit_lines = [&] {
    std::ifstream in(log);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return all;
  };
  {
    PluginRegistry r;
    REQUIRE(r.LoadFile(AF_LIFECYCLE_PLUGIN));
    CHECK(r.plugins()[0].abi_minor == 1);  // declared with AF_PLUGIN_ABI_MINOR 1
    auto state = assetflow::testing::AssetRun(r.FindAsset("lifecycle/state")).materialize();
    CHECK(state.output == "init 1 assetflow 0.1.0 lifecycle.so");
    CHECK(deinit_lines().empty());
    {
      PluginRegistry second;  // the same file again: dlopen shares it, init counts
      REQUIRE(second.LoadFile(AF_LIFECYCLE_PLUGIN));
      CHECK(assetflow::testing::AssetRun(second.FindAsset("lifecycle/state")).materialize().output ==
            "init 2 assetflow 0.1.0 lifecycle.so");
    }
    CHECK(deinit_lines() == "deinit\n");
    const TypeCatalog c = r.Catalog();
    REQUIRE(c.assets.at("lifecycle/join").declared_inputs.has_value());
    const auto& inputs = *c.assets.at("lifecycle/join").declared_inputs;
    REQUIRE(inputs.size() == 2);
    CHECK(inputs[0].name == "left");
    CHECK_FALSE(inputs[0].optional);
    CHECK(inputs[1].name == "right");
    CHECK(inputs[1].optional);
  }
  CHECK(deinit_lines() == "deinit\ndeinit\n");
  ::unsetenv("AF_TEST_DEINIT_LOG");
}
#endif

TEST_CASE("PluginRegistry hands out descriptors that really run") {
  PluginRegistry r;
  r.LoadDirectory(kPluginDir);
  REQUIRE(r.FindAsset("examples/constant") != nullptr);
  assetflow::testing::AssetRun run(r.FindAsset("examples/constant"));
  auto result = run.config(R"({"value":"xy","repeat":2})").materialize();
  CHECK(result.status == AF_OK);
  CHECK(result.output == "xyxy");
}

TEST_CASE("PluginRegistry refuses each broken plugin with one precise diagnostic") {
  PluginRegistry r;
  r.LoadDirectory(kMixedDir);

  // The good plugins (and the first of two files named "dup_name") load regardless.
  CHECK(LoadedNames(r) == std::set<std::string>{"dup_name", "good_alpha", "good_beta"});
  for (const char* type : {"good_alpha/hello", "good_alpha/world", "good_beta/hello"}) {
    CAPTURE(type);
    REQUIRE(r.FindAsset(type) != nullptr);
    auto result = assetflow::testing::AssetRun(r.FindAsset(type)).materialize();
    CHECK(result.status == AF_OK);
    CHECK(result.output == std::string(type).substr(std::string(type).find('/') + 1));
  }

  // The minimum sizes the registry enforces: every ABI 1.0 field.
  const std::string min_entry =
      std::to_string(offsetof(af_plugin_entry, get_extension) + sizeof(void*));
  const std::string min_asset =
      std::to_string(offsetof(af_asset_descriptor, materialize) + sizeof(void*));
  const std::string abi = std::to_string(AF_ABI_MAJOR) + "." + std::to_string(AF_ABI_MINOR);
  const std::map<std::string, std::string> expected = {
      {"not_a_library.so",
       "not a shared library (no ELF header); only assetflow plugins belong in a plugin "
       "directory"},
      {"no_entry.so",
       "no entry symbol 'assetflow_plugin_entry' (not an assetflow plugin; build it with "
       "assetflow_add_plugin)"},
      {"null_entry.so", "assetflow_plugin_entry() returned NULL (the plugin refused to start)"},
      {"bad_magic.so",
       "bad magic 0x12345678 in the plugin entry (expected 0x4C504641, \"AFPL\"): not an "
       "assetflow plugin entry"},
      {"abi_major.so", "plugin was built for ABI 2.x; this host supports " + abi +
                           " (rebuild it against this SDK)"},
      {"abi_minor.so", "plugin needs ABI 1." + std::to_string(AF_ABI_MINOR + 1) +
                           "; this host supports " + abi +
                           " (upgrade assetflow, or rebuild the plugin against this host's SDK)"},
      {"small_version_block.so",
       "plugin entry struct_size is 8 bytes, smaller than the 12-byte version block (corrupt "
       "entry)"},
      {"small_entry.so",
       "plugin entry struct_size is 16 bytes; an ABI 1.x entry has at least " + min_entry +
           " (corrupt entry or wrong SDK)"},
      {"small_descriptor.so",
       "asset definition #0: struct_size is 8 bytes; ABI 1.0 needs at least " + min_asset},
      {"null_materialize.so", "asset definition 'broken': materialize is NULL"},
      {"null_io_function.so", "IO manager definition 'store': close_reader is NULL"},
      {"null_name.so", "plugin name is NULL"},
      {"null_assets_list.so", "plugin entry has asset_count 2 but assets is NULL"},
      {"bad_plugin_name.so",
       "invalid plugin name 'bad name/x' (allowed: one or more of A-Z a-z 0-9 _ -)"},
      {"bad_definition_name.so",
       "asset definition #1: invalid definition name 'a/b' (allowed: one or more of A-Z a-z "
       "0-9 _ -)"},
      {"duplicate_definition.so",
       "duplicate asset definition 'twice' in plugin 'duplicate_definition'"},
      {"bad_schema_json.so",
       "asset definition 'reader': config_schema is unusable: invalid JSON: Missing a name "
       "for object member. at offset 18"},
      {"deep_schema.so",
       "asset definition 'deep': config_schema is unusable: invalid JSON: nested deeper than "
       "256 levels at offset 285"},
      {"bad_schema_type.so",
       "asset definition 'counter': config_schema is unusable: '/properties/count/type' is not "
       "valid JSON Schema (draft 4): 'integr' is not a type (array, boolean, integer, null, "
       "number, object or string)"},
      {"bad_schema_default.so",
       "IO manager definition 'store': config_schema is unusable: "
       "'/properties/retries/default' -1 does not match its own schema: -1 is less than the "
       "minimum 0"},
      {"bad_input_name.so",
       "asset definition 'joiner': declared input #0: invalid input name 'not ok' (allowed: "
       "one or more of A-Z a-z 0-9 _ -)"},
      {"init_refuses.so",
       "the plugin's init refused to start (status 7): needs a GPU, none found"},
      {"dup_name_b.so", "duplicate plugin name 'dup_name': already loaded from " +
                            Mixed("dup_name_a.so") +
                            " (plugin names must be unique; remove one of the two files)"},
  };
  const auto actual = ErrorsByFile(r);
  for (const auto& [file, message] : expected) {
    CAPTURE(file);
    REQUIRE(actual.count(file) == 1);
    CHECK(actual.at(file) == message);
  }
  CHECK(actual.size() == expected.size());
  for (const Diagnostic& d : r.errors()) {
    CHECK(d.location.file.rfind(kMixedDir + "/", 0) == 0);  // the full path of the plugin
    CHECK(d.location.line == 0);
  }
  // Nothing of a refused plugin is visible.
  CHECK(r.FindAsset("duplicate_definition/twice") == nullptr);
  CHECK(r.FindAsset("bad_definition_name/hello") == nullptr);
  const TypeCatalog catalog = r.Catalog();
  CHECK(catalog.assets.size() == 5);
  REQUIRE(catalog.io_managers.size() == 1);
  CHECK(catalog.io_managers.at("good_beta/store").config_schema.find("\"dir\"") != std::string::npos);
  REQUIRE(r.FindIoManager("good_beta/store") != nullptr);
  const bool has_wipe = r.FindIoManager("good_beta/store")->wipe != nullptr;
  CHECK_FALSE(has_wipe);  // optional
  CHECK(r.plugins().back().io_manager_definitions == std::vector<std::string>{"store"});
}

TEST_CASE("PluginRegistry::LoadFile reports refusal and keeps going") {
  PluginRegistry r;
  CHECK_FALSE(r.LoadFile(Mixed("abi_major.so")));
  CHECK(r.LoadFile(Mixed("good_alpha.so")));
  CHECK_FALSE(r.LoadFile(Mixed("good_alpha.so")));  // the same plugin twice: a duplicate name
  CHECK_FALSE(r.LoadFile(Mixed("missing.so")));
  REQUIRE(r.errors().size() == 3);
  CHECK(r.errors()[1].message.rfind("duplicate plugin name 'good_alpha'", 0) == 0);
  CHECK(r.errors()[2].message == "not a shared library (no ELF header); only assetflow plugins "
                                 "belong in a plugin directory");
  CHECK(r.plugins().size() == 1);
}

TEST_CASE("PluginRegistry serializes loads from several threads") {
  PluginRegistry r;
  std::vector<std::thread> threads;
  for (const char* file : {"good_alpha.so", "good_beta.so", "dup_name_a.so", "abi_major.so"})
    threads.emplace_back([&r, file] { r.LoadFile(Mixed(file)); });
  for (auto& t : threads) t.join();
  CHECK(LoadedNames(r) == std::set<std::string>{"dup_name", "good_alpha", "good_beta"});
  CHECK(r.errors().size() == 1);
  CHECK(r.Catalog().assets.size() == 5);
}

TEST_CASE("PluginRegistry reports a library that the loader cannot load") {
  // An ELF file that is not a loadable library: the executable running this test.
  fs::path dir = fs::temp_directory_path() / ("af_plugin_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy_file(fs::read_symlink("/proc/self/exe"), dir / "program.so",
                fs::copy_options::overwrite_existing);
  PluginRegistry r;
  CHECK_FALSE(r.LoadFile((dir / "program.so").string()));
  REQUIRE(r.errors().size() == 1);
  CHECK(r.errors()[0].message.rfind("cannot load shared library: ", 0) == 0);
  CHECK(r.errors()[0].message.find("program.so") != std::string::npos);  // dlerror names it
  fs::remove_all(dir);
}

TEST_CASE("PluginRegistry::LoadDirectory reports a missing directory") {
  PluginRegistry r;
  r.LoadDirectory("/nonexistent/assetflow/plugins");
  REQUIRE(r.errors().size() == 1);
  CHECK(r.errors()[0].location.file == "/nonexistent/assetflow/plugins");
  CHECK(r.errors()[0].message == "plugin directory does not exist");
  CHECK(r.plugins().empty());
}

TEST_CASE("plugins export only assetflow_plugin_entry") {
  const std::set<std::string> only_entry = {"assetflow_plugin_entry"};
  for (const std::string& lib : {kPluginDir + "/examples.so", kPluginDir + "/c_example.so",
                                 Mixed("good_alpha.so"), Mixed("dup_name_a.so")}) {
    CAPTURE(lib);
    CHECK(ExportedSymbols(lib) == only_entry);
  }
}

TEST_CASE("UnversionedConfigKeys: the top-level properties marked x-assetflow-no-version") {
  struct Case {
    std::string schema;
    std::vector<std::string> keys;
  };
  const Case cases[] = {
      {R"({"properties": {"z": {"x-assetflow-no-version": true}, "a": {"type": "integer",
          "x-assetflow-no-version": true}, "count": {"type": "integer"}}})",
       {"a", "z"}},
      {R"({"properties": {"a": {"x-assetflow-no-version": false}}})", {}},
      {R"({"properties": {"a": {"x-assetflow-no-version": "yes"}}})", {}},  // not a boolean
      {R"({"properties": {"o": {"properties": {"n": {"x-assetflow-no-version": true}}}}})",
       {}},  // nested: not top-level
      {R"({"x-assetflow-no-version": true})", {}},
      {R"({"properties": []})", {}},
      {"", {}},
      {"not json", {}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.schema);
    CHECK(UnversionedConfigKeys(c.schema) == c.keys);
  }
  CHECK(std::string(kNoVersionAnnotation) == "x-assetflow-no-version");
}

TEST_CASE("SecretConfigKeys: x-assetflow-secret, writeOnly or format password, top-level") {
  CHECK(SecretConfigKeys(R"({"properties": {"token": {"type": "string", "x-assetflow-secret": true},
      "pw": {"format": "password"}, "key": {"writeOnly": true}, "url": {"format": "uri"},
      "off": {"x-assetflow-secret": false}, "nested": {"properties": {"s": {"writeOnly": true}}}}})") ==
        std::vector<std::string>{"key", "pw", "token"});
  CHECK(SecretConfigKeys("not json").empty());
  CHECK(std::string(kSecretAnnotation) == "x-assetflow-secret");
}

TEST_CASE("PluginSearchPath orders cli, environment, manifest, default, without duplicates") {
  ::setenv("ASSETFLOW_PLUGIN_PATH", "/env/a::/env/b/:/cli/x", 1);
  auto path = PluginSearchPath({"/cli/x", "/cli/y"}, {"/manifest/m", "/env/a/"});
  ::unsetenv("ASSETFLOW_PLUGIN_PATH");
  const std::string exe_plugins =
      (fs::read_symlink("/proc/self/exe").parent_path() / "plugins").string();
  CHECK(path == std::vector<std::string>{"/cli/x", "/cli/y", "/env/a", "/env/b/", "/manifest/m",
                                         exe_plugins});
  CHECK(PluginSearchPath({}, {}) == std::vector<std::string>{exe_plugins});
}

TEST_CASE("PluginSearchPath skips empty entries instead of throwing std::filesystem_error") {
  const std::string exe_plugins =
      (fs::read_symlink("/proc/self/exe").parent_path() / "plugins").string();
  std::vector<std::string> path;
  CHECK_NOTHROW(path = PluginSearchPath({""}, {"", "/manifest/m"}));
  CHECK(path == std::vector<std::string>{"/manifest/m", exe_plugins});
}

TEST_CASE("PluginSearchPath counts a folder named relatively and absolutely once") {
  const fs::path exe_dir = fs::read_symlink("/proc/self/exe").parent_path();
  const fs::path plugins = exe_dir / "plugins";
  fs::create_directories(plugins);
  const fs::path old_cwd = fs::current_path();
  fs::current_path(exe_dir);
  auto path = PluginSearchPath({"plugins", "./plugins/"}, {});
  fs::current_path(old_cwd);
  CHECK(path == std::vector<std::string>{"plugins"});
}

}  // namespace
}  // namespace af
