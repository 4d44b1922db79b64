#include "graph/selection.h"

#include <doctest/doctest.h>

#include "graph/test_definitions.h"

namespace af {

using testing::KeysOf;
using testing::MakeChain;
using testing::MakeDefinitions;

namespace {

// Two pipelines and a loner:
//   hackernews_source_data -> hackernews_wordcloud -> hackernews_report
//   raw/events -> staging/events -> staging/sessions <- raw/users; sessions -> marts/daily-active
//   orphan
Definitions Pipelines() {
  return MakeDefinitions({
      {.key = "hackernews_source_data", .group = "hackernews",
       .tags = {{"team", "data"}, {"tier", "bronze"}}},
      {.key = "hackernews_wordcloud", .inputs = {"hackernews_source_data"},
       .group = "hackernews", .tags = {{"team", "data"}}},
      {.key = "hackernews_report", .inputs = {"hackernews_wordcloud"}, .group = "hackernews",
       .tags = {{"team", "viz"}}},
      {.key = "raw/events", .group = "ingest", .tags = {{"pii", ""}}},
      {.key = "raw/users", .group = "ingest"},
      {.key = "staging/events", .inputs = {"raw/events"}, .group = "staging",
       .tags = {{"tier", "silver"}}},
      {.key = "staging/sessions", .inputs = {"staging/events", "raw/users"}, .group = "staging"},
      {.key = "marts/daily-active", .inputs = {"staging/sessions"}, .group = "marts",
       .tags = {{"team", "data"}}},
      {.key = "orphan"},
  });
}

struct Case {
  const char* expression;
  const char* expected;  // selected keys in key order, or the error message
};

// Selects each case's expression from Pipelines(): all must succeed, or all must fail.
template <size_t N>
void CheckCases(const Case (&cases)[N], bool errors) {
  Definitions defs = Pipelines();
  auto graph = AssetGraph::Build(defs);
  REQUIRE(graph.ok());
  for (const Case& c : cases) {
    std::string expression = c.expression;
    CAPTURE(expression);
    auto selected = SelectAssets(*graph, expression);
    CHECK_MESSAGE(selected.ok() != errors, selected.status().message());
    if (selected.ok()) {
      CHECK(KeysOf(defs, *selected) == c.expected);
    } else {
      CHECK(selected.status().IsInvalidArgument());
      CHECK(selected.status().message() == c.expected);
    }
  }
}

}  // namespace

TEST_CASE("selection: legacy clauses and attribute expressions select exact sets") {
  const std::string kHn = "hackernews_report hackernews_source_data hackernews_wordcloud";
  const Case cases[] = {
      {"*", "hackernews_report hackernews_source_data hackernews_wordcloud marts/daily-active "
            "orphan raw/events raw/users staging/events staging/sessions"},
      {"hackernews_wordcloud", "hackernews_wordcloud"},
      {"*hackernews_wordcloud", "hackernews_source_data hackernews_wordcloud"},
      {"+hackernews_report", "hackernews_report hackernews_wordcloud"},
      {"++hackernews_report", kHn.c_str()},
      {"hackernews_source_data+", "hackernews_source_data hackernews_wordcloud"},
      {"hackernews_source_data++", kHn.c_str()},
      {"hackernews_source_data*", kHn.c_str()},
      {"+hackernews_wordcloud+", kHn.c_str()},
      {"*staging/sessions*",
       "marts/daily-active raw/events raw/users staging/events staging/sessions"},
      {"+staging/sessions", "raw/users staging/events staging/sessions"},
      {"raw/events+,raw/users", "raw/events raw/users staging/events"},
      {"orphan, hackernews_report", "hackernews_report orphan"},
      {"  orphan  ", "orphan"},
      {"key:raw/*", "raw/events raw/users"},
      {"key:hackernews_*", kHn.c_str()},
      {"key:*events", "raw/events staging/events"},
      {"key:*", "hackernews_report hackernews_source_data hackernews_wordcloud "
                "marts/daily-active orphan raw/events raw/users staging/events staging/sessions"},
      {"key:\"staging/sessions\"", "staging/sessions"},
      {"\"orphan\"", "orphan"},
      {"group:staging", "staging/events staging/sessions"},
      {"group:stag*", "staging/events staging/sessions"},
      {"tag:team", "hackernews_report hackernews_source_data hackernews_wordcloud "
                   "marts/daily-active"},
      {"tag:team=data", "hackernews_source_data hackernews_wordcloud marts/daily-active"},
      {"tag:pii", "raw/events"},
      {"tag:tier=silver or tag:tier=bronze", "hackernews_source_data staging/events"},
      {"group:hackernews and tag:team=data", "hackernews_source_data hackernews_wordcloud"},
      {"group:ingest or group:marts", "marts/daily-active raw/events raw/users"},
      {"not group:hackernews",
       "marts/daily-active orphan raw/events raw/users staging/events staging/sessions"},
      {"group:hackernews and not tag:team=viz", "hackernews_source_data hackernews_wordcloud"},
      {"NOT group:hackernews AND Not group:staging",
       "marts/daily-active orphan raw/events raw/users"},
      // not > and > or: (not ingest) or (ingest and pii)
      {"not group:ingest or group:ingest and tag:pii",
       "hackernews_report hackernews_source_data hackernews_wordcloud marts/daily-active "
       "orphan raw/events staging/events staging/sessions"},
      {"not (group:ingest or group:staging)",
       "hackernews_report hackernews_source_data hackernews_wordcloud marts/daily-active orphan"},
      {"orphan or hackernews_report", "hackernews_report orphan"},
      {"group:staging and not staging/events", "staging/sessions"},
      {"+key:staging/sessions", "raw/users staging/events staging/sessions"},
      {"group:ingest+", "raw/events raw/users staging/events staging/sessions"},
      {"*(group:marts)",
       "marts/daily-active raw/events raw/users staging/events staging/sessions"},
      {"(orphan)", "orphan"},
      // The path between two assets.
      {"hackernews_source_data* and *hackernews_report", kHn.c_str()},
      {"+hackernews_report and hackernews_source_data+", "hackernews_wordcloud"},
      {"orphan and raw/users", ""},
      {"(group:ingest or orphan)+", "orphan raw/events raw/users staging/events staging/sessions"},
      {"tag:\"team\"=\"viz\"", "hackernews_report"},
      {"orphan ,  raw/users", "orphan raw/users"},
      {"not not orphan", "orphan"},
      {"\"orphan\"+", "orphan"},
      {"* and not key:hackernews_*",
       "marts/daily-active orphan raw/events raw/users staging/events staging/sessions"},
  };
  CheckCases(cases, /*errors=*/false);
}

TEST_CASE("selection: errors name the culprit, its column and the nearest valid name") {
  const std::string deep = std::string(300, '(') + "orphan" + std::string(300, ')');
  std::string negations;
  for (int i = 0; i < 300; ++i) negations += "not ";
  negations += "orphan";
  const Case cases[] = {
      {"", "empty selection expression"},
      {"   ", "empty selection expression"},
      {"hackernews_wordclod",
       "unknown asset 'hackernews_wordclod' at column 1 (did you mean 'hackernews_wordcloud'?)"},
      {"*hackernews_wordclod",
       "unknown asset 'hackernews_wordclod' at column 2 (did you mean 'hackernews_wordcloud'?)"},
      {"orphan or key:raw/event",
       "unknown asset 'raw/event' at column 15 (did you mean 'raw/events'?)"},
      {"nope", "unknown asset 'nope' at column 1"},
      {"group:hackernwes", "unknown group 'hackernwes' at column 7 (did you mean 'hackernews'?)"},
      {"tag:teem", "unknown tag 'teem' at column 5 (did you mean 'team'?)"},
      {"tag:tema", "unknown tag 'tema' at column 5 (did you mean 'team'?)"},
      {"tag:team=dta", "unknown tag 'team=dta' at column 5 (did you mean 'team=data'?)"},
      {"grup:ingest", "unknown attribute 'grup' at column 1 (did you mean 'group'?)"},
      {"key:foo*", "no asset matches 'key:foo*' at column 1"},
      {"orphan or group:zz*", "no group matches 'group:zz*' at column 11"},
      {"(key:orphan", "expected ')' at column 12"},
      {"(orphan or raw/users orphan)", "expected ')' at column 22"},
      {"orphan and", "expected an asset key, attribute or '(' at column 11"},
      {"not", "expected an asset key, attribute or '(' at column 4"},
      {"+", "expected an asset key, attribute or '(' at column 2"},
      {"orphan orphan", "unexpected 'orphan' at column 8"},
      {"orphan)", "unexpected ')' at column 7"},
      {"orphan & raw/users", "unexpected '&' at column 8"},
      {"orphan,,orphan", "unexpected ',' at column 8"},
      {"and orphan", "unexpected 'and' at column 1"},
      {"key:", "expected a value after 'key:' at column 5"},
      {"tag:team=", "expected a value after '=' at column 10"},
      {"key:\"orphan", "unterminated string at column 5"},
      {deep.c_str(), "expression nested too deeply at column 201"},
      {negations.c_str(), "expression nested too deeply at column 801"},
  };
  CheckCases(cases, /*errors=*/true);
}

TEST_CASE("selection on a 10,000-asset chain") {
  Definitions defs = MakeChain(10000);
  auto graph = AssetGraph::Build(defs);
  REQUIRE(graph.ok());
  auto everything_upstream = SelectAssets(*graph, "*c9999");
  REQUIRE(everything_upstream.ok());
  CHECK(everything_upstream->size() == 10000);
  CHECK(KeysOf(defs, SelectAssets(*graph, "c0000+").value()) == "c0000 c0001");
  CHECK(KeysOf(defs, SelectAssets(*graph, "++c5000").value()) == "c4998 c4999 c5000");
  CHECK(SelectAssets(*graph, "c0000*").value().size() == 10000);
  auto plan = graph->Plan(*everything_upstream);
  CHECK(plan == graph->TopologicalOrder());
}

}  // namespace af
