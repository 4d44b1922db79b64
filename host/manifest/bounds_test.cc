// What a hostile manifest cannot make the loader do: expand an alias bomb, recurse without
// bound, read a FIFO, a device or a huge file, or echo a file that is no manifest.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "manifest/manifest_loader.h"
#include "manifest/manifest_test_util.h"
#include "manifest/yaml_document.h"

namespace af {

namespace {

struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "af-bounds-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string path;
};

// The diagnostics of loading `paths` (parse and resolve), one per line.
std::string LoadErrors(const std::vector<std::string>& paths) {
  ManifestLoader loader([](const std::string&) { return std::nullopt; });
  std::string out;
  if (loader.Parse(paths)) {
    Definitions defs;
    loader.Resolve(testing::TestCatalog(), &defs);
  }
  for (const Diagnostic& d : loader.diagnostics()) out += d.ToString() + "\n";
  return out;
}

std::string TextErrors(const std::string& text) {
  ManifestLoader loader([](const std::string&) { return std::nullopt; });
  std::string out;
  if (loader.ParseText(text, "m.yaml")) {
    Definitions defs;
    loader.Resolve(testing::TestCatalog(), &defs);
  }
  for (const Diagnostic& d : loader.diagnostics()) out += d.ToString() + "\n";
  return out;
}

// Nine levels of ten aliases each under `config:`: 10^9 nodes once expanded, 100 in the file.
std::string AliasBomb() {
  std::string yaml = "assets:\n  hn:\n    type: hackernews/top_stories\n    config:\n      bomb:\n";
  yaml += "        a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 9; ++level) {
    const std::string prev = "*a" + std::to_string(level - 1);
    yaml += "        a" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) yaml += (i ? ", " : "") + prev;
    yaml += "]\n";
  }
  return yaml;
}

}  // namespace

TEST_CASE("an alias bomb under config is refused before anything expands it") {
  // The sequence that crosses the bound (a6: 10^7 nodes) is named.
  CHECK(TextErrors(AliasBomb()) ==
        "m.yaml:11:13: error: YAML aliases expand to more than 1000000 nodes\n");
}

TEST_CASE("a merge-key bomb is refused too") {
  std::string yaml = "x-base:\n  b0: &b0 {k0: 1, k1: 2, k2: 3, k3: 4, k4: 5, k5: 6, k6: 7, k7: 8}\n";
  for (int level = 1; level <= 8; ++level) {
    yaml += "  b" + std::to_string(level) + ": &b" + std::to_string(level) + " {";
    for (int i = 0; i < 8; ++i) {
      yaml += (i ? ", " : "") + std::string("m") + std::to_string(i) + ": *b" +
              std::to_string(level - 1);
    }
    yaml += "}\n";
  }
  yaml += "assets:\n  a: {type: hackernews/top_stories, config: {<<: *b8}}\n";
  CHECK(TextErrors(yaml).find("error: YAML aliases expand to more than 1000000 nodes") !=
        std::string::npos);
}

TEST_CASE("nesting deeper than kMaxYamlDepth is refused with its place") {
  std::string deep = "assets:\n  a:\n    type: hackernews/top_stories\n    config:\n      x: ";
  const std::string within = deep + std::string(100, '[') + std::string(100, ']') + "\n";
  CHECK(TextErrors(within).find("nested deeper") == std::string::npos);
  // Four mappings (the top, assets, a, config) and 124 lists make 128 levels: the 125th '['
  // (column 10 + 124) is one too many.
  const std::string over = deep + std::string(kMaxYamlDepth, '[') + std::string(kMaxYamlDepth, ']') + "\n";
  CHECK(TextErrors(over) == "m.yaml:5:134: error: YAML nested deeper than 128 levels\n");
  // Far deeper than yaml-cpp's own limit: the same clear error, no crash.
  const std::string far = deep + std::string(200000, '[') + "\n";
  CHECK(TextErrors(far).find("error: YAML nested deeper than 128 levels\n") != std::string::npos);
}

TEST_CASE("only regular files of a bounded size are read as manifests") {
  TempDir dir;
  SUBCASE("a FIFO is refused at once, not waited on") {
    const std::string fifo = dir.path + "/m.yaml";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(LoadErrors({fifo}) == fifo + ": error: cannot read manifest: a FIFO (manifests must be "
                                       "regular files)\n");
  }
  SUBCASE("a character device") {
    CHECK(LoadErrors({"/dev/zero"}) == "/dev/zero: error: cannot read manifest: a character "
                                       "device (manifests must be regular files)\n");
  }
  SUBCASE("a file over the size limit is not read") {
    const std::string big = dir.path + "/big.yaml";
    const int fd = ::open(big.c_str(), O_CREAT | O_WRONLY, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, static_cast<off_t>(kMaxManifestBytes + 1)) == 0);
    ::close(fd);
    CHECK(LoadErrors({big}) == big + ": error: manifest is larger than the limit of 67108864 bytes\n");
  }
  SUBCASE("a file that is no manifest is not echoed") {
    const std::string shadow = dir.path + "/shadow";
    std::ofstream(shadow) << "root:$6$s4lt$QWxhZGRpbjpvcGVuIHNlc2FtZQ:19000:0:99999:7:::\n"
                             "daemon:*:19000:0:99999:7:::\n"
                             "secretuser:${SECRET_HASH:19000:0:99999:7:::\n";
    // Each line reads as a top-level key ("root:...:7::" then ':'): one error, nothing quoted.
    CHECK(LoadErrors({shadow}) ==
          shadow + ":1:1: error: a top-level key that is not a name: is this file a manifest?\n");
    // A file of prose is one plain scalar.
    const std::string prose = dir.path + "/notes.txt";
    std::ofstream(prose) << "my password is hunter2\nand ${HOME is unterminated\n";
    CHECK(LoadErrors({prose}) == prose + ":1:1: error: expected a mapping for the top of the "
                                         "manifest, got a string (is this file a manifest?)\n");
  }
  SUBCASE("an unreadable file says why, without contents") {
    CHECK(LoadErrors({dir.path + "/absent.yaml"}) ==
          dir.path + "/absent.yaml: error: cannot read manifest: No such file or directory\n");
  }
}

TEST_CASE("config errors never quote a secret: schema-marked values, URL credentials") {
  TypeCatalog catalog = testing::TestCatalog();
  catalog.assets["x/client"] = {R"({"type": "object", "additionalProperties": false, "properties": {
      "api_key": {"type": "string", "minLength": 20, "x-assetflow-secret": true},
      "pin": {"type": "integer", "maximum": 9999, "writeOnly": true},
      "url": {"type": "string", "pattern": "^https://"}}})",
                                "1", false, {}, {"api_key", "pin"}};
  ManifestLoader loader([](const std::string&) { return std::nullopt; });
  REQUIRE(loader.ParseText(R"(assets:
  a:
    type: x/client
    config: { api_key: "sh0rt-key", pin: 123456, url: "http://me:pa55w0rd@h/?token=tok3n" }
)", "m.yaml"));
  Definitions defs;
  CHECK_FALSE(loader.Resolve(catalog, &defs));
  std::string out;
  for (const Diagnostic& d : loader.diagnostics()) out += d.ToString() + "\n";
  CHECK(out ==
        "m.yaml:4:24: error: config 'api_key': the secret value is shorter than the minimum length 20 "
        "for asset 'a' (x/client)\n"
        "m.yaml:4:42: error: config 'pin': the secret value is greater than the maximum 9999 for "
        "asset 'a' (x/client)\n"
        "m.yaml:4:55: error: config 'url': 'http://***@h/?token=***' does not match the pattern "
        "'^https://' for asset 'a' (x/client)\n");
}

TEST_CASE("an expansion error quotes the scalar with its URL credentials masked") {
  CHECK(TextErrors("assets:\n  a:\n    type: hackernews/top_stories\n"
                   "    config: { base_url: \"http://me:pa55w0rd@h/v0/${HN\" }\n") ==
        "m.yaml:4:25: error: unterminated '${' in 'http://***@h/v0/${HN'\n");
}

}  // namespace af
