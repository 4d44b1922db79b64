// Runs the hostile-input catalog (catalog_cases.cc): every case on its own copy of a seeded
// home, through the real `assetflow` binary, asserting its exit code, its error fragment, and
// that nothing it must not touch changed.
#include <doctest/doctest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sqlite3.h>

#include <map>
#include <set>

#include "hostile/catalog.h"

namespace hostile {
namespace fs = std::filesystem;

bool IsValidJsonLines(const std::string& text) {
  for (const std::string& line : af_test::Lines(text)) {
    if (line.empty()) continue;
    rapidjson::Document d;
    d.Parse<rapidjson::kParseValidateEncodingFlag>(line.c_str(), line.size());
    if (d.HasParseError()) return false;
  }
  return true;
}

std::string ReadStored(const Outcome& o, const std::string& key) {
  return af_test::ReadFile(o.home + "/storage/" + key);
}

namespace {

// $AF_HOSTILE_ASSETFLOW and $AF_HOSTILE_PLUGIN_DIR run the catalog against another build (an
// older one, to see which cases it fails); by default, this build's binary and plugins.
std::string Binary() {
  const char* env = std::getenv("AF_HOSTILE_ASSETFLOW");
  return env && *env ? env : AF_ASSETFLOW;
}
std::string PluginDir() {
  const char* env = std::getenv("AF_HOSTILE_PLUGIN_DIR");
  return env && *env ? env : AF_PLUGIN_DIR;
}

const char* kSeedManifest = R"(assets:
  seed: { type: examples/constant, config: { value: "kept" } }
)";

// What a case must not change: every stored file, and the event log's rows.
struct Snapshot {
  std::map<std::string, std::string> storage;
  std::map<std::string, int64_t> rows;  // table -> count
  std::string materializations;         // every row, as text
  bool operator==(const Snapshot&) const = default;
};

int64_t Query(sqlite3* db, const std::string& sql, std::string* text = nullptr) {
  sqlite3_stmt* st = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return -1;
  while (sqlite3_step(st) == SQLITE_ROW) {
    n = sqlite3_column_int64(st, 0);
    if (text) {
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        const unsigned char* v = sqlite3_column_text(st, c);
        *text += v ? reinterpret_cast<const char*>(v) : "NULL";
        *text += '|';
      }
      *text += '\n';
    }
  }
  sqlite3_finalize(st);
  return n;
}

Snapshot Take(const std::string& home) {
  Snapshot s;
  std::error_code ec;
  if (fs::is_directory(home + "/storage", ec)) {
    for (auto it = fs::recursive_directory_iterator(home + "/storage", ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file()) s.storage[it->path().string()] = af_test::ReadFile(it->path());
      else if (it->is_directory()) s.storage[it->path().string() + "/"] = "";
    }
  }
  sqlite3* db = nullptr;
  // `immutable`: a plain read-only open of a WAL database creates -shm and -wal files, which
  // would make the home differ from what assetflow left (and a read-only home readable by
  // accident). assetflow checkpoints its WAL when it exits, so the main file holds every row.
  if (sqlite3_open_v2(("file:" + home + "/assetflow.db?immutable=1").c_str(), &db,
                      SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) == SQLITE_OK) {
    for (const char* table : {"runs", "events", "materializations", "last_attempts"})
      s.rows[table] = Query(db, std::string("SELECT count(*) FROM ") + table);
    Query(db, "SELECT * FROM materializations ORDER BY rowid", &s.materializations);
  }
  sqlite3_close(db);
  return s;
}

// A home with `seed` materialized once, copied for every case.
class Seed {
 public:
  Seed() {
    std::ofstream(dir_.path + "/m.yaml") << kSeedManifest;
    auto r = af_test::Wait(af_test::Spawn(
        {Binary(), "--home", dir_.path + "/home", "--manifest", dir_.path + "/m.yaml",
         "--plugin-dir", PluginDir(), "materialize", "--all"},
        dir_.path + "/out", dir_.path + "/err"));
    REQUIRE(r.exit_code == 0);
    REQUIRE(af_test::ReadFile(dir_.path + "/home/storage/seed") == "kept");
  }
  const std::string home() const { return dir_.path + "/home"; }

 private:
  af_test::TempDir dir_{"af_hostile_seed"};
};

std::string WithDir(std::string s, const std::string& dir) {
  for (size_t at; (at = s.find("{DIR}")) != std::string::npos;) s.replace(at, 5, dir);
  return s;
}

void RunCase(const Case& c, const Seed& seed) {
  if (!c.needs.empty() && std::system((c.needs + " >/dev/null 2>&1").c_str()) != 0) {
    MESSAGE("skipped (needs `" << c.needs << "`): " << c.name);
    return;
  }
  af_test::TempDir dir("af_hostile");
  const std::string home = dir.path + "/home";
  fs::copy(seed.home(), home, fs::copy_options::recursive);
  std::ofstream(dir.path + "/m.yaml", std::ios::binary) << c.manifest;
  if (c.prepare) c.prepare(dir.path);
  const Snapshot before = Take(home);

  std::vector<std::string> argv;
  for (const std::string& w : c.wrapper) argv.push_back(WithDir(w, dir.path));
  if (c.bare) {
    argv.push_back(Binary());
  } else {
    argv.insert(argv.end(), {Binary(), "--home", home, "--manifest", dir.path + "/m.yaml",
                             "--plugin-dir", PluginDir(), "--plugin-dir", AF_HOSTILE_PLUGIN_DIR});
  }
  for (const std::string& a : c.args) argv.push_back(WithDir(a, dir.path));
  Outcome o;
  o.dir = dir.path;
  o.home = home;
  o.result = af_test::WaitAtMost(af_test::Spawn(argv, dir.path + "/out", dir.path + "/err"),
                                 c.max_seconds);
  const std::string both = o.result.out + o.result.err;
  INFO("stdout: " << o.result.out);
  INFO("stderr: " << o.result.err);
  CHECK_FALSE(o.result.timed_out);
  CHECK(o.result.exit_code == c.exit_code);
  if (!c.fragment.empty()) CHECK_MESSAGE(both.find(c.fragment) != std::string::npos, c.fragment);
  if (!c.absent.empty()) CHECK(both.find(c.absent) == std::string::npos);
  const Snapshot after = Take(home);
  switch (c.changes) {
    case Changes::kNothing:
      CHECK(after == before);
      break;
    case Changes::kRunRecorded:
      CHECK(after.storage == before.storage);
      CHECK(after.materializations == before.materializations);
      CHECK(after.rows.at("runs") <= before.rows.at("runs") + 1);
      break;
    case Changes::kStored:
      CHECK(after.storage.at(home + "/storage/seed") == "kept");
      break;
  }
  if (c.check) c.check(o);
}

void RunAll(const std::vector<Case>& cases) {
  // Inherited as ignored: a write past RLIMIT_FSIZE then fails with EFBIG instead of killing.
  ::signal(SIGXFSZ, SIG_IGN);
  static const Seed seed;
  for (const Case& c : cases) {
    SUBCASE(c.name.c_str()) { RunCase(c, seed); }
  }
}

}  // namespace

TEST_CASE("hostile manifests") { RunAll(ManifestCases()); }
TEST_CASE("hostile selections") { RunAll(SelectionCases()); }
TEST_CASE("hostile command lines") { RunAll(CommandLineCases()); }
TEST_CASE("hostile plugins") { RunAll(PluginCases()); }
TEST_CASE("hostile stored data") { RunAll(StoredCases()); }
TEST_CASE("hostile HN servers") {
  const Server server;
  RunAll(ServerCases(Env{server}));
}

TEST_CASE("the catalog holds at least 100 cases, each named once") {
  const Server server;
  std::vector<std::vector<Case>> families = {ManifestCases(), SelectionCases(), CommandLineCases(),
                                             PluginCases(),   StoredCases(),    ServerCases(Env{server})};
  std::set<std::string> names;
  size_t total = 0;
  for (const auto& family : families) {
    MESSAGE("family of " << family.size() << " cases, first: " << family.front().name);
    for (const Case& c : family) {
      INFO(c.name);
      CHECK(names.insert(c.name).second);
      CHECK((c.exit_code == 0 || !c.fragment.empty()));  // every failure names its error
      ++total;
    }
  }
  MESSAGE("catalog cases: " << total);
  CHECK(total >= 100);
}

}  // namespace hostile
