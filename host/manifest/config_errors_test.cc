// Config that does not match its definition's JSON Schema: each asserts the exact
// diagnostics, mapped back to the YAML node's position.
#include <doctest/doctest.h>

#include <string>

#include "manifest/manifest_loader.h"
#include "manifest/manifest_test_util.h"

namespace af {
namespace {

using testing::ErrorCase;

const ErrorCase kCases[] = {
    {"config is a list",
     R"(assets:
  a:
    type: hackernews/top_stories
    config: [1, 2]
)",
     R"(m.yaml:4:13: error: expected a mapping for 'config' of asset 'a', got a list
)"},
    {"config above maximum",
     R"(assets:
  hackernews_source_data:
    type: hackernews/top_stories
    config: { count: 600 }
)",
     R"(m.yaml:4:22: error: config 'count': 600 is greater than the maximum 500 for asset 'hackernews_source_data' (hackernews/top_stories)
)"},
    {"config quoted number",
     R"(assets:
  a:
    type: hackernews/top_stories
    config:
      count: "5"
)",
     R"(m.yaml:5:14: error: config 'count': expected integer, got string for asset 'a' (hackernews/top_stories)
)"},
    {"config misspelled key",
     R"(assets:
  a:
    type: hackernews/top_stories
    config:
      base_url: http://x
      cont: 5
)",
     R"(m.yaml:6:7: error: config: unknown key 'cont' for asset 'a' (hackernews/top_stories) (did you mean 'count'?)
)"},
    {"config missing required",
     R"(resources:
  hn_io_manager:
    type: fs_io/file_writer
    config: {}
)",
     R"(m.yaml:4:5: error: config: missing required key 'path' for resource 'hn_io_manager' (fs_io/file_writer)
)"},
    {"config for a type without config",
     R"(assets:
  a:
    type: examples/constant
    config: {value: 1}
)",
     R"(m.yaml:4:5: error: config: no config is accepted for asset 'a' (examples/constant)
)"},
    {"config enum",
     R"(assets:
  a:
    type: wordcloud/markdown_report
    config: {format: svgg}
)",
     R"(m.yaml:4:22: error: config 'format': 'svgg' is not one of 'png', 'svg' for asset 'a' (wordcloud/markdown_report) (did you mean 'svg'?)
)"},
    {"config array item type",
     R"(assets:
  a:
    type: wordcloud/markdown_report
    config:
      extra_stopwords: [Ask, 3]
)",
     R"(m.yaml:5:30: error: config 'extra_stopwords[1]': expected string, got integer for asset 'a' (wordcloud/markdown_report)
)"},
    {"config nested unknown key",
     R"(assets:
  a:
    type: wordcloud/markdown_report
    config:
      font: {famly: Mono}
)",
     R"(m.yaml:5:14: error: config 'font': unknown key 'famly' for asset 'a' (wordcloud/markdown_report) (did you mean 'family'?)
)"},
    {"config pattern",
     R"(assets:
  a:
    type: wordcloud/markdown_report
    config: {title: lower}
)",
     R"(m.yaml:4:21: error: config 'title': 'lower' does not match the pattern '^[A-Z]' for asset 'a' (wordcloud/markdown_report)
)"},
    {"config below minimum",
     R"(assets:
  a:
    type: wordcloud/markdown_report
    config: {width: 4}
)",
     R"(m.yaml:4:21: error: config 'width': 4 is less than the minimum 16 for asset 'a' (wordcloud/markdown_report)
)"},
    {"config duplicate key",
     R"(assets:
  a:
    type: hackernews/top_stories
    config: {count: 1, count: 2}
)",
     R"(m.yaml:4:24: error: duplicate config key 'count' (first at m.yaml:4:14) for asset 'a' (hackernews/top_stories)
)"},
    {"several config errors in one config",
     R"(assets:
  a:
    type: hackernews/top_stories
    config: {count: 5000, concurency: 32, base_url: 7}
  b:
    type: wordcloud/markdown_report
    config: {width: 1, font: {famly: x, size: big}, extra_stopwords: [1, 2]}
)",
     R"(m.yaml:4:21: error: config 'count': 5000 is greater than the maximum 500 for asset 'a' (hackernews/top_stories)
m.yaml:4:27: error: config: unknown key 'concurency' for asset 'a' (hackernews/top_stories) (did you mean 'concurrency'?)
m.yaml:4:53: error: config 'base_url': expected string, got integer for asset 'a' (hackernews/top_stories)
m.yaml:7:21: error: config 'width': 1 is less than the minimum 16 for asset 'b' (wordcloud/markdown_report)
m.yaml:7:31: error: config 'font': unknown key 'famly' for asset 'b' (wordcloud/markdown_report) (did you mean 'family'?)
m.yaml:7:47: error: config 'font.size': expected number, got string for asset 'b' (wordcloud/markdown_report)
m.yaml:7:71: error: config 'extra_stopwords[0]': expected string, got integer for asset 'b' (wordcloud/markdown_report)
)"},
    {"a required key with a bad value is not also reported missing",
     R"(resources:
  out:
    type: fs_io/file_writer
    config: {path: 5, extra: 1}
)",
     R"(m.yaml:4:20: error: config 'path': expected string, got integer for resource 'out' (fs_io/file_writer)
m.yaml:4:23: error: config: unknown key 'extra' for resource 'out' (fs_io/file_writer)
)"},
    {"missing config with a required key",
     R"(resources:
  hn_io_manager:
    type: fs_io/file_writer
)",
     R"(m.yaml:2:3: error: config: missing required key 'path' for resource 'hn_io_manager' (fs_io/file_writer)
)"},
    {"config that is not valid for a nested object",
     R"(assets:
  a:
    type: wordcloud/markdown_report
    config:
      font: {size: big}
)",
     R"(m.yaml:5:20: error: config 'font.size': expected number, got string for asset 'a' (wordcloud/markdown_report)
)"},};

}  // namespace

TEST_CASE("bad config is reported at the offending YAML node") {
  TypeCatalog catalog = testing::TestCatalog();
  for (const ErrorCase& c : kCases) {
    INFO(std::string(c.name));
    CHECK(testing::Diagnose(c.yaml, catalog) == c.expected);
  }
}

}  // namespace af
