// fs_io's contract through the SDK harness (no host), against real files in a temp directory.
#include <assetflow/testing/harness.hpp>
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

extern "C" const af_plugin_entry* assetflow_plugin_entry(void);

namespace {

namespace fs = std::filesystem;
using assetflow::testing::IoRun;

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/fs_io_test.XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every entry under `dir`, recursively, as relative paths (to catch stray temp files).
std::vector<std::string> Tree(const fs::path& dir) {
  std::vector<std::string> out;
  for (auto& e : fs::recursive_directory_iterator(dir)) out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("fs_io: the plugin lists both IO managers with schemas") {
  const af_plugin_entry* e = assetflow_plugin_entry();
  REQUIRE(e != nullptr);
  CHECK(std::string(e->name) == "fs_io");
  REQUIRE(e->io_manager_count == 2);
  CHECK(std::string(e->io_managers[0]->name) == "fs_io_manager");
  CHECK(std::string(e->io_managers[1]->name) == "file_writer");
  for (uint32_t i = 0; i < 2; ++i) {
    rapidjson::Document d;
    d.Parse(e->io_managers[i]->config_schema);
    CHECK_FALSE(d.HasParseError());
  }
}

TEST_CASE("fs_io_manager: stores at <base_dir>/<key segments>, reads back, wipes") {
  TempDir t;
  IoRun io(assetflow_plugin_entry(), "fs_io_manager");
  io.config(R"({"base_dir":")" + t.path.string() + R"("})").key("hn/top/stories");
  REQUIRE(io.store("hello world") == AF_OK);
  CHECK(ReadFile(t.path / "hn/top/stories") == "hello world");
  CHECK(Tree(t.path) == std::vector<std::string>{"hn", "hn/top", "hn/top/stories"});
  const auto* path = io.result().find("path");
  REQUIRE(path != nullptr);
  CHECK(path->type == AF_META_PATH);
  CHECK(path->value == (t.path / "hn/top/stories").string());
  const auto* bytes = io.result().find("bytes");
  REQUIRE(bytes != nullptr);
  CHECK(bytes->type == AF_META_INT);
  CHECK(bytes->value == "11");

  std::string back;
  CHECK(io.load(back) == AF_OK);
  CHECK(back == "hello world");

  CHECK(io.wipe() == AF_OK);
  CHECK(Tree(t.path).empty());  // the file and the directories it left empty
  CHECK(io.load(back) == AF_ERR_NOT_FOUND);
  CHECK(io.result().error == "asset 'hn/top/stories' is not stored at '" +
                                 (t.path / "hn/top/stories").string() + "'");
  CHECK(io.wipe() == AF_OK);  // wiping what is not there is fine
}

TEST_CASE("fs_io_manager: default base_dir is <home>/storage") {
  TempDir t;
  IoRun io(assetflow_plugin_entry(), "fs_io_manager");
  io.key("a");
  io.harness().home = t.path.string();
  REQUIRE(io.store("x") == AF_OK);
  CHECK(ReadFile(t.path / "storage/a") == "x");
}

TEST_CASE("fs_io_manager: an aborted write leaves the previous version and no temp file") {
  TempDir t;
  IoRun io(assetflow_plugin_entry(), "fs_io_manager");
  io.config(R"({"base_dir":")" + t.path.string() + R"(","fsync":false})").key("a");
  REQUIRE(io.store("version 1") == AF_OK);
  REQUIRE(io.store("version 2, never committed", /*commit=*/false) == AF_OK);
  CHECK(ReadFile(t.path / "a") == "version 1");
  CHECK(Tree(t.path) == std::vector<std::string>{"a"});
  REQUIRE(io.store("version 3") == AF_OK);
  CHECK(ReadFile(t.path / "a") == "version 3");
}

TEST_CASE("fs_io_manager: a temp file stays invisible until commit") {
  TempDir t;
  const af_plugin_entry* e = assetflow_plugin_entry();
  const af_io_manager_descriptor* d = assetflow::testing::find_io_manager(e, "fs_io_manager");
  IoRun io(e, "fs_io_manager");
  io.config(R"({"base_dir":")" + t.path.string() + R"("})").key("k");
  REQUIRE(io.store("old") == AF_OK);
  af_ostream w{};
  REQUIRE(d->open_writer(d, io.harness().context(), &w) == AF_OK);
  CHECK(w.write(&w, "new!", 4) == 4);
  CHECK(ReadFile(t.path / "k") == "old");  // a reader still sees the whole old version
  CHECK(Tree(t.path).size() == 2);         // k and its hidden temp file
  REQUIRE(d->commit_writer(d, io.harness().context(), &w) == AF_OK);
  CHECK(ReadFile(t.path / "k") == "new!");
  CHECK(Tree(t.path) == std::vector<std::string>{"k"});
}

TEST_CASE("fs_io_manager: an unwritable base_dir is an IO error naming the path") {
  IoRun io(assetflow_plugin_entry(), "fs_io_manager");
  io.config(R"({"base_dir":"/proc/assetflow-no-such-dir"})").key("a");
  CHECK(io.store("x") == AF_ERR_IO);
  CHECK(io.result().error.find("/proc/assetflow-no-such-dir") != std::string::npos);
}

TEST_CASE("file_writer: writes the configured path atomically; loading is a clear error") {
  TempDir t;
  IoRun io(assetflow_plugin_entry(), "file_writer");
  const fs::path out = t.path / "reports/output.md";
  io.config(R"({"path":")" + out.string() + R"("})").key("hackernews_wordcloud");
  REQUIRE(io.store("# report") == AF_OK);
  CHECK(ReadFile(out) == "# report");
  CHECK(io.result().find("bytes")->value == "8");
  std::string back;
  CHECK(io.load(back) == AF_ERR_UNSUPPORTED);
  CHECK(io.result().error ==
        "file_writer is a write-only IO manager: hackernews_wordcloud cannot be loaded from it; "
        "materialize it in the same run as its downstream assets, or give it an io_manager that "
        "can load");
  CHECK(io.wipe() == AF_OK);
  CHECK_FALSE(fs::exists(out));
  CHECK(fs::is_directory(t.path / "reports"));  // the user's directory stays
}

TEST_CASE("file_writer: a relative path is relative to the working directory") {
  TempDir t;
  const fs::path cwd = fs::current_path();
  fs::current_path(t.path);
  IoRun io(assetflow_plugin_entry(), "file_writer");
  io.config(R"({"path":"out.txt"})").key("a");
  af_status s = io.store("relative");
  fs::current_path(cwd);
  REQUIRE(s == AF_OK);
  CHECK(ReadFile(t.path / "out.txt") == "relative");
}
