#include "workspace/workspace.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "eventlog/test_util.h"
#include "staleness/test_util.h"

namespace af {
namespace {

namespace fs = std::filesystem;

using Indices = std::vector<size_t>;

// A folder with manifests/ (written by the test) and home/, removed with everything in it.
struct Folder {
  TempHome dir;
  std::string manifests = dir.path() + "/manifests";
  std::string home = dir.path() + "/home";

  Folder() { fs::create_directories(manifests); }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(manifests + "/" + name) << text;
  }
  WorkspaceOptions Options() const {
    WorkspaceOptions options;
    options.manifests = {manifests};
    options.plugin_dirs = {AF_PLUGIN_DIR};
    options.home = home;
    return options;
  }
};

std::optional<std::string> Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::optional<std::string>(value) : std::nullopt;
}

// Sets (or unsets, for nullopt) an environment variable for one scope, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value)
      : name_(name), old_(Env(name)) {
    Set(value);
  }
  ~ScopedEnv() { Set(old_); }

 private:
  void Set(const std::optional<std::string>& value) {
    if (value) {
      ::setenv(name_, value->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  const char* name_;
  std::optional<std::string> old_;
};

// What the process writes to stderr while `body` runs.
template <class Body>
std::string CaptureStderr(Body body) {
  std::fflush(stderr);
  FILE* capture = std::tmpfile();
  REQUIRE(capture != nullptr);
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(::fileno(capture), STDERR_FILENO);
  body();
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::rewind(capture);
  std::string text;
  for (int c; (c = std::fgetc(capture)) != EOF;) text += static_cast<char>(c);
  std::fclose(capture);
  return text;
}

std::string Format(const Diagnostics& diagnostics) {
  std::string s;
  for (const Diagnostic& d : diagnostics)
    s += (d.severity == Diagnostic::Severity::kWarning ? "warning: " : "") + d.ToString() + "\n";
  return s;
}

std::unique_ptr<Workspace> OpenOrFail(const WorkspaceOptions& options) {
  Diagnostics diagnostics;
  auto ws = Workspace::Open(options, &diagnostics);
  INFO(Format(diagnostics));
  REQUIRE_MESSAGE(ws.ok(), ws.status().message());
  CHECK(diagnostics.empty());
  return std::move(*ws);
}

const char* kChain = R"(assets:
  a: {type: examples/constant, group: g}
  b: {type: examples/constant, inputs: {x: a}, group: g}
  c: {type: examples/constant, inputs: {x: b}}
  d: {type: examples/constant}
)";

}  // namespace

TEST_CASE("Open loads manifests and plugins and builds the graph") {
  Folder f;
  f.Write("m.yaml", kChain);
  auto ws = OpenOrFail(f.Options());
  CHECK(ws->home() == f.home);
  CHECK(ws->options().manifests == std::vector<std::string>{f.manifests});
  CHECK(ws->definitions().files == std::vector<std::string>{f.manifests + "/m.yaml"});
  REQUIRE(ws->definitions().assets.size() == 4);
  CHECK(ws->definitions().assets[1].key == "b");
  CHECK(ws->graph().size() == 4);
  const AssetGraph::Indices up = ws->graph().Upstream(1);
  CHECK(Indices(up.begin(), up.end()) == Indices{0});
  CHECK(ws->plugins().FindAsset("examples/constant") != nullptr);
  CHECK(ws->plugin_errors().empty());
  // The default IO manager was added, and its type is loaded.
  CHECK(ws->definitions().resources.at("io_manager").type == "fs_io/fs_io_manager");
}

TEST_CASE("a bad manifest is an error value with file:line:col, and nothing is printed") {
  Folder f;
  f.Write("m.yaml", "assets:\n  a:\n    type: examples/constant\n    grup: g\n");
  f.Write("n.yaml", "assets:\n  b: {type: examples/constant, timout: 5s}\n");
  Diagnostics diagnostics;
  std::optional<Expected<std::unique_ptr<Workspace>>> ws;
  const std::string printed =
      CaptureStderr([&] { ws.emplace(Workspace::Open(f.Options(), &diagnostics)); });
  CHECK(printed == "");
  REQUIRE_FALSE(ws->ok());
  CHECK(ws->status().IsInvalidArgument());
  CHECK(ws->status().message() == f.manifests +
                                      "/m.yaml:4:5: error: unknown key 'grup' in asset 'a' (did "
                                      "you mean 'group'?) (and 1 more)");
  CHECK(Format(diagnostics) ==
        f.manifests + "/m.yaml:4:5: error: unknown key 'grup' in asset 'a' (did you mean 'group'?)\n" +
            f.manifests +
            "/n.yaml:2:32: error: unknown key 'timout' in asset 'b' (did you mean 'timeout'?)\n");
}

TEST_CASE("an unknown type is reported after the plugins loaded, at its place") {
  Folder f;
  f.Write("m.yaml", "assets:\n  a: {type: examples/constnt}\n");
  Diagnostics diagnostics;
  auto ws = Workspace::Open(f.Options(), &diagnostics);
  REQUIRE_FALSE(ws.ok());
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].location.ToString() == f.manifests + "/m.yaml:2:13");
  CHECK(diagnostics[0].suggestion == "examples/constant");
  CHECK(ws.status().message() == diagnostics[0].ToString());
}

TEST_CASE("${ASSETFLOW_HOME} expands to the resolved home; the environment is unchanged") {
  Folder f;
  f.Write("m.yaml", R"(resources:
  io_manager: {type: fs_io/fs_io_manager, config: {base_dir: "${ASSETFLOW_HOME}/storage"}}
assets:
  a: {type: examples/constant}
)");
  for (const std::optional<std::string>& env :
       {std::optional<std::string>(), std::optional<std::string>("/somewhere/else")}) {
    INFO(env.value_or("(unset)"));
    ScopedEnv scoped("ASSETFLOW_HOME", env);
    auto ws = OpenOrFail(f.Options());
    CHECK(ws->definitions().resources.at("io_manager").config_json ==
          R"({"base_dir":")" + f.home + R"(/storage","fsync":true})");
    CHECK(Env("ASSETFLOW_HOME") == env);
  }
}

TEST_CASE("ResolveHome: the option, else $ASSETFLOW_HOME, else ./.assetflow; absolute") {
  const std::string cwd = fs::current_path().string();
  CHECK(ResolveHome("/a/b/../c") == "/a/c");
  CHECK(ResolveHome("rel") == cwd + "/rel");
  {
    ScopedEnv env("ASSETFLOW_HOME", "/from/env");
    CHECK(ResolveHome("") == "/from/env");
    CHECK(ResolveHome("/given") == "/given");
  }
  {
    ScopedEnv env("ASSETFLOW_HOME", "");
    CHECK(ResolveHome("") == cwd + "/.assetflow");
  }
  ScopedEnv env("ASSETFLOW_HOME", std::nullopt);
  CHECK(ResolveHome("") == cwd + "/.assetflow");
}

TEST_CASE("a missing plugin directory is an error value") {
  Folder f;
  f.Write("m.yaml", kChain);
  WorkspaceOptions options = f.Options();
  options.plugin_dirs.push_back(f.dir.path() + "/no-such-dir");
  Diagnostics diagnostics;
  auto ws = Workspace::Open(options, &diagnostics);
  REQUIRE_FALSE(ws.ok());
  CHECK(ws.status().IsNotFound());
  const std::string expected =
      f.dir.path() + "/no-such-dir: error: plugin directory does not exist (--plugin-dir)";
  CHECK(ws.status().message() == expected);
  CHECK(Format(diagnostics) == expected + "\n");
}

TEST_CASE("a broken plugin is a warning, or an error when strict") {
  Folder f;
  f.Write("m.yaml", kChain);
  const std::string bad_dir = f.dir.path() + "/bad-plugins";
  fs::create_directories(bad_dir);
  std::ofstream(bad_dir + "/broken.so") << "not an ELF file";
  WorkspaceOptions options = f.Options();
  options.plugin_dirs.push_back(bad_dir);

  Diagnostics warnings;
  auto ws = Workspace::Open(options, &warnings);
  REQUIRE_MESSAGE(ws.ok(), ws.status().message());
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].severity == Diagnostic::Severity::kWarning);
  CHECK(warnings[0].location.file == bad_dir + "/broken.so");
  REQUIRE((*ws)->plugin_errors().size() == 1);
  CHECK((*ws)->plugin_errors()[0].message == warnings[0].message);

  options.strict_plugins = true;
  Diagnostics errors;
  auto strict = Workspace::Open(options, &errors);
  REQUIRE_FALSE(strict.ok());
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].severity == Diagnostic::Severity::kError);
  CHECK(strict.status().message() == errors[0].ToString());
}

TEST_CASE("a cycle is a graph error without a location") {
  Folder f;
  f.Write("m.yaml", R"(assets:
  a: {type: examples/constant, inputs: {x: b}}
  b: {type: examples/constant, inputs: {x: a}}
)");
  Diagnostics diagnostics;
  auto ws = Workspace::Open(f.Options(), &diagnostics);
  REQUIRE_FALSE(ws.ok());
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].location.file == "");
  CHECK(diagnostics[0].ToString().rfind("error: ", 0) == 0);
  CHECK(ws.status().message() == diagnostics[0].ToString());
}

// a -> b -> c, and d alone; indices follow the keys.
struct SelectionFixture {
  Folder f;
  std::unique_ptr<Workspace> ws;
  std::unique_ptr<EventLog> log;
  int64_t clock_ms = 1000;

  SelectionFixture() {
    f.Write("m.yaml", kChain);
    ws = OpenOrFail(f.Options());
    log = OpenTestLog(ws->home());
  }
  Indices Select(const SelectionRequest& request) {
    auto selected = ResolveSelection(*ws, *log, request);
    REQUIRE_MESSAGE(selected.ok(), selected.status().message());
    return *selected;
  }
  std::string Error(const SelectionRequest& request) {
    auto selected = ResolveSelection(*ws, *log, request);
    REQUIRE_FALSE(selected.ok());
    CHECK(selected.status().IsInvalidArgument());
    return selected.status().message();
  }
  void Materialize(const std::string& key, const std::string& data_version) {
    const std::string run_id = "run-" + std::to_string(clock_ms);
    testing::RecordSuccess(*log, *ws->definitions().FindAsset(key), run_id, ++clock_ms,
                           data_version);
  }
  void Fail(const std::string& key) {
    const std::string run_id = "run-" + std::to_string(clock_ms);
    testing::RecordFailure(*log, key, run_id, ++clock_ms, "boom");
  }
};

TEST_CASE("ResolveSelection: all, expressions, and the request's errors") {
  SelectionFixture s;
  CHECK(s.Select({.all = true}) == Indices{0, 1, 2, 3});
  CHECK(s.Select({.expression = "b+"}) == Indices{1, 2});
  CHECK(s.Select({.expression = "group:g"}) == Indices{0, 1});
  CHECK(s.Select({.expression = "c", .with_upstream = true}) == Indices{0, 1, 2});
  CHECK(s.Error({}) ==
        "nothing selected: use --all, --select EXPR, or --missing / --stale / --failed");
  CHECK(s.Error({.all = true, .expression = "a"}) == "--all and --select exclude each other");
  CHECK(s.Error({.expression = "bb"}) ==
        "--select: unknown asset 'bb' at column 1 (did you mean 'b'?)");
}

TEST_CASE("ResolveSelection by status: missing, stale (and what is downstream), failed") {
  SelectionFixture s;
  CHECK(s.Select({.missing = true}) == Indices{0, 1, 2, 3});
  CHECK(s.Select({.expression = "c", .missing = true}) == Indices{2});
  CHECK(s.Select({.expression = "c", .missing = true, .with_upstream = true}) ==
        Indices{0, 1, 2});

  for (const char* key : {"a", "b", "c", "d"}) s.Materialize(key, std::string(64, '1'));
  CHECK(s.Select({.missing = true}) == Indices{});
  CHECK(s.Select({.missing = true, .stale = true, .failed = true}) == Indices{});

  // A new data version of a makes b stale; c is run too, since b's next version makes it so.
  s.Materialize("a", std::string(64, '2'));
  CHECK(s.Select({.stale = true}) == Indices{1, 2});
  CHECK(s.Select({.expression = "c", .stale = true}) == Indices{2});
  CHECK(s.Select({.expression = "group:g", .stale = true}) == Indices{1});
  CHECK(s.Select({.stale = true, .with_upstream = true}) == Indices{0, 1, 2});
  CHECK(s.Select({.missing = true, .stale = true}) == Indices{1, 2});

  s.Fail("d");
  CHECK(s.Select({.failed = true}) == Indices{3});
  CHECK(s.Select({.stale = true, .failed = true}) == Indices{1, 2, 3});
  CHECK(s.Select({.all = true, .failed = true}) == Indices{3});
  s.Materialize("d", std::string(64, '3'));
  CHECK(s.Select({.failed = true}) == Indices{});
}

TEST_CASE("SelectionText spells the request as the CLI's flags") {
  CHECK(SelectionText({.all = true}) == "--all");
  CHECK(SelectionText({.expression = "group:g", .stale = true, .with_upstream = true}) ==
        "group:g --stale --with-upstream");
  CHECK(SelectionText({.missing = true, .failed = true}) == "--missing --failed");
  CHECK(SelectionText({}) == "");
}

}  // namespace af
