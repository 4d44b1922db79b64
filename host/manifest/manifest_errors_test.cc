// Malformed manifests: each asserts the exact diagnostics, positions included.
#include <doctest/doctest.h>

#include <string>

#include "manifest/manifest_loader.h"
#include "manifest/manifest_test_util.h"

namespace af {
namespace {

using testing::ErrorCase;

const ErrorCase kCases[] = {
    {"unknown asset key",
     R"(assets:
  a:
    type: hackernews/top_stories
    grup: hn
)",
     R"(m.yaml:4:5: error: unknown key 'grup' in asset 'a' (did you mean 'group'?)
)"},
    {"unknown top-level key",
     R"(asets:
  a: {type: hackernews/top_stories}
)",
     R"(m.yaml:1:1: error: unknown key 'asets' at the top level (did you mean 'assets'?)
)"},
    {"unknown resource key",
     R"(resources:
  io_manager:
    type: fs_io/fs_io_manager
    confg: {base_dir: /x}
)",
     R"(m.yaml:4:5: error: unknown key 'confg' in resource 'io_manager' (did you mean 'config'?)
)"},
    {"top level is a list",
     R"(- assets
)",
     R"(m.yaml:1:1: error: expected a mapping for the top of the manifest, got a list
)"},
    {"assets is a list",
     R"(assets:
  - a
  - b
)",
     R"(m.yaml:2:3: error: expected a mapping for 'assets', got a list
)"},
    {"asset is a string",
     R"(assets:
  a: hackernews/top_stories
)",
     R"(m.yaml:2:6: error: expected a mapping for asset 'a', got 'hackernews/top_stories'
)"},
    {"max_retries is a word",
     R"(assets:
  a:
    type: hackernews/top_stories
    retry_policy: {max_retries: five}
)",
     R"(m.yaml:4:33: error: expected a non-negative integer for 'max_retries' of asset 'a', got 'five'
)"},
    {"max_retries is negative",
     R"(assets:
  a:
    type: hackernews/top_stories
    retry_policy:
      max_retries: -1
)",
     R"(m.yaml:5:20: error: expected a non-negative integer for 'max_retries' of asset 'a', got '-1'
)"},
    {"missing type",
     R"(assets:
  a:
    group: hn
)",
     R"(m.yaml:2:3: error: missing required key 'type' in asset 'a'
)"},
    {"null asset",
     R"(assets:
  a:
)",
     R"(m.yaml:2:3: error: missing required key 'type' in asset 'a'
)"},
    {"unknown type",
     R"(assets:
  a:
    type: hackernews/top_storys
)",
     R"(m.yaml:3:11: error: unknown asset type 'hackernews/top_storys' for asset 'a' (did you mean 'hackernews/top_stories'?)
)"},
    {"unknown input asset",
     R"(assets:
  hackernews_source_data:
    type: hackernews/top_stories
  report:
    type: wordcloud/markdown_report
    inputs: {stories: hackernews_source_dat}
)",
     R"(m.yaml:6:23: error: input 'stories' of asset 'report' names unknown asset 'hackernews_source_dat' (did you mean 'hackernews_source_data'?)
)"},
    {"unknown io_manager resource",
     R"(resources:
  hn_io_manager:
    type: fs_io/file_writer
    config: {path: out.md}
assets:
  a:
    type: hackernews/top_stories
    io_manager: hn_io_manager2
)",
     R"(m.yaml:8:17: error: asset 'a' uses unknown resource 'hn_io_manager2' as io_manager (did you mean 'hn_io_manager'?)
)"},
    {"duplicate asset in a file",
     R"(assets:
  a:
    type: hackernews/top_stories
  b:
    type: hackernews/top_stories
  a:
    type: hackernews/top_stories
)",
     R"(m.yaml:6:3: error: duplicate asset 'a' (first defined at m.yaml:2:3)
)"},
    {"duplicate key in an asset",
     R"(assets:
  a:
    type: hackernews/top_stories
    group: one
    group: two
)",
     R"(m.yaml:5:5: error: duplicate key 'group' in asset 'a' (first at m.yaml:4:5)
)"},
    {"unclosed flow sequence",
     R"(assets:
  a:
    type: hackernews/top_stories
    tags: [a, b
)",
     R"(m.yaml:5:1: error: invalid YAML: end of sequence flow not found
)"},
    {"map value on one line",
     R"(assets:
  a: type: b
)",
     R"(m.yaml:2:10: error: invalid YAML: illegal map value
)"},
    {"undefined env var",
     R"(assets:
  a:
    type: hackernews/top_stories
    config: {base_url: "${HN_URL}/v0"}
)",
     R"(m.yaml:4:24: error: environment variable 'HN_URL' is not set (write ${HN_URL:-default} to give a default)
)"},
    {"empty key segment",
     R"(assets:
  a//b:
    type: hackernews/top_stories
)",
     R"(m.yaml:2:3: error: invalid asset key 'a//b' (want segments of letters, digits, '_' and '-', separated by '/')
)"},
    {"leading slash",
     R"(assets:
  /a:
    type: hackernews/top_stories
)",
     R"(m.yaml:2:3: error: invalid asset key '/a' (want segments of letters, digits, '_' and '-', separated by '/')
)"},
    {"dot-dot segment",
     R"(assets:
  a/../b:
    type: hackernews/top_stories
)",
     R"(m.yaml:2:3: error: invalid asset key 'a/../b' (want segments of letters, digits, '_' and '-', separated by '/')
)"},
    {"bad input name",
     R"(assets:
  up:
    type: hackernews/top_stories
  a:
    type: wordcloud/markdown_report
    inputs: {"my input": up}
)",
     R"(m.yaml:6:14: error: invalid input name 'my input' in asset 'a' (want letters, digits and '_')
)"},
    {"bad delay",
     R"(assets:
  a:
    type: hackernews/top_stories
    retry_policy: {max_retries: 1, delay: soon}
)",
     R"(m.yaml:4:43: error: expected a duration (seconds, or like '500ms', '5s', '2m', '1h') for 'delay' of asset 'a', got 'soon'
)"},
    {"backoff without delay",
     R"(assets:
  a:
    type: hackernews/top_stories
    retry_policy: {max_retries: 1, backoff: linear, jitter: full}
)",
     R"(m.yaml:4:36: error: 'backoff' needs a 'delay' in retry_policy of asset 'a'
m.yaml:4:53: error: 'jitter' needs a 'delay' in retry_policy of asset 'a'
)"},
    {"misspelled backoff",
     R"(assets:
  a:
    type: hackernews/top_stories
    retry_policy: {max_retries: 1, delay: 1s, backoff: exponentail}
)",
     R"(m.yaml:4:56: error: expected 'linear' or 'exponential' (or 'LINEAR', 'EXPONENTIAL') for 'backoff' of asset 'a', got 'exponentail' (did you mean 'exponential'?)
)"},
    {"misspelled isolation",
     R"(assets:
  a:
    type: hackernews/top_stories
    isolation: proces
)",
     R"(m.yaml:4:16: error: expected 'in_process' or 'process' for 'isolation' of asset 'a', got 'proces' (did you mean 'process'?)
)"},
    {"isolation is a list",
     R"(assets:
  a: {type: hackernews/top_stories, isolation: [process]}
)",
     R"(m.yaml:2:48: error: expected a string for 'isolation' of asset 'a', got a list
)"},
    {"zero timeout",
     R"(assets:
  a:
    type: hackernews/top_stories
    timeout: 0s
)",
     R"(m.yaml:4:14: error: expected a duration greater than 0 (seconds, or like '500ms', '5s', '2m', '1h') for 'timeout' of asset 'a', got '0s'
)"},
    {"timeout is a word, and negative",
     R"(assets:
  a: {type: hackernews/top_stories, timeout: soon}
  b: {type: hackernews/top_stories, timeout: -5}
)",
     R"(m.yaml:2:46: error: expected a duration greater than 0 (seconds, or like '500ms', '5s', '2m', '1h') for 'timeout' of asset 'a', got 'soon'
m.yaml:3:46: error: expected a duration greater than 0 (seconds, or like '500ms', '5s', '2m', '1h') for 'timeout' of asset 'b', got '-5'
)"},
    {"max_rss_mb not a positive integer",
     R"(assets:
  a: {type: hackernews/top_stories, max_rss_mb: 0}
  b: {type: hackernews/top_stories, max_rss_mb: -512}
  c: {type: hackernews/top_stories, max_rss_mb: 1.5}
  d: {type: hackernews/top_stories, max_rss_mb: lots}
)",
     R"(m.yaml:2:49: error: expected a positive integer for 'max_rss_mb' of asset 'a', got '0'
m.yaml:3:49: error: expected a positive integer for 'max_rss_mb' of asset 'b', got '-512'
m.yaml:4:49: error: expected a positive integer for 'max_rss_mb' of asset 'c', got '1.5'
m.yaml:5:49: error: expected a positive integer for 'max_rss_mb' of asset 'd', got 'lots'
)"},
    {"misspelled limit keys",
     R"(assets:
  a:
    type: hackernews/top_stories
    isolaton: process
    timout: 5s
    max_rssmb: 100
)",
     R"(m.yaml:4:5: error: unknown key 'isolaton' in asset 'a' (did you mean 'isolation'?)
m.yaml:5:5: error: unknown key 'timout' in asset 'a' (did you mean 'timeout'?)
m.yaml:6:5: error: unknown key 'max_rssmb' in asset 'a' (did you mean 'max_rss_mb'?)
)"},
    {"missing freshness lag",
     R"(assets:
  a:
    type: hackernews/top_stories
    freshness_policy: {cron_schedule: "0 * * * *"}
)",
     R"(m.yaml:4:5: error: missing required key 'maximum_lag_minutes' in freshness_policy of asset 'a'
)"},
    {"zero freshness lag",
     R"(assets:
  a:
    type: hackernews/top_stories
    freshness_policy: {maximum_lag_minutes: 0}
)",
     R"(m.yaml:4:45: error: expected a number greater than 0 for 'maximum_lag_minutes' of asset 'a', got '0'
)"},
    {"short cron",
     R"(assets:
  a:
    type: hackernews/top_stories
    freshness_policy: {maximum_lag_minutes: 5, cron_schedule: "0 *"}
)",
     R"(m.yaml:4:64: error: expected 5 fields (minute hour day-of-month month day-of-week, like '0 * * * *') or @hourly/@daily/@weekly/@monthly/@yearly, got 2 fields in 'cron_schedule' of asset 'a'
)"},
    {"cron fields out of range point at the field",
     R"(assets:
  a:
    type: hackernews/top_stories
    freshness_policy: {maximum_lag_minutes: 5, cron_schedule: 0 99 * * *}
  b:
    type: hackernews/top_stories
    freshness_policy: {maximum_lag_minutes: 5, cron_schedule: "99 99 99 99 99"}
)",
     R"(m.yaml:4:65: error: invalid hour field '99': '99' is out of range (allowed: 0-23, '*', ranges a-b, lists a,b, steps */n) in 'cron_schedule' of asset 'a'
m.yaml:7:64: error: invalid minute field '99': '99' is out of range (allowed: 0-59, '*', ranges a-b, lists a,b, steps */n) in 'cron_schedule' of asset 'b'
)"},
    {"freshness time zone and warn threshold",
     R"(assets:
  a:
    type: hackernews/top_stories
    freshness_policy: {maximum_lag_minutes: 5, cron_schedule: "@daily", cron_schedule_timezone: Europe/Berln}
  b:
    type: hackernews/top_stories
    freshness_policy: {maximum_lag_minutes: 5, cron_schedule_timezone: UTC, warn_after_minutes: 5}
  c:
    type: hackernews/top_stories
    freshness_policy: {maximum_lag_minutes: 5, warn_aftr_minutes: 1}
)",
     R"(m.yaml:4:97: error: unknown time zone 'Europe/Berln' (want a name of the tz database, like 'UTC' or 'Europe/Berlin') for 'cron_schedule_timezone' of asset 'a'
m.yaml:7:48: error: 'cron_schedule_timezone' needs a 'cron_schedule' in freshness_policy of asset 'b'
m.yaml:7:97: error: 'warn_after_minutes' must be less than 'maximum_lag_minutes' (5) in freshness_policy of asset 'b'
m.yaml:10:48: error: unknown key 'warn_aftr_minutes' in freshness_policy of asset 'c' (did you mean 'warn_after_minutes'?)
)"},
    {"schedules and alerts",
     R"(schedules:
  nightly: {cron: "0 3 * * *", timezone: Mars/Base, select: "*"}
  hourly: {cron: "@hourli"}
  bad name: {cron: "@daily"}
  nocron: {select: "*", tz: UTC}
alerts:
  command: "cat"
  webhook: {url: "ftp://secret-token@x", retrys: 2}
)",
     R"(m.yaml:2:42: error: unknown time zone 'Mars/Base' (want a name of the tz database, like 'UTC' or 'Europe/Berlin') for 'timezone' of schedule 'nightly'
m.yaml:3:19: error: unknown cron macro '@hourli' (want @hourly, @daily, @weekly, @monthly or @yearly) in 'cron' of schedule 'hourly'
m.yaml:4:3: error: invalid schedule name 'bad name' (want letters, digits, '_' and '-')
m.yaml:5:25: error: unknown key 'tz' in schedule 'nocron'
m.yaml:5:3: error: missing required key 'cron' in schedule 'nocron'
m.yaml:8:18: error: expected an http:// or https:// URL for the webhook of alerts
m.yaml:8:42: error: unknown key 'retrys' in the webhook of alerts (did you mean 'retries'?)
m.yaml:8:12: error: missing required key 'url' in the webhook of alerts
)"},
    {"tag is a list",
     R"(assets:
  a:
    type: hackernews/top_stories
    tags: {team: [a, b]}
)",
     R"(m.yaml:4:18: error: expected a string for tag 'team' of asset 'a', got a list
)"},
    {"owners is a string",
     R"(assets:
  a:
    type: hackernews/top_stories
    owners: team:data
)",
     R"(m.yaml:4:13: error: expected a list for 'owners' of asset 'a', got 'team:data'
)"},
    {"a kind is a mapping",
     R"(assets:
  a:
    type: hackernews/top_stories
    kinds: [python, {s3: 1}]
)",
     R"(m.yaml:4:21: error: expected a string for an entry of 'kinds' of asset 'a', got a mapping
)"},
    {"bad group name",
     R"(assets:
  a:
    type: hackernews/top_stories
    group: hacker news
)",
     R"(m.yaml:4:12: error: invalid group name 'hacker news' in asset 'a' (want letters, digits and '_')
)"},
    {"unknown io manager type",
     R"(resources:
  io_manager:
    type: fs_io/fs_io_manger
)",
     R"(m.yaml:3:11: error: unknown IO manager type 'fs_io/fs_io_manger' for resource 'io_manager' (did you mean 'fs_io/fs_io_manager'?)
)"},
    {"plugin_dirs is a string",
     R"(plugin_dirs: plugins
)",
     R"(m.yaml:1:14: error: expected a list for 'plugin_dirs', got 'plugins'
)"},
    {"several errors are all reported",
     R"(assets:
  a:
    type: hackernews/top_stories
    grup: x
  b:
    typ: hackernews/top_stories
  c:
    type: hackernews/top_stories
    retry_policy: {max_retries: 2, jitter: ful}
)",
     R"(m.yaml:4:5: error: unknown key 'grup' in asset 'a' (did you mean 'group'?)
m.yaml:6:5: error: unknown key 'typ' in asset 'b' (did you mean 'type'?)
m.yaml:5:3: error: missing required key 'type' in asset 'b'
m.yaml:9:44: error: expected 'full' or 'plus_minus' (or 'FULL', 'PLUS_MINUS') for 'jitter' of asset 'c', got 'ful' (did you mean 'full'?)
m.yaml:9:36: error: 'jitter' needs a 'delay' in retry_policy of asset 'c'
)"},
    {"several resolve errors are all reported, in file order",
     R"(assets:
  zeta:
    type: hackernews/top_stories
    config: {count: 0}
  alpha:
    type: wordcloud/markdown_reprt
    inputs: {x: zet}
)",
     R"(m.yaml:4:21: error: config 'count': 0 is less than the minimum 1 for asset 'zeta' (hackernews/top_stories)
m.yaml:6:11: error: unknown asset type 'wordcloud/markdown_reprt' for asset 'alpha' (did you mean 'wordcloud/markdown_report'?)
m.yaml:7:17: error: input 'x' of asset 'alpha' names unknown asset 'zet' (did you mean 'zeta'?)
)"},
    {"bad resource key",
     R"(resources:
  "io manager":
    type: fs_io/fs_io_manager
)",
     R"(m.yaml:2:3: error: invalid resource key 'io manager' (want letters, digits and '_')
)"},
    {"a merge key needs a mapping",
     R"(x-base: &base [1]
assets:
  a:
    <<: *base
    type: hackernews/top_stories
)",
     R"(m.yaml:4:5: error: unknown key '<<' in asset 'a'
)"},
    {"an IO manager used as an asset, and an asset used as a resource",
     R"(resources:
  out: {type: examples/constant}
assets:
  a: {type: fs_io/file_writer, io_manager: out}
)",
     R"(m.yaml:2:15: error: 'examples/constant' is an asset type, not an IO manager, for resource 'out' (declare it under assets)
m.yaml:4:13: error: 'fs_io/file_writer' is an IO manager, not an asset type, for asset 'a' (declare it under resources)
)"},
    {"empty value where a string is needed",
     R"(assets:
  a:
    type: hackernews/top_stories
    group:
  b: {type: examples/constant}
)",
     R"(m.yaml:4:5: error: expected a string for 'group' of asset 'a', got null
)"},
    // fuzz/manifest: yaml-cpp read these as endless empty documents (a hang, memory growing).
    {"a lone comma", ",\n", "m.yaml:1:1: error: invalid YAML: unexpected ','\n"},
    {"a comma after a tag", "!a\x01m!a!p\n,", "m.yaml:2:1: error: invalid YAML: unexpected ','\n"},
};

}  // namespace

TEST_CASE("malformed manifests are reported at the offending line and column") {
  TypeCatalog catalog = testing::TestCatalog();
  for (const ErrorCase& c : kCases) {
    INFO(std::string(c.name));
    CHECK(testing::Diagnose(c.yaml, catalog) == c.expected);
  }
}

}  // namespace af
