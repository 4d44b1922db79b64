// retry_policy in manifests, as Dagster's RetryPolicy: max_retries defaults to 1, backoff and
// jitter in Dagster's spelling or lower case, and a top-level policy for every asset without
// its own. Exact policies for valid manifests, exact diagnostics for invalid ones.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "manifest/manifest_loader.h"
#include "manifest/manifest_test_util.h"

namespace af {
namespace {

using B = RetryPolicy::Backoff;
using J = RetryPolicy::Jitter;

// "none", or "max=N delay=D backoff=B jitter=J".
std::string Describe(const RetryPolicy* p) {
  if (!p) return "none";
  const char* backoff[] = {"none", "linear", "exponential"};
  const char* jitter[] = {"none", "full", "plus_minus"};
  std::string delay = std::to_string(p->delay_seconds);
  delay.erase(delay.find_last_not_of('0') + 1);
  if (delay.back() == '.') delay.pop_back();
  return "max=" + std::to_string(p->max_retries) + " delay=" + delay +
         " backoff=" + backoff[static_cast<int>(p->backoff)] +
         " jitter=" + jitter[static_cast<int>(p->jitter)];
}

// Every asset's policy, "key: policy", in key order; or the diagnostics if loading failed.
std::string Policies(const std::vector<std::pair<std::string, std::string>>& files) {
  ManifestLoader loader(testing::MapEnv({}));
  bool ok = true;
  for (const auto& [name, yaml] : files) ok &= loader.ParseText(yaml, name);
  Definitions defs;
  if (!ok || !loader.Resolve(testing::TestCatalog(), &defs))
    return FormatDiagnostics(loader.diagnostics());
  std::string out;
  for (const AssetDef& a : defs.assets) out += a.key + ": " + Describe(a.retry_policy.get()) + "\n";
  return out;
}

struct Case {
  const char* name;
  std::vector<std::pair<std::string, std::string>> files;
  const char* expected;
};

const std::vector<Case> kCases = {
    {"max_retries defaults to 1, as in Dagster",
     {{"m.yaml", R"(assets:
  empty: {type: examples/constant, retry_policy: {}}
  delay_only: {type: examples/constant, retry_policy: {delay: 5s}}
  given: {type: examples/constant, retry_policy: {max_retries: 4}}
  zero: {type: examples/constant, retry_policy: {max_retries: 0}}
  without: {type: examples/constant}
)"}},
     R"(delay_only: max=1 delay=5 backoff=none jitter=none
empty: max=1 delay=0 backoff=none jitter=none
given: max=4 delay=0 backoff=none jitter=none
without: none
zero: max=0 delay=0 backoff=none jitter=none
)"},
    {"backoff and jitter in Dagster's spelling and in lower case",
     {{"m.yaml", R"(assets:
  a: {type: examples/constant, retry_policy: {delay: 1, backoff: LINEAR, jitter: FULL}}
  b: {type: examples/constant, retry_policy: {delay: 1, backoff: EXPONENTIAL, jitter: PLUS_MINUS}}
  c: {type: examples/constant, retry_policy: {delay: 1, backoff: linear, jitter: full}}
  d: {type: examples/constant, retry_policy: {delay: 1, backoff: exponential, jitter: plus_minus}}
)"}},
     R"(a: max=1 delay=1 backoff=linear jitter=full
b: max=1 delay=1 backoff=exponential jitter=plus_minus
c: max=1 delay=1 backoff=linear jitter=full
d: max=1 delay=1 backoff=exponential jitter=plus_minus
)"},
    {"a top-level policy applies to every asset without its own",
     {{"m.yaml", R"(retry_policy: {max_retries: 3, delay: 2s, backoff: EXPONENTIAL}
assets:
  inherits: {type: examples/constant}
  own: {type: examples/constant, retry_policy: {delay: 1s}}
  opts_out: {type: examples/constant, retry_policy: {max_retries: 0}}
)"}},
     R"(inherits: max=3 delay=2 backoff=exponential jitter=none
opts_out: max=0 delay=0 backoff=none jitter=none
own: max=1 delay=1 backoff=none jitter=none
)"},
    {"the top-level policy reaches assets of every file, before or after it",
     {{"one.yaml", "assets:\n  a: {type: examples/constant}\n"},
      {"two.yaml", "retry_policy: {}\nassets:\n  b: {type: examples/constant}\n"},
      {"three.yaml", "assets:\n  c: {type: examples/constant}\n"}},
     R"(a: max=1 delay=0 backoff=none jitter=none
b: max=1 delay=0 backoff=none jitter=none
c: max=1 delay=0 backoff=none jitter=none
)"},
    {"a second top-level policy, in another file, names both places",
     {{"one.yaml", "retry_policy: {max_retries: 2}\n"},
      {"two.yaml", "# again\nretry_policy: {max_retries: 3}\nassets:\n  a: {type: examples/constant}\n"}},
     R"(two.yaml:2:1: error: duplicate top-level 'retry_policy' (first defined at one.yaml:1:1)
)"},
    {"a second top-level policy, in another document of the same file",
     {{"m.yaml", "retry_policy: {max_retries: 2}\n---\nretry_policy: {max_retries: 3}\n"}},
     R"(m.yaml:3:1: error: duplicate top-level 'retry_policy' (first defined at m.yaml:1:1)
)"},
    {"a repeated top-level key in one mapping",
     {{"m.yaml", "retry_policy: {max_retries: 2}\nretry_policy: {max_retries: 3}\n"}},
     R"(m.yaml:2:1: error: duplicate key 'retry_policy' at the top level (first at m.yaml:1:1)
)"},
    {"mistakes in the top-level policy",
     {{"m.yaml", R"(retry_policy:
  max_retry: 2
  backoff: LINEARR
  jitter: Full
assets:
  a: {type: examples/constant}
)"}},
     R"(m.yaml:2:3: error: unknown key 'max_retry' in retry_policy of the top level (did you mean 'max_retries'?)
m.yaml:3:12: error: expected 'linear' or 'exponential' (or 'LINEAR', 'EXPONENTIAL') for 'backoff' of the top level, got 'LINEARR' (did you mean 'LINEAR'?)
m.yaml:4:11: error: expected 'full' or 'plus_minus' (or 'FULL', 'PLUS_MINUS') for 'jitter' of the top level, got 'Full' (did you mean 'full'?)
m.yaml:3:3: error: 'backoff' needs a 'delay' in retry_policy of the top level
m.yaml:4:3: error: 'jitter' needs a 'delay' in retry_policy of the top level
)"},
    {"the top-level policy is a list",
     {{"m.yaml", "retry_policy: [1]\n"}},
     R"(m.yaml:1:15: error: expected a mapping for 'retry_policy' of the top level, got a list
)"},
    {"Dagster's names misspelled in an asset's policy",
     {{"m.yaml", R"(assets:
  a:
    type: examples/constant
    retry_policy: {delay: 1, backoff: EXPONENTAIL, jitter: PLUS_MINSU}
)"}},
     R"(m.yaml:4:39: error: expected 'linear' or 'exponential' (or 'LINEAR', 'EXPONENTIAL') for 'backoff' of asset 'a', got 'EXPONENTAIL' (did you mean 'EXPONENTIAL'?)
m.yaml:4:60: error: expected 'full' or 'plus_minus' (or 'FULL', 'PLUS_MINUS') for 'jitter' of asset 'a', got 'PLUS_MINSU' (did you mean 'PLUS_MINUS'?)
)"},
    {"bounds: max_retries, delay and deadline out of range are errors, never clamped",
     {{"m.yaml", R"(assets:
  a: {type: examples/constant, retry_policy: {max_retries: 5000}}
  b: {type: examples/constant, retry_policy: {max_retries: 18446744073709551615}}
  c: {type: examples/constant, retry_policy: {delay: 1e300}}
  d: {type: examples/constant, retry_policy: {delay: 25h}}
  e: {type: examples/constant, retry_policy: {deadline: 0}}
  f: {type: examples/constant, retry_policy: {deadline: 200h}}
  g: {type: examples/constant, timeout: 1e300}
)"}},
     R"(m.yaml:2:60: error: expected at most 1000 for 'max_retries' of asset 'a', got '5000' (bound the total time with 'deadline' instead)
m.yaml:3:60: error: expected a non-negative integer for 'max_retries' of asset 'b', got '18446744073709551615'
m.yaml:4:54: error: expected a duration of at most 24h for 'delay' of asset 'c', got '1e300'
m.yaml:5:54: error: expected a duration of at most 24h for 'delay' of asset 'd', got '25h'
m.yaml:6:57: error: expected a duration greater than 0 (seconds, or like '500ms', '5s', '2m', '1h') for 'deadline' of asset 'e', got '0'
m.yaml:7:57: error: expected a duration of at most 168h for 'deadline' of asset 'f', got '200h'
m.yaml:8:41: error: expected a duration of at most 8784h for 'timeout' of asset 'g', got '1e300'
)"},
    {"the bounds themselves are valid",
     {{"m.yaml", R"(assets:
  a: {type: examples/constant, retry_policy: {max_retries: 1000, delay: 24h, deadline: 168h}}
)"}},
     R"(a: max=1000 delay=86400 backoff=none jitter=none
)"},
};

}  // namespace

TEST_CASE("retry_policy: defaults, Dagster's spelling and the top-level policy, exactly") {
  for (const Case& c : kCases) {
    INFO(std::string(c.name));
    CHECK(Policies(c.files) == c.expected);
  }
}

// 100,000 assets may inherit it: they share one block rather than a copy each.
TEST_CASE("retry_policy: the assets without their own share the top-level policy's block") {
  ManifestLoader loader(testing::MapEnv({}));
  REQUIRE(loader.ParseText(R"(retry_policy: {max_retries: 3}
assets:
  a: {type: examples/constant}
  b: {type: examples/constant}
  own: {type: examples/constant, retry_policy: {max_retries: 3}}
)", "m.yaml"));
  Definitions defs;
  REQUIRE(loader.Resolve(testing::TestCatalog(), &defs));
  const AssetDef& a = *defs.FindAsset("a");
  const AssetDef& b = *defs.FindAsset("b");
  const AssetDef& own = *defs.FindAsset("own");
  REQUIRE(a.retry_policy != nullptr);
  CHECK(a.retry_policy == b.retry_policy);
  CHECK(own.retry_policy != a.retry_policy);  // its own, though equal
  CHECK(own.retry_policy->max_retries == 3);
  Definitions copy = defs;  // a copy shares the immutable policies too
  CHECK(copy.FindAsset("a")->retry_policy == a.retry_policy);
}

}  // namespace af
