#include "manifest/manifest_loader.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "manifest/manifest_test_util.h"

namespace af {
namespace {

namespace fs = std::filesystem;

const char* kHackerNews = R"(
resources:
  io_manager:
    type: fs_io/fs_io_manager
    config: { base_dir: "${ASSETFLOW_HOME}/storage" }
  hn_io_manager:
    type: fs_io/file_writer
    config: { path: output.md }
    description: the report goes to a file
assets:
  hackernews_source_data:
    type: hackernews/top_stories
    config: { count: 100, base_url: "${HN_API_URL:-https://hacker-news.firebaseio.com/v0}" }
    group: hackernews
    tags: { team: data, tier: 1 }
    owners: [team:data, "alice@example.com", team:data]
    kinds: [python, http]
  hackernews_wordcloud:
    type: wordcloud/markdown_report
    inputs: { stories: hackernews_source_data, extra: reports/stopwords }
    config: { width: 640, extra_stopwords: [Ask, Show, HN] }
    code_version: "2"
    description: a wordcloud of the titles
    retry_policy: { max_retries: 5, delay: 5s, backoff: exponential, jitter: plus_minus }
    freshness_policy: { maximum_lag_minutes: 30, cron_schedule: "0 * * * *" }
    io_manager: hn_io_manager
  reports/stopwords:
    type: examples/constant
)";

Definitions Load(ManifestLoader& loader, const TypeCatalog& catalog) {
  Definitions defs;
  bool ok = loader.Resolve(catalog, &defs);
  INFO(FormatDiagnostics(loader.diagnostics()));
  CHECK(ok);
  return defs;
}

// A fresh, empty directory under the system temp dir, removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("af_manifest_test_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
  }
};

}  // namespace

TEST_CASE("the Hacker News manifest resolves into complete definitions") {
  ManifestLoader loader(testing::MapEnv({{"ASSETFLOW_HOME", "/home/af"}}));
  REQUIRE(loader.ParseText(kHackerNews, "m.yaml"));
  Definitions defs = Load(loader, testing::TestCatalog());

  REQUIRE(defs.assets.size() == 3);
  CHECK(defs.assets[0].key == "hackernews_source_data");
  CHECK(defs.assets[1].key == "hackernews_wordcloud");
  CHECK(defs.assets[2].key == "reports/stopwords");
  CHECK(defs.IndexOf("hackernews_source_data") == 0u);
  CHECK(defs.IndexOf("reports/stopwords") == 2u);
  CHECK(defs.FindAsset("reports/stopwords") == &defs.assets[2]);
  // Before the first key, between two, a prefix of one, past the last: absent.
  for (const char* absent : {"", "a", "hackernews", "nope", "reports", "zzz"}) {
    CAPTURE(absent);
    CHECK_FALSE(defs.IndexOf(absent).has_value());
    CHECK(defs.FindAsset(absent) == nullptr);
  }
  CHECK(defs.files == std::vector<std::string>{"m.yaml"});

  const AssetDef& source = *defs.FindAsset("hackernews_source_data");
  CHECK(source.type == "hackernews/top_stories");
  CHECK(source.segments() == std::vector<std::string_view>{"hackernews_source_data"});
  // Defaults filled, keys sorted, the env default used.
  CHECK(source.config_json ==
        R"({"base_url":"https://hacker-news.firebaseio.com/v0","concurrency":16,"count":100})");
  CHECK(source.group == "hackernews");
  CHECK(source.details().tags ==
        std::map<std::string, std::string>{{"team", "data"}, {"tier", "1"}});
  // Sorted, duplicates dropped; an asset without them has none.
  CHECK(source.details().owners == std::vector<std::string>{"alice@example.com", "team:data"});
  CHECK(source.details().kinds == std::vector<std::string>{"http", "python"});
  CHECK(defs.assets[1].details().owners.empty());
  CHECK(source.code_version == "1");  // the definition's
  // the catalog's
  CHECK(source.unversioned_config_keys() == std::vector<std::string>{"concurrency"});
  CHECK(source.io_manager_key == "io_manager");
  CHECK(source.retry_policy == nullptr);
  CHECK_FALSE(source.details().freshness_policy.has_value());
  CHECK(source.location.ToString() == "m.yaml:11:3");
  CHECK(source.type_location.ToString() == "m.yaml:12:11");

  const AssetDef& cloud = *defs.FindAsset("hackernews_wordcloud");
  REQUIRE(cloud.inputs.size() == 2);
  CHECK(cloud.inputs[0].name == "extra");  // sorted by name
  CHECK(cloud.inputs[0].asset_key == "reports/stopwords");
  CHECK(cloud.inputs[1].name == "stories");
  CHECK(cloud.inputs[1].asset_key == "hackernews_source_data");
  CHECK(cloud.inputs[1].location.ToString() == "m.yaml:20:24");
  CHECK(cloud.config_json ==
        R"({"extra_stopwords":["Ask","Show","HN"],"font":{"family":"DejaVu Sans","size":12},)"
        R"("format":"png","height":800,"width":640})");
  CHECK(cloud.code_version == "2");  // the manifest's wins
  CHECK(cloud.unversioned_config_keys().empty());
  CHECK(cloud.details().description == "a wordcloud of the titles");
  CHECK(cloud.group == "default");
  REQUIRE(cloud.retry_policy != nullptr);
  CHECK(cloud.retry_policy->max_retries == 5);
  CHECK(cloud.retry_policy->delay_seconds == 5);
  CHECK(cloud.retry_policy->backoff == RetryPolicy::Backoff::kExponential);
  CHECK(cloud.retry_policy->jitter == RetryPolicy::Jitter::kPlusMinus);
  REQUIRE(cloud.details().freshness_policy.has_value());
  CHECK(cloud.details().freshness_policy->maximum_lag_minutes == 30);
  CHECK(cloud.details().freshness_policy->cron_schedule == "0 * * * *");
  CHECK(cloud.io_manager_key == "hn_io_manager");

  const AssetDef& stopwords = *defs.FindAsset("reports/stopwords");
  CHECK(stopwords.segments() == std::vector<std::string_view>{"reports", "stopwords"});
  CHECK(stopwords.config_json == "{}");
  CHECK(stopwords.code_version == "7");

  REQUIRE(defs.resources.size() == 2);
  CHECK(defs.resources.at("io_manager").config_json == R"({"base_dir":"/home/af/storage"})");
  CHECK(defs.resources.at("io_manager").type == "fs_io/fs_io_manager");
  CHECK(defs.resources.at("hn_io_manager").config_json == R"({"path":"output.md"})");
  CHECK(defs.resources.at("hn_io_manager").description == "the report goes to a file");
  CHECK(defs.resources.at("hn_io_manager").location.ToString() == "m.yaml:6:3");
  CHECK(defs.resources.at("hn_io_manager").type_location.ToString() == "m.yaml:7:11");
}

TEST_CASE("defaults fill nested objects, given or not") {
  ManifestLoader loader;
  REQUIRE(loader.ParseText(R"(
assets:
  given: {type: wordcloud/markdown_report, config: {font: {size: 9.5}}}
  absent: {type: wordcloud/markdown_report}
)",
                           "m.yaml"));
  Definitions defs = Load(loader, testing::TestCatalog());
  CHECK(defs.FindAsset("given")->config_json ==
        R"({"extra_stopwords":[],"font":{"family":"DejaVu Sans","size":9.5},"format":"png",)"
        R"("height":800,"width":800})");
  CHECK(defs.FindAsset("absent")->config_json ==
        R"({"extra_stopwords":[],"font":{"family":"DejaVu Sans","size":12},"format":"png",)"
        R"("height":800,"width":800})");
}

TEST_CASE("several files merge, and inputs may cross files") {
  ManifestLoader loader;
  REQUIRE(loader.ParseText("assets:\n  b: {type: examples/constant}\n", "one.yaml"));
  REQUIRE(
      loader.ParseText("assets:\n  a:\n    type: wordcloud/markdown_report\n"
                       "    inputs: {x: b}\n",
                       "two.yaml"));
  Definitions defs = Load(loader, testing::TestCatalog());
  REQUIRE(defs.assets.size() == 2);
  CHECK(defs.assets[0].key == "a");
  CHECK(defs.assets[0].location.ToString() == "two.yaml:2:3");
  CHECK(defs.assets[1].key == "b");
  CHECK(defs.files == std::vector<std::string>{"one.yaml", "two.yaml"});
}

TEST_CASE("a duplicate asset across files names both places") {
  ManifestLoader loader;
  CHECK(loader.ParseText("assets:\n  b: {type: examples/constant}\n", "one.yaml"));
  CHECK_FALSE(loader.ParseText("# again\nassets:\n  b: {type: examples/constant}\n", "two.yaml"));
  CHECK(FormatDiagnostics(loader.diagnostics()) ==
        "two.yaml:3:3: error: duplicate asset 'b' (first defined at one.yaml:2:3)\n");
}

TEST_CASE("environment variables expand in every scalar, with defaults and $$") {
  ManifestLoader loader(testing::MapEnv({{"COUNT", "42"}, {"GROUP", "hn"}, {"EMPTY", ""}}));
  REQUIRE(loader.ParseText(R"(
assets:
  a:
    type: examples/anything
    group: ${GROUP}
    description: "costs $$5, ${EMPTY:-nothing}"
    config:
      plain_number: ${COUNT}
      quoted_number: "${COUNT}"
      fallback: ${NOT_SET:-7}
      url: ${NOT_SET:-http://localhost:8080/v0}
      ${COUNT}: keys are not expanded
)",
                           "m.yaml"));
  Definitions defs = Load(loader, testing::TestCatalog());
  const AssetDef& a = defs.assets.at(0);
  CHECK(a.group == "hn");
  CHECK(a.details().description == "costs $5, nothing");
  CHECK(a.config_json == R"({"${COUNT}":"keys are not expanded","fallback":7,"plain_number":42,)"
                         R"("quoted_number":"42","url":"http://localhost:8080/v0"})");
}

TEST_CASE("config scalars follow the YAML 1.2 core schema; quoted ones stay strings") {
  ManifestLoader loader;
  REQUIRE(loader.ParseText(R"(
assets:
  a:
    type: examples/anything
    config:
      int: 12
      hex: 0x10
      float: 1.5
      bools: [true, False, "true"]
      nulls: [~, null, ]
      yes: yes
      quoted: '12'
      block: |
        two
        lines
      nested: {list: [1, {k: v}], empty: {}}
)",
                           "m.yaml"));
  Definitions defs = Load(loader, testing::TestCatalog());
  CHECK(defs.assets.at(0).config_json ==
        R"({"block":"two\nlines\n","bools":[true,false,"true"],"float":1.5,"hex":16,"int":12,)"
        R"("nested":{"empty":{},"list":[1,{"k":"v"}]},"nulls":[null,null],"quoted":"12",)"
        R"("yes":"yes"})");
}

TEST_CASE("anchors and aliases share nodes; several YAML documents in one file") {
  ManifestLoader loader;
  REQUIRE(loader.ParseText(R"(
assets:
  a:
    type: hackernews/top_stories
    config: &small {count: 5}
    tags: &tags {team: data}
  b:
    type: hackernews/top_stories
    config: *small
    tags: *tags
---
assets:
  c: {type: examples/constant}
)",
                           "m.yaml"));
  Definitions defs = Load(loader, testing::TestCatalog());
  REQUIRE(defs.assets.size() == 3);
  CHECK(defs.assets[0].config_json == defs.assets[1].config_json);
  CHECK(defs.assets[1].config_json ==
        R"({"base_url":"https://hacker-news.firebaseio.com/v0","concurrency":16,"count":5})");
  CHECK(defs.assets[1].details().tags.at("team") == "data");
  CHECK(defs.assets[2].key == "c");
}

TEST_CASE("merge keys share settings; x- keys at the top level hold the anchors") {
  ManifestLoader loader;
  REQUIRE(loader.ParseText(R"(
x-hackernews: &hn
  type: hackernews/top_stories
  group: hn
  tags: {team: data}
  config: &small {count: 5}
x-retry: &retry {retry_policy: {max_retries: 2}}
assets:
  a:
    <<: *hn
  b:
    <<: [*hn, *retry]
    group: other
    config: {<<: *small, concurrency: 2}
)",
                           "m.yaml"));
  Definitions defs = Load(loader, testing::TestCatalog());
  const AssetDef& a = *defs.FindAsset("a");
  CHECK(a.type == "hackernews/top_stories");
  CHECK(a.group == "hn");
  CHECK(a.details().tags.at("team") == "data");
  CHECK(a.config_json ==
        R"({"base_url":"https://hacker-news.firebaseio.com/v0","concurrency":16,"count":5})");
  CHECK(a.type_location.ToString() == "m.yaml:3:9");  // where the shared value is written
  const AssetDef& b = *defs.FindAsset("b");
  CHECK(b.group == "other");
  CHECK(b.retry_policy->max_retries == 2);
  CHECK(b.config_json ==
        R"({"base_url":"https://hacker-news.firebaseio.com/v0","concurrency":2,"count":5})");
}

TEST_CASE("retry delays accept seconds and duration strings") {
  ManifestLoader loader;
  REQUIRE(loader.ParseText(R"(
assets:
  s: {type: examples/constant, retry_policy: {max_retries: 1, delay: 5s, backoff: linear}}
  m: {type: examples/constant, retry_policy: {max_retries: 0, delay: 2m, jitter: full}}
  ms: {type: examples/constant, retry_policy: {max_retries: 2, delay: 500ms}}
  n: {type: examples/constant, retry_policy: {max_retries: 3, delay: 7}}
  none: {type: examples/constant, retry_policy: {max_retries: 4}}
)",
                           "m.yaml"));
  Definitions defs = Load(loader, testing::TestCatalog());
  CHECK(defs.FindAsset("s")->retry_policy->delay_seconds == 5);
  CHECK(defs.FindAsset("s")->retry_policy->backoff == RetryPolicy::Backoff::kLinear);
  CHECK(defs.FindAsset("m")->retry_policy->delay_seconds == 120);
  CHECK(defs.FindAsset("m")->retry_policy->jitter == RetryPolicy::Jitter::kFull);
  CHECK(defs.FindAsset("ms")->retry_policy->delay_seconds == 0.5);
  CHECK(defs.FindAsset("n")->retry_policy->delay_seconds == 7);
  CHECK(defs.FindAsset("n")->retry_policy->max_retries == 3);
  CHECK(defs.FindAsset("none")->retry_policy->delay_seconds == 0);
  CHECK(defs.FindAsset("none")->retry_policy->backoff == RetryPolicy::Backoff::kNone);
}

TEST_CASE("isolation, timeout and max_rss_mb parse; unset, they are the defaults") {
  ManifestLoader loader;
  REQUIRE(loader.ParseText(R"(
assets:
  inproc: {type: examples/constant, isolation: in_process, timeout: 500ms, max_rss_mb: 512}
  proc: {type: examples/constant, isolation: process, timeout: 2m}
  plain: {type: examples/constant, timeout: 30, max_rss_mb: 1}
  unset: {type: examples/constant}
)",
                           "m.yaml"));
  Definitions defs = Load(loader, testing::TestCatalog());
  const AssetDef& inproc = *defs.FindAsset("inproc");
  CHECK(inproc.isolation == AssetDef::Isolation::kInProcess);
  CHECK(inproc.details().timeout_seconds == 0.5);
  CHECK(inproc.details().max_rss_mb == 512);
  const AssetDef& proc = *defs.FindAsset("proc");
  CHECK(proc.isolation == AssetDef::Isolation::kProcess);
  CHECK(proc.details().timeout_seconds == 120);
  CHECK_FALSE(proc.details().max_rss_mb.has_value());
  const AssetDef& plain = *defs.FindAsset("plain");
  CHECK(plain.isolation == AssetDef::Isolation::kDefault);
  CHECK(plain.details().timeout_seconds == 30);
  CHECK(plain.details().max_rss_mb == 1);
  const AssetDef& unset = *defs.FindAsset("unset");
  CHECK(unset.isolation == AssetDef::Isolation::kDefault);
  CHECK_FALSE(unset.details().timeout_seconds.has_value());
  CHECK_FALSE(unset.details().max_rss_mb.has_value());
}

TEST_CASE("the default io_manager is added from the catalog, with its schema's defaults") {
  ManifestLoader loader;
  REQUIRE(loader.ParseText("assets:\n  a: {type: examples/constant}\n", "m.yaml"));
  Definitions defs = Load(loader, testing::TestCatalog());
  REQUIRE(defs.resources.count("io_manager") == 1);
  CHECK(defs.resources.at("io_manager").type == "fs_io/fs_io_manager");
  CHECK(defs.resources.at("io_manager").config_json == R"({"base_dir":"/tmp/af/storage"})");
}

TEST_CASE("without a default IO manager in the catalog, assets that need one are errors") {
  TypeCatalog catalog = testing::TestCatalog();
  catalog.io_managers.erase("fs_io/fs_io_manager");
  ManifestLoader loader;
  REQUIRE(loader.ParseText(R"(resources:
  out: {type: fs_io/file_writer, config: {path: x}}
assets:
  a: {type: examples/constant}
  b: {type: examples/constant, io_manager: out}
  c: {type: examples/constant, io_manager: io_manager}
)",
                           "m.yaml"));
  Definitions defs;
  CHECK_FALSE(loader.Resolve(catalog, &defs));
  CHECK(FormatDiagnostics(loader.diagnostics()) ==
        "m.yaml:4:3: error: asset 'a' needs resource 'io_manager', which no manifest defines and "
        "no plugin provides a default for ('fs_io/fs_io_manager')\n"
        "m.yaml:6:44: error: asset 'c' needs resource 'io_manager', which no manifest defines and "
        "no plugin provides a default for ('fs_io/fs_io_manager')\n");
  CHECK(defs.resources.count("io_manager") == 0);
}

TEST_CASE("Resolve may run again: its diagnostics replace the previous run's") {
  ManifestLoader loader;
  REQUIRE(loader.ParseText("assets:\n  a: {type: nope/nope}\n", "m.yaml"));
  Definitions defs;
  CHECK_FALSE(loader.Resolve(testing::TestCatalog(), &defs));
  CHECK(loader.diagnostics().size() == 1);
  TypeCatalog catalog = testing::TestCatalog();
  catalog.assets["nope/nope"] = {"", "9"};
  CHECK(loader.Resolve(catalog, &defs));
  CHECK(loader.diagnostics().empty());
  CHECK(defs.assets.at(0).code_version == "9");
}

// The workspace's ResolveOnce moves the parsed definitions instead of copying them: the same
// definitions, in the same key order, and the same diagnostics (suggestions included) as Resolve.
TEST_CASE("the assets of a type share its config key lists; a type marking none, no block") {
  ManifestLoader loader(testing::MapEnv({}));
  REQUIRE(loader.ParseText(R"(assets:
  one: {type: hackernews/top_stories}
  two: {type: hackernews/top_stories}
  plain: {type: examples/constant}
)", "m.yaml"));
  Definitions defs;
  REQUIRE(loader.Resolve(testing::TestCatalog(), &defs));
  const AssetDef& one = *defs.FindAsset("one");
  REQUIRE(one.config_keys != nullptr);
  CHECK(one.config_keys == defs.FindAsset("two")->config_keys);
  CHECK(one.unversioned_config_keys() == std::vector<std::string>{"concurrency"});
  CHECK(one.secret_config_keys().empty());
  CHECK(defs.FindAsset("plain")->config_keys == nullptr);

  // Against another catalog, the lists are that catalog's (nothing kept from the first).
  TypeCatalog other = testing::TestCatalog();
  other.assets["hackernews/top_stories"].unversioned_config_keys = {"base_url", "concurrency"};
  other.assets["hackernews/top_stories"].secret_config_keys = {"base_url"};
  Definitions again;
  REQUIRE(loader.Resolve(other, &again));
  CHECK(again.FindAsset("two")->unversioned_config_keys() ==
        std::vector<std::string>{"base_url", "concurrency"});
  CHECK(again.FindAsset("two")->secret_config_keys() == std::vector<std::string>{"base_url"});
  CHECK(one.unversioned_config_keys() == std::vector<std::string>{"concurrency"});
}

TEST_CASE("ResolveOnce gives what Resolve gives") {
  const char* text = R"(
assets:
  zeta: {type: examples/constant, inputs: {x: alpha}, group: g}
  alpha: {type: examples/constant, code_version: "7"}
  mid/dle: {type: examples/constant, inputs: {a: alpah, b: zeta}}
  beta: {type: nope/nope}
)";
  ManifestLoader copying, once;
  REQUIRE(copying.ParseText(text, "m.yaml"));
  REQUIRE(once.ParseText(text, "m.yaml"));
  Definitions a, b;
  CHECK_FALSE(copying.Resolve(testing::TestCatalog(), &a));
  CHECK_FALSE(once.ResolveOnce(testing::TestCatalog(), &b));
  CHECK(FormatDiagnostics(once.diagnostics()) == FormatDiagnostics(copying.diagnostics()));
  CHECK(FormatDiagnostics(once.diagnostics()) ==
        "m.yaml:5:50: error: input 'a' of asset 'mid/dle' names unknown asset 'alpah' (did you "
        "mean 'alpha'?)\n"
        "m.yaml:6:16: error: unknown asset type 'nope/nope' for asset 'beta'\n");
  REQUIRE(b.assets.size() == 4);
  std::vector<std::string> keys;
  for (size_t i = 0; i < b.assets.size(); ++i) {
    keys.push_back(b.assets[i].key);
    CHECK(b.assets[i].key == a.assets[i].key);
    CHECK(b.assets[i].segments() == a.assets[i].segments());
    CHECK(b.assets[i].code_version == a.assets[i].code_version);
    CHECK(b.assets[i].group == a.assets[i].group);
    CHECK(b.assets[i].inputs.size() == a.assets[i].inputs.size());
    CHECK(b.IndexOf(b.assets[i].key) == i);
  }
  CHECK(keys == std::vector<std::string>{"alpha", "beta", "mid/dle", "zeta"});
  CHECK(b.assets[0].code_version == "7");
  CHECK(b.assets[3].inputs.at(0).asset_key == "alpha");
  CHECK(b.assets[3].location.ToString() == "m.yaml:3:3");
}

TEST_CASE("plugin_dirs resolve against the manifest's folder") {
  ManifestLoader loader;
  REQUIRE(loader.ParseText("plugin_dirs: [plugins, ../shared/, /opt/x, plugins]\n",
                           "/srv/af/manifests/m.yaml"));
  REQUIRE(loader.ParseText("plugin_dirs: [/opt/x, more]\n", "local.yaml"));
  CHECK(loader.PluginDirs() == std::vector<std::string>{"/srv/af/manifests/plugins",
                                                        "/srv/af/shared", "/opt/x",
                                                        (fs::current_path() / "more").string()});
  Definitions defs = Load(loader, testing::TestCatalog());
  CHECK(defs.plugin_dirs == loader.PluginDirs());
}

TEST_CASE("Parse reads files and directories (*.yaml, *.yml in name order)") {
  TempDir dir;
  dir.Write("b.yml", "assets:\n  b: {type: examples/constant}\n");
  dir.Write("a.yaml", "plugin_dirs: [plugins]\nassets:\n  a: {type: examples/constant}\n");
  dir.Write("notes.txt", "not: [a manifest");
  dir.Write("extra.yaml", "assets:\n  c: {type: examples/constant, inputs: {x: a}}\n");
  fs::create_directories(dir.path / "sub");
  dir.Write("sub/d.yaml", "assets:\n  d: {type: examples/constant}\n");

  ManifestLoader loader;
  REQUIRE(loader.Parse({dir.path.string(), (dir.path / "sub" / "d.yaml").string()}));
  CHECK(loader.PluginDirs() == std::vector<std::string>{(dir.path / "plugins").string()});
  Definitions defs = Load(loader, testing::TestCatalog());
  CHECK(defs.files == std::vector<std::string>{(dir.path / "a.yaml").string(),
                                               (dir.path / "b.yml").string(),
                                               (dir.path / "extra.yaml").string(),
                                               (dir.path / "sub" / "d.yaml").string()});
  CHECK(defs.assets.size() == 4);
  CHECK(defs.FindAsset("b")->location.ToString() == (dir.path / "b.yml").string() + ":2:3");
}

TEST_CASE("unreadable files and empty directories are reported by name") {
  TempDir dir;
  ManifestLoader loader;
  CHECK_FALSE(loader.Parse({(dir.path / "missing.yaml").string(), dir.path.string()}));
  CHECK(FormatDiagnostics(loader.diagnostics()) ==
        (dir.path / "missing.yaml").string() +
            ": error: cannot read manifest: No such file or directory\n" + dir.path.string() +
            ": error: no manifests (*.yaml, *.yml) in this directory\n");
}

TEST_CASE("empty manifests and empty sections declare nothing") {
  ManifestLoader loader;
  REQUIRE(loader.ParseText("", "empty.yaml"));
  REQUIRE(loader.ParseText("# just a comment\n", "comment.yaml"));
  REQUIRE(loader.ParseText("assets:\nresources:\nplugin_dirs:\n", "sections.yaml"));
  Definitions defs = Load(loader, testing::TestCatalog());
  CHECK(defs.assets.empty());
  CHECK(defs.resources.size() == 1);  // the default io_manager
}

TEST_CASE("a generated 10,000-asset manifest loads and resolves quickly") {
  std::string text = "assets:\n";
  const int kAssets = 10000;
  for (int i = 0; i < kAssets; ++i) {
    std::string key = "asset_" + std::to_string(i);
    text += "  group_" + std::to_string(i % 10) + "/" + key + ":\n";
    text += "    type: hackernews/top_stories\n";
    text += "    config: { count: " + std::to_string(1 + i % 500) + " }\n";
    text += "    group: g" + std::to_string(i % 10) + "\n";
    if (i > 0)
      text += "    inputs: { up: group_" + std::to_string((i - 1) % 10) + "/asset_" +
              std::to_string(i - 1) + " }\n";
    text += "    retry_policy: { max_retries: 3, delay: 5s }\n";
  }
  auto start = std::chrono::steady_clock::now();
  ManifestLoader loader;
  REQUIRE(loader.ParseText(text, "big.yaml"));
  auto parsed = std::chrono::steady_clock::now();
  Definitions defs = Load(loader, testing::TestCatalog());
  auto end = std::chrono::steady_clock::now();
  double ms = std::chrono::duration<double, std::milli>(end - start).count();
  MESSAGE("10,000 assets (" << text.size() / 1024 << " KiB) parsed and resolved in " << ms
                            << " ms (parse "
                            << std::chrono::duration<double, std::milli>(parsed - start).count()
                            << " ms)");
  REQUIRE(defs.assets.size() == kAssets);
  const AssetDef* last = defs.FindAsset("group_9/asset_9999");
  REQUIRE(last != nullptr);
  CHECK(last->inputs.at(0).asset_key == "group_8/asset_9998");
  CHECK(last->config_json ==
        R"({"base_url":"https://hacker-news.firebaseio.com/v0","concurrency":16,"count":500})");
  // A generous bound: it catches quadratic behaviour, not a slow machine.
  CHECK(ms < 2000);
}

}  // namespace af
