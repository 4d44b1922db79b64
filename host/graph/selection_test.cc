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
       .tags = {{"team", "data"}, {"tier", "bronze"}},
       .owners = {"alice@example.com", "team:data"}, .kinds = {"python"}},
      {.key = "hackernews_wordcloud", .inputs = {"hackernews_source_data"},
       .group = "hackernews", .tags = {{"team", "data"}}},
      {.key = "hackernews_report", .inputs = {"hackernews_wordcloud"}, .group = "hackernews",
       .tags = {{"team", "viz"}}},
      {.key = "raw/events", .group = "ingest", .tags = {{"pii", ""}}, .kinds = {"python", "s3"}},
      {.key = "raw/users", .group = "ingest", .tags = {{"team", "data-eng"}}},
      {.key = "staging/events", .inputs = {"raw/events"}, .group = "staging",
       .tags = {{"tier", "silver"}}},
      {.key = "staging/sessions", .inputs = {"staging/events", "raw/users"}, .group = "staging"},
      {.key = "marts/daily-active", .inputs = {"staging/sessions"}, .group = "marts",
       .tags = {{"team", "data"}}, .owners = {"team:data"}},
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

const char* const kAll =
    "hackernews_report hackernews_source_data hackernews_wordcloud marts/daily-active orphan "
    "raw/events raw/users staging/events staging/sessions";
const char* const kHn = "hackernews_report hackernews_source_data hackernews_wordcloud";
const char* const kIngestPath = "raw/events staging/events staging/sessions";
const char* const kUpToMarts =
    "marts/daily-active raw/events raw/users staging/events staging/sessions";

}  // namespace

// One case (at least) per rule and token of Dagster's AssetSelection.g4.
// Changed from assetflow's earlier reading, because Dagster reads them otherwise: a '+' next
// to an attribute or parenthesis is unbounded ("+key:a" was one level); "tag:k" is the empty
// value (was "has tag k"); an attribute or pattern matching nothing is the empty set (was an
// error); bare names mixed with and / or / not, "*(...)", "key:*", unquoted "group:stag*" and
// mixed-case keywords ("Not") are errors (were accepted).
TEST_CASE("selection: Dagster's grammar selects exact sets") {
  const Case cases[] = {
      // AllExpression.
      {"*", kAll},
      // KeyExpr: keyValue is UNQUOTED, WILDCARD ('*' any run, '/' included) or QUOTED.
      {"key:orphan", "orphan"},
      {"key:raw/*", "raw/events raw/users"},
      {"key:hackernews_*", kHn},
      {"key:*events", "raw/events staging/events"},
      {"key:\"*\"", kAll},
      {"key:\"marts/daily-active\"", "marts/daily-active"},
      {"key:\"m*-active\"", "marts/daily-active"},
      {"key:nope", ""},  // an attribute that matches nothing is the empty set
      // UpTraversal / DownTraversal: a bare '+' is unbounded, DIGITS bound it (0: itself).
      {"key:raw/events+", "marts/daily-active raw/events staging/events staging/sessions"},
      {"key:raw/events+1", "raw/events staging/events"},
      {"key:raw/events+2", kIngestPath},
      {"+key:staging/sessions", "raw/events raw/users staging/events staging/sessions"},
      {"+key:\"marts/daily-active\"", kUpToMarts},
      {"1+key:\"marts/daily-active\"", "marts/daily-active staging/sessions"},
      {"2+key:\"marts/daily-active\"",
       "marts/daily-active raw/users staging/events staging/sessions"},
      // UpAndDownTraversal.
      {"1+key:staging/events+1", kIngestPath},
      {"+key:hackernews_wordcloud+", kHn},
      {"0+key:staging/events+0", "staging/events"},
      // WS is skipped everywhere, around ':' '=' '+' too.
      {"  key : raw/events + 1  ", "raw/events staging/events"},
      {"1 + key:staging/events", "raw/events staging/events"},
      // The path between two assets.
      {"key:raw/events+ and +key:staging/sessions", kIngestPath},
      {"+key:staging/events and key:staging/events+", "staging/events"},
      // GroupAttributeExpr: exact, or a wildcard when quoted; <null> is no group.
      {"group:staging", "staging/events staging/sessions"},
      {"group:\"stag*\"", "staging/events staging/sessions"},
      {"group:nope", ""},
      {"group:ingest or group:nope", "raw/events raw/users"},
      {"group:<null>", ""},
      {"group:job", ""},  // SENSOR, SCHEDULE and JOB are values too
      // TagAttributeExpr: "tag:k" is k with the empty value; "=v" exact, no wildcard.
      {"tag:pii", "raw/events"},
      {"tag:team", ""},
      {"tag:team=data", "hackernews_source_data hackernews_wordcloud marts/daily-active"},
      {"tag : team = data", "hackernews_source_data hackernews_wordcloud marts/daily-active"},
      {"tag:\"team\"=\"viz\"", "hackernews_report"},
      {"tag:pii=\"\"", "raw/events"},
      {"tag:pii=<null>", "raw/events"},
      {"tag:sensor", ""},
      {"tag:\"<null>\"", ""},  // quoted: the tag named <null>
      // OwnerAttributeExpr / KindAttributeExpr (the manifest's owners and kinds); <null>: none.
      {"owner:\"alice@example.com\"", "hackernews_source_data"},
      {"owner:\"team:data\"", "hackernews_source_data marts/daily-active"},
      {"owner:team", ""},
      {"owner:<null>", "hackernews_report hackernews_wordcloud orphan raw/events raw/users "
                       "staging/events staging/sessions"},
      {"kind:python", "hackernews_source_data raw/events"},
      {"kind:s3", "raw/events"},
      {"kind:<null>", "hackernews_report hackernews_wordcloud marts/daily-active orphan "
                      "raw/users staging/events staging/sessions"},
      // FunctionCallExpression: sinks / roots count paths outside the argument too.
      {"sinks(group:ingest or group:staging)", "staging/sessions"},
      {"sinks(key:raw/events or key:staging/sessions)", "staging/sessions"},
      {"roots(key:raw/events or key:staging/sessions)", "raw/events"},
      {"roots(group:staging)", "staging/events"},
      {"roots(*)", "hackernews_source_data orphan raw/events raw/users"},
      {"sinks(*)", "hackernews_report marts/daily-active orphan"},
      {"sinks(roots(*))", "hackernews_source_data orphan raw/events raw/users"},
      {"sinks(key:raw/events)+", "marts/daily-active raw/events staging/events staging/sessions"},
      {"1+roots(group:staging)", "raw/events staging/events"},
      // NotExpression, AndExpression, OrExpression: not > and > or, both cases of keywords.
      {"not group:hackernews",
       "marts/daily-active orphan raw/events raw/users staging/events staging/sessions"},
      {"NOT group:hackernews AND NOT group:staging",
       "marts/daily-active orphan raw/events raw/users"},
      {"not group:ingest or group:ingest and tag:pii",
       "hackernews_report hackernews_source_data hackernews_wordcloud marts/daily-active "
       "orphan raw/events staging/events staging/sessions"},
      {"not key:orphan and key:orphan", ""},
      {"key:orphan or key:raw/users and group:nope", "orphan"},
      {"key:orphan OR key:raw/users", "orphan raw/users"},
      {"not not key:orphan", "orphan"},
      {"* and not key:hackernews_*",
       "marts/daily-active orphan raw/events raw/users staging/events staging/sessions"},
      // ParenthesizedExpression: its own traversals first.
      {"not (group:ingest or group:staging)",
       "hackernews_report hackernews_source_data hackernews_wordcloud marts/daily-active orphan"},
      {"(group:ingest or key:orphan)+1",
       "orphan raw/events raw/users staging/events staging/sessions"},
      {"(key:raw/events+1)+1", kIngestPath},
      {"((key:orphan))", "orphan"},
      {"+(key:staging/events or key:orphan)", "orphan raw/events staging/events"},
  };
  CheckCases(cases, /*errors=*/false);
}

// Dagster's parse_clause, tried when the grammar rejects the text (as from_string does).
TEST_CASE("selection: legacy clauses keep one level per '+'") {
  const Case cases[] = {
      {"hackernews_wordcloud", "hackernews_wordcloud"},
      {"*hackernews_wordcloud", "hackernews_source_data hackernews_wordcloud"},
      {"+hackernews_report", "hackernews_report hackernews_wordcloud"},
      {"++hackernews_report", kHn},
      {"hackernews_source_data+", "hackernews_source_data hackernews_wordcloud"},
      {"hackernews_source_data++", kHn},
      {"hackernews_source_data*", kHn},
      {"+hackernews_wordcloud+", kHn},
      {"+staging/sessions", "raw/users staging/events staging/sessions"},
      {"*staging/sessions*", kUpToMarts},
      {"*+marts/daily-active", kUpToMarts},  // a '*' makes the side unbounded
      {"raw/events+*", "marts/daily-active raw/events staging/events staging/sessions"},
      {"marts/daily-active", "marts/daily-active"},  // '-' needs no quotes here
      {"raw/events+,raw/users", "raw/events raw/users staging/events"},
      {"orphan, hackernews_report", "hackernews_report orphan"},
      {"  orphan  ", "orphan"},
      {"orphan,*", kAll},
      // from_string's last resort: "tag:k=v" with characters the grammar cannot spell.
      {"tag:team=data-eng", "raw/users"},
  };
  CheckCases(cases, /*errors=*/false);
}

TEST_CASE("selection: what Dagster rejects is rejected, with the column") {
  const std::string deep = std::string(300, '(') + "key:orphan" + std::string(300, ')');
  std::string negations;
  for (int i = 0; i < 300; ++i) negations += "not ";
  negations += "key:orphan";
  const Case cases[] = {
      {"", "empty selection expression"},
      {"   ", "empty selection expression"},
      // Legacy names must name an asset.
      {"hackernews_wordclod",
       "unknown asset 'hackernews_wordclod' at column 1 (did you mean 'hackernews_wordcloud'?)"},
      {"*hackernews_wordclod",
       "unknown asset 'hackernews_wordclod' at column 2 (did you mean 'hackernews_wordcloud'?)"},
      {"orphan,raw/event", "unknown asset 'raw/event' at column 8 (did you mean 'raw/events'?)"},
      {"nope", "unknown asset 'nope' at column 1"},
      // Invalid legacy clauses (text without the grammar's ':' '(' ')' '"' and / or / not).
      {"+", "invalid selection clause '+' at column 1"},
      {"*+", "invalid selection clause '*+' at column 1"},
      {"+*orphan", "invalid selection clause '+*orphan' at column 1"},
      {"orphan orphan", "invalid selection clause 'orphan orphan' at column 1"},
      {"orphan & raw/users", "invalid selection clause 'orphan & raw/users' at column 1"},
      {"orphan,,orphan", "empty selection clause at column 8"},
      // The grammar: no bare names, no '*' traversal, one '+' a side, keywords as values.
      {"orphan or key:raw/users", "unexpected 'orphan' at column 1 (did you mean 'key:orphan'?)"},
      {"key:orphan or orphan", "unexpected 'orphan' at column 15 (did you mean 'key:orphan'?)"},
      {"**key:orphan", "unexpected '**key' at column 1"},
      {"*key:orphan", "unexpected '*key' at column 1"},
      {"*(key:orphan)", "unexpected '(' at column 2"},
      {"(key:orphan)*", "unexpected '*' at column 13"},
      {"++key:orphan", "unexpected '+' at column 2"},
      {"key:orphan+ +key:orphan", "unexpected '+' at column 13"},
      {"2key:orphan", "unexpected 'key' at column 2"},
      {"not", "expected an expression at column 4"},
      {"key:orphan key:raw/users", "unexpected 'key' at column 12"},
      {"key:orphan and and", "unexpected 'and' at column 16"},
      {"key:orphan and", "expected an expression at column 15"},
      {"key:orphan And key:raw/users", "unexpected 'And' at column 12"},
      {"key:orphan, key:raw/users", "unexpected ',' at column 11"},
      {"sinks", "expected '(' after 'sinks' at column 6"},
      {"roots key:orphan", "expected '(' after 'roots' at column 7"},
      {"owner", "expected ':' after 'owner' at column 6"},
      {"key:", "expected a value after 'key:' at column 5"},
      {"key:*", "expected a value after 'key:' at column 5"},
      {"key:key", "expected a value after 'key:' at column 5"},
      {"key:<null>", "expected a value after 'key:' at column 5"},
      {"group:stag*", "expected a value after 'group:' at column 7"},
      {"tag:team=", "expected a value after '=' at column 10"},
      {"tag:team=dat*", "expected a value after '=' at column 10"},
      {"tag:a=b=c", "unexpected '=' at column 8"},
      {"owner:owner@owner.com", "expected a value after 'owner:' at column 7"},  // OWNER
      {"owner:bob@x", "unexpected character '@' at column 10"},
      {"key:raw/events-x", "unexpected character '-' at column 15"},
      {"key:\"orphan", "unterminated string at column 5"},
      {"(key:orphan", "expected ')' at column 12"},
      {"key:orphan)", "unexpected ')' at column 11"},
      {"grup:ingest", "unknown attribute 'grup' at column 1 (did you mean 'group'?)"},
      {"Key:orphan", "unknown attribute 'Key' at column 1 (did you mean 'key'?)"},
      {"sinks(key:orphan", "expected ')' at column 17"},
      {"key:\"a\\\"", "unterminated string at column 5"},
      {"status:healthy", "attribute 'status:' is not supported by assetflow at column 1"},
      {"code_location:x", "attribute 'code_location:' is not supported by assetflow at column 1"},
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
  const AssetGraph::Indices order = graph->TopologicalOrder();
  CHECK(plan == std::vector<size_t>(order.begin(), order.end()));
}

}  // namespace af
