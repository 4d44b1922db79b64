// The hostile-input catalog's cases. Each names what a hostile or careless user does, the exit
// code and the error fragment assetflow must answer with; the runner (catalog_test.cc) also
// checks that stored data and the event log did not change beyond what the case allows.
#include <assetflow/cpp/utf8.hpp>
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdlib>

#include "hostile/catalog.h"

namespace hostile {
namespace {

namespace fs = std::filesystem;

// "assets:\n  <body>" for one-line asset definitions.
std::string Assets(const std::vector<std::string>& lines) {
  std::string out = "assets:\n";
  for (const std::string& l : lines) out += "  " + l + "\n";
  return out;
}

// A `check` case: the manifest fails validation with exit code 2 and `fragment`.
Case Invalid(std::string name, std::string manifest, std::string fragment) {
  Case c;
  c.name = std::move(name);
  c.manifest = std::move(manifest);
  c.args = {"check"};
  c.exit_code = 2;
  c.fragment = std::move(fragment);
  return c;
}

// A `check` case that must pass: the control next to the hostile ones.
Case Valid(std::string name, std::string manifest, std::string fragment = "") {
  Case c = Invalid(std::move(name), std::move(manifest), std::move(fragment));
  c.exit_code = 0;
  return c;
}

Case Command(std::string name, std::vector<std::string> args, int exit_code, std::string fragment,
             std::string manifest = Assets({"a: { type: examples/constant }"})) {
  Case c;
  c.name = std::move(name);
  c.manifest = std::move(manifest);
  c.args = std::move(args);
  c.exit_code = exit_code;
  c.fragment = std::move(fragment);
  return c;
}

// A materialize of `manifest`'s assets that must fail (exit 1) with `fragment`; a failed run is
// recorded, nothing is stored.
Case Fails(std::string name, std::string manifest, std::string fragment,
           std::vector<std::string> extra = {}) {
  Case c = Command(std::move(name), {"materialize", "--all"}, 1, std::move(fragment),
                   std::move(manifest));
  c.args.insert(c.args.end(), extra.begin(), extra.end());
  c.changes = Changes::kRunRecorded;
  return c;
}

std::string Many(int n, const std::function<std::string(int)>& line) {
  std::string out = "assets:\n";
  for (int i = 0; i < n; ++i) out += "  " + line(i) + "\n";
  return out;
}

}  // namespace

std::vector<Case> ManifestCases() {
  const std::string ok = "a: { type: examples/constant }";
  std::vector<Case> cases = {
      Invalid("misspelled top-level key", "asets:\n  a: { type: examples/constant }\n",
              "m.yaml:1:1: error: unknown key 'asets' at the top level (did you mean 'assets'?)"),
      Invalid("misspelled asset key", Assets({"a: { type: examples/constant, grup: g }"}),
              "unknown key 'grup' in asset 'a' (did you mean 'group'?)"),
      Invalid("asset without a type", Assets({"a: { group: g }"}),
              "m.yaml:2:3: error: missing required key 'type' in asset 'a'"),
      Invalid("misspelled asset type", Assets({"a: { type: examples/constnt }"}),
              "unknown asset type 'examples/constnt' for asset 'a' (did you mean 'examples/constant'?)"),
      Invalid("input naming an unknown asset", Assets({ok, "b: { type: examples/concat, inputs: { x: aa } }"}),
              "input 'x' of asset 'b' names unknown asset 'aa' (did you mean 'a'?)"),
      Invalid("asset key with a space", Assets({"'a b': { type: examples/constant }"}),
              "invalid asset key 'a b' (want segments of letters, digits, '_' and '-', separated by '/')"),
      Invalid("asset key with an empty segment", Assets({"'a//b': { type: examples/constant }"}),
              "invalid asset key 'a//b'"),
      Invalid("the same asset twice", Assets({ok, ok}),
              "m.yaml:3:3: error: duplicate asset 'a' (first defined at "),
      Invalid("the same key twice in an asset", Assets({"a: { type: examples/constant, type: examples/concat }"}),
              "m.yaml:2:33: error: duplicate key 'type' in asset 'a' (first at "),
      Invalid("a tab in the indentation", "assets:\n\ta: { type: examples/constant }\n",
              "m.yaml:2:1: error: invalid YAML: tabs are not allowed for indentation (use spaces)"),
      Invalid("a tab after spaces in the indentation",
              "assets:\n  a:\n  \ttype: examples/constant\n",
              "m.yaml:3:3: error: invalid YAML: tabs are not allowed for indentation (use spaces)"),
      Valid("a tab inside a value is fine", Assets({"a: { type: examples/constant, description: \"x\\ty\" }"})),
      Invalid("an unclosed flow mapping", "assets:\n  a: { type: examples/constant\n",
              "m.yaml:3:1: error: invalid YAML"),
      Invalid("an unknown alias", Assets({"a: *nowhere"}), "error: invalid YAML"),
      Invalid("an unset variable without a default", Assets({"a: { type: examples/constant, config: { value: \"${AF_HOSTILE_UNSET}\" } }"}),
              "AF_HOSTILE_UNSET"),
      Invalid("an unterminated ${", Assets({"a: { type: examples/constant, config: { value: \"${HOME\" } }"}),
              "unterminated"),
      Invalid("retry delay of 1e300 seconds", Assets({"a: { type: examples/constant, retry_policy: { delay: 1e300 } }"}),
              "m.yaml:2:56: error: expected a duration of at most 24h for 'delay' of asset 'a', got '1e300'"),
      Invalid("retry delay of 25 hours", Assets({"a: { type: examples/constant, retry_policy: { delay: 25h } }"}),
              "expected a duration of at most 24h for 'delay' of asset 'a', got '25h'"),
      Invalid("retry delay overflowing to infinity", Assets({"a: { type: examples/constant, retry_policy: { delay: 1e999 } }"}),
              "expected a duration of at most 24h for 'delay' of asset 'a', got '1e999'"),
      Invalid("negative retry delay", Assets({"a: { type: examples/constant, retry_policy: { delay: -5s } }"}),
              "expected a duration (seconds, or like '500ms', '5s', '2m', '1h') for 'delay' of asset 'a', got '-5s'"),
      Invalid("max_retries beyond the bound", Assets({"a: { type: examples/constant, retry_policy: { max_retries: 1001 } }"}),
              "expected at most 1000 for 'max_retries' of asset 'a', got '1001' (bound the total time with 'deadline' instead)"),
      Invalid("max_retries of 2^64-1", Assets({"a: { type: examples/constant, retry_policy: { max_retries: 18446744073709551615 } }"}),
              "expected a non-negative integer for 'max_retries' of asset 'a', got '18446744073709551615'"),
      Invalid("negative max_retries", Assets({"a: { type: examples/constant, retry_policy: { max_retries: -1 } }"}),
              "expected a non-negative integer for 'max_retries' of asset 'a', got '-1'"),
      Invalid("fractional max_retries", Assets({"a: { type: examples/constant, retry_policy: { max_retries: 1.5 } }"}),
              "expected a non-negative integer for 'max_retries' of asset 'a', got '1.5'"),
      Invalid("retry deadline of zero", Assets({"a: { type: examples/constant, retry_policy: { deadline: 0 } }"}),
              "expected a duration greater than 0 (seconds, or like '500ms', '5s', '2m', '1h') for 'deadline' of asset 'a', got '0'"),
      Invalid("retry deadline beyond a week", Assets({"a: { type: examples/constant, retry_policy: { deadline: 169h } }"}),
              "expected a duration of at most 168h for 'deadline' of asset 'a', got '169h'"),
      Valid("retry bounds themselves", Assets({"a: { type: examples/constant, retry_policy: { max_retries: 1000, delay: 24h, deadline: 168h } }"})),
      Invalid("backoff without a delay", Assets({"a: { type: examples/constant, retry_policy: { backoff: linear } }"}),
              "'backoff' needs a 'delay' in retry_policy of asset 'a'"),
      Invalid("misspelled backoff", Assets({"a: { type: examples/constant, retry_policy: { delay: 1, backoff: EXPONENTAIL } }"}),
              "got 'EXPONENTAIL' (did you mean 'EXPONENTIAL'?)"),
      Invalid("retry_policy as a list", Assets({"a: { type: examples/constant, retry_policy: [1] }"}),
              "expected a mapping for 'retry_policy' of asset 'a', got a list"),
      Invalid("timeout of 1e300 seconds", Assets({"a: { type: examples/constant, timeout: 1e300 }"}),
              "expected a duration of at most 8784h for 'timeout' of asset 'a', got '1e300'"),
      Invalid("timeout of zero", Assets({"a: { type: examples/constant, timeout: 0 }"}),
              "expected a duration greater than 0"),
      Invalid("max_rss_mb of zero", Assets({"a: { type: examples/constant, max_rss_mb: 0 }"}),
              "expected a positive integer for 'max_rss_mb' of asset 'a', got '0'"),
      Invalid("unknown isolation", Assets({"a: { type: examples/constant, isolation: container }"}),
              "for 'isolation' of asset 'a', got 'container'"),
      Invalid("config integer of 2^64-1 (repeat)", Assets({"a: { type: examples/constant, config: { repeat: 18446744073709551615 } }"}),
              "integer 18446744073709551615 is out of range (config integers are 64-bit signed: at most 9223372036854775807) for asset 'a'"),
      Invalid("config integer beyond 2^64", Assets({"a: { type: examples/constant, config: { repeat: 99999999999999999999 } }"}),
              "config 'repeat'"),
      Invalid("config below the schema's minimum", Assets({"a: { type: examples/constant, config: { repeat: 0 } }"}),
              "config 'repeat': 0 is less than the minimum 1"),
      Invalid("misspelled config key", Assets({"a: { type: examples/constant, config: { valeu: x } }"}),
              "unknown key 'valeu'"),
      Invalid("config value of the wrong type", Assets({"a: { type: examples/constant, config: { value: [1, 2] } }"}),
              "config 'value'"),
      Invalid("config as a list", Assets({"a: { type: examples/constant, config: [1] }"}),
              "expected a mapping for 'config' of asset 'a', got a list"),
      Invalid("an empty plugin_dirs entry", "plugin_dirs: ['']\n" + Assets({ok}),
              "m.yaml:1:15: error: empty entry in 'plugin_dirs' (use '.' for the manifest's own directory)"),
      Invalid("plugin_dirs as a string", "plugin_dirs: plugins\n" + Assets({ok}),
              "expected a list for 'plugin_dirs', got 'plugins'"),
      Invalid("a key segment of 243 bytes", Assets({std::string(243, 'k') + ": { type: examples/constant }"}),
              "asset key segment of 243 bytes is too long (at most 200: stored as a file name, with room for its temp file's suffix)"),
      Invalid("a key segment of 255 bytes", Assets({"p/" + std::string(255, 'k') + ": { type: examples/constant }"}),
              "asset key segment of 255 bytes is too long"),
      Invalid("a key segment of 300 bytes", Assets({std::string(300, 'k') + ": { type: examples/constant }"}),
              "asset key segment of 300 bytes is too long"),
      Valid("a key segment of 200 bytes", Assets({std::string(200, 'k') + ": { type: examples/constant }"})),
      Invalid("unknown io_manager resource", Assets({"a: { type: examples/constant, io_manager: io_mangr }"}),
              "asset 'a' uses unknown resource 'io_mangr' as io_manager"),
      Invalid("resource of an unknown type", "resources:\n  store: { type: fs_io/fs_io_mgr }\n" + Assets({ok}),
              "unknown IO manager type 'fs_io/fs_io_mgr' for resource 'store' (did you mean 'fs_io/fs_io_manager'?)"),
      Invalid("a resource that is an asset type", "resources:\n  store: { type: examples/constant }\n" + Assets({ok}),
              "'examples/constant' is an asset type, not an IO manager, for resource 'store' (declare it under assets)"),
      Invalid("an asset that is an IO manager type", Assets({"a: { type: fs_io/fs_io_manager }"}),
              "'fs_io/fs_io_manager' is an IO manager, not an asset type, for asset 'a' (declare it under resources)"),
      Invalid("freshness without maximum_lag_minutes", Assets({"a: { type: examples/constant, freshness_policy: { cron_schedule: '0 * * * *' } }"}),
              "missing required key 'maximum_lag_minutes' in freshness_policy of asset 'a'"),
      Invalid("a cron schedule of three fields", Assets({"a: { type: examples/constant, freshness_policy: { maximum_lag_minutes: 5, cron_schedule: '0 * *' } }"}),
              "m.yaml:2:93: error: expected 5 fields (minute hour day-of-month month day-of-week, like '0 * * * *') or @hourly/@daily/@weekly/@monthly/@yearly, got 3 fields in 'cron_schedule' of asset 'a'"),
      Invalid("tags as a list", Assets({"a: { type: examples/constant, tags: [x] }"}),
              "expected a mapping for 'tags' of asset 'a', got a list"),
      Invalid("a group with a dash", Assets({"a: { type: examples/constant, group: my-group }"}),
              "invalid group name 'my-group' in asset 'a' (want letters, digits and '_')"),
      Invalid("inputs as a list", Assets({"a: { type: examples/concat, inputs: [b] }"}),
              "expected a mapping for 'inputs' of asset 'a', got a list"),
      Invalid("an input name with a slash", Assets({ok, "b: { type: examples/concat, inputs: { 'x/y': a } }"}),
              "invalid input name 'x/y' in asset 'b' (want letters, digits and '_')"),
      Invalid("a cycle of two assets", Assets({"a: { type: examples/concat, inputs: { x: b } }", "b: { type: examples/concat, inputs: { x: a } }"}),
              "cycle"),
      Invalid("an asset that is its own input", Assets({"a: { type: examples/concat, inputs: { x: a } }"}),
              "cycle"),
      Valid("an empty manifest", ""),
      Invalid("a manifest that is a list", "- a\n- b\n",
              "m.yaml:1:1: error: expected a mapping for the top of the manifest, got a list"),
      Invalid("a manifest that is one word", "assets\n",
              "m.yaml:1:1: error: expected a mapping for the top of the manifest, got a string (is this file a manifest?)"),
      Invalid("NUL bytes in the manifest", std::string("assets:\n  a: { type: examples/constant }\n\0\0\0garbage", 50),
              "m.yaml"),
      Invalid("owners as a string", Assets({"a: { type: examples/constant, owners: me }"}),
              "expected a list for 'owners' of asset 'a', got 'me'"),
      Invalid("two top-level retry policies", "retry_policy: { max_retries: 1 }\n---\nretry_policy: { max_retries: 2 }\n",
              "m.yaml:3:1: error: duplicate top-level 'retry_policy' (first defined at "),
      Invalid("two top-level executors", "executor: { type: in_process }\n---\nexecutor: { type: multiprocess }\n",
              "m.yaml:3:1: error: duplicate top-level 'executor' (first defined at "),
      Invalid("two top-level alerts", "alerts: { command: \"true\" }\n---\nalerts: { command: \"false\" }\n",
              "m.yaml:3:1: error: duplicate top-level 'alerts' (first defined at "),
      Valid("an x- extension key with anchors", "x-defaults: &d { type: examples/constant }\nassets:\n  a: *d\n"),
  };

  // Control bytes in a key are escaped when echoed, never sent raw to the terminal.
  Case escape = Invalid("control bytes in an asset key", Assets({"\"a\\e[2Jb\": { type: examples/constant }"}),
                        "invalid asset key 'a\\x1b[2Jb'");
  escape.absent = "\x1b";
  cases.push_back(escape);
  Case cr = Invalid("a carriage return in an unknown key", Assets({"a: { type: examples/constant, \"grup\\r\": g }"}),
                    "unknown key 'grup\\x0d' in asset 'a'");
  cr.absent = "\r";
  cases.push_back(cr);

  // Suggestions stay cheap (they were quadratic): a 20,000-char unknown input, and 20,000
  // assets whose inputs are all unknown.
  Case long_name = Invalid("a 20,000-char unknown input name",
                           Assets({ok, "b: { type: examples/concat, inputs: { x: " + std::string(20000, 'z') + " } }"}),
                           "input 'x' of asset 'b' names unknown asset 'zzzz");
  long_name.max_seconds = 20;
  cases.push_back(long_name);
  Case longer = Invalid("a 20,000-char unknown input among 100,000 assets",
                        Many(100000, [](int i) { return "asset_" + std::to_string(i) + ": { type: examples/constant }"; }) +
                            "  last: { type: examples/concat, inputs: { x: " + std::string(20000, 'z') + " } }\n",
                        "m.yaml:100002:47: error: input 'x' of asset 'last' names unknown asset 'zzzz");
  longer.max_seconds = 60;
  cases.push_back(longer);
  Case many = Invalid("20,000 assets with unknown inputs",
                      Many(20000, [](int i) {
                        return "a" + std::to_string(i) + ": { type: examples/concat, inputs: { x: b" +
                               std::to_string(i) + " } }";
                      }),
                      "input 'x' of asset 'a0' names unknown asset 'b0' (did you mean 'a0'?)");
  many.max_seconds = 60;
  cases.push_back(many);
  return cases;
}

std::vector<Case> SelectionCases() {
  const std::string m = Assets({"seed: { type: examples/constant, config: { value: kept } }",
                                "b: { type: examples/concat, inputs: { x: seed }, group: g }"});
  auto select = [&](std::string name, std::string expr, int code, std::string fragment) {
    return Command(std::move(name), {"materialize", "--dry-run", "--select", std::move(expr)}, code,
                   std::move(fragment), m);
  };
  std::vector<Case> cases = {
      select("a misspelled asset", "seeed", 2, "unknown asset 'seeed'"),
      select("an unclosed parenthesis", "(seed", 2, "error: "),
      select("a stray closing parenthesis", "seed)", 2, "error: "),
      select("an unknown attribute", "grop:g", 2, "unknown attribute 'grop'"),
      select("an empty selection", "", 2, "error: "),
      select("only commas", ",,,", 2, "error: "),
      select("a dangling and", "seed and", 2, "error: "),
      select("a lone not", "not", 2, "error: "),
      select("an unterminated string", "key:\"seed", 2, "error: "),
      select("a key with a NUL-free 20,000-char name", std::string(20000, 'q'), 2, "unknown asset 'qqqq"),
      select("many plus signs", "seed" + std::string(200, '+'), 0, "b"),
      select("a valid group selection", "group:g", 0, "b"),
  };
  Case esc = select("control bytes in a selection", "se\x1b[31med", 2,
                    "error: --select: invalid selection clause 'se\\x1b[31med' at column 1");
  esc.absent = "\x1b";
  cases.push_back(esc);
  for (Case& c : cases) c.max_seconds = 20;
  return cases;
}

std::vector<Case> CommandLineCases() {
  std::vector<Case> cases = {
      Command("a misspelled command", {"matrialize", "--all"}, 2,
              "error: unknown command 'matrialize', did you mean 'materialize'?"),
      Command("a misspelled command after global options", {"--quiet", "stauts"}, 2,
              "error: unknown command 'stauts', did you mean 'status'?"),
      Command("an unknown command", {"frobnicate"}, 2, "error: unknown command 'frobnicate' (see assetflow --help)"),
      Command("-j 0", {"materialize", "--all", "-j", "0"}, 2, "--jobs: Value 0 not in range 1 to 1024"),
      Command("-j 100000", {"materialize", "--all", "-j", "100000"}, 2, "--jobs: Value 100000 not in range 1 to 1024"),
      Command("-j -1", {"materialize", "--all", "-j", "-1"}, 2, "--jobs"),
      Command("-j abc", {"materialize", "--all", "-j", "abc"}, 2, "--jobs"),
      Command("--wait 1e308", {"materialize", "--all", "--wait", "1e308"}, 2, "--wait: expected seconds from 0 to 604800, got '1e308'"),
      Command("--wait -1", {"materialize", "--all", "--wait", "-1"}, 2, "--wait"),
      Command("--wait nan", {"materialize", "--all", "--wait", "nan"}, 2, "--wait: expected seconds from 0 to 604800, got 'nan'"),
      Command("--grace 1e308", {"materialize", "--all", "--grace", "1e308"}, 2, "--grace: expected seconds from 0 to 3600, got '1e308'"),
      Command("--log-format xml", {"--log-format", "xml", "status"}, 2, "--log-format"),
      Command("--executor gpu", {"materialize", "--all", "--executor", "gpu"}, 2, "--executor"),
      Command("materialize without a selection", {"materialize"}, 2,
              "error: nothing selected: use --all, --select EXPR, or --missing / --stale / --failed"),
      Command("logs of an unknown run", {"logs", "nosuchrun"}, 2, "error: no run 'nosuchrun' (see `assetflow runs`)"),
      Command("status of an unknown asset", {"status", "--why", "nosuch"}, 2, "error: "),
  };
  Case esc = Command("logs of a run id with escape sequences", {"logs", "\x1b]0;owned\x07"}, 2,
                     "error: no run '\\x1b]0;owned\\x07'");
  esc.absent = "\x1b";
  cases.push_back(esc);

  Case missing = Command("a manifest that does not exist", {"--manifest", "/nonexistent/m.yaml", "check"}, 2,
                         "/nonexistent/m.yaml");
  missing.bare = true;
  cases.push_back(missing);
  Case empty_plugin_dir = Command("an empty --plugin-dir", {"--manifest", "{DIR}/m.yaml", "--plugin-dir", "", "check"}, 2,
                                  "error: plugin directory does not exist (--plugin-dir)");
  empty_plugin_dir.bare = true;
  cases.push_back(empty_plugin_dir);
  Case no_plugin_dir = Command("a --plugin-dir that does not exist", {"--manifest", "{DIR}/m.yaml", "--plugin-dir", "/nonexistent", "check"}, 2,
                               "/nonexistent: error: plugin directory does not exist (--plugin-dir)");
  no_plugin_dir.bare = true;
  cases.push_back(no_plugin_dir);

  // Too little address space for 300 workers' stacks and malloc arenas: the run takes the
  // workers that leave the steps room (rather than starting threads until the OS refuses one,
  // which starved the steps already running), says so, and ends SUCCESS.
  Case threads = Command("threads capped under -j 300 and an address-space limit",
                         {"materialize", "--all", "-j", "300"}, 0,
                         "of 300 worker threads: the address-space limit of 1430 MiB leaves room for ",
                         Many(300, [](int i) { return "t" + std::to_string(i) + ": { type: examples/constant }"; }));
  threads.wrapper = {"/usr/bin/prlimit", "--as=1500000000", "--"};
  threads.changes = Changes::kStored;
  threads.check = [](const Outcome& o) {
    CHECK(o.result.out.find("SUCCESS: 300 succeeded, 0 failed, 0 skipped") != std::string::npos);
    CHECK(af_test::ReadFile(o.home + "/storage/t299") == "");
  };
  // ASan reserves terabytes of shadow address space at start: under an address-space limit it
  // cannot even start (test.sh's sanitizer stage sets ASAN_OPTIONS); the release stage runs it.
  if (std::getenv("ASAN_OPTIONS") == nullptr) cases.push_back(threads);
  return cases;
}

std::vector<Case> PluginCases() {
  auto bytes = [](const std::string& hex, const std::string& into) {
    return Assets({"h: { type: hostile/bytes, config: { hex: \"" + hex + "\", into: " + into + " } }"});
  };
  std::vector<Case> cases = {
      Fails("a plugin failing on purpose", Assets({"f: { type: examples/fail, config: { message: \"broken on purpose\" } }"}),
            "FAILED   f: broken on purpose"),
      Fails("an error message with invalid UTF-8, as JSON events", bytes("626164ff", "error"),
            "bad\xEF\xBF\xBD", {"--log-format", "json"}),
      Fails("a retryable failure past the retry deadline",
            Assets({"f: { type: examples/fail, config: { mode: retryable, message: boom }, retry_policy: { max_retries: 1000, delay: 1s, deadline: 1500ms } }"}),
            "boom (not retried: the retry deadline of 1.5 s would pass)"),
      Fails("exponential backoff that would sleep for a day",
            Assets({"f: { type: examples/fail, config: { mode: retryable, message: boom }, retry_policy: { max_retries: 1000, delay: 24h, backoff: exponential } }"}),
            "boom (not retried: the retry deadline of 3600 s would pass)"),
  };
  cases[1].check = [](const Outcome& o) { CHECK(IsValidJsonLines(o.result.out)); };
  for (Case& c : cases) c.max_seconds = 30;

  Case log = Command("a log line with invalid UTF-8, as JSON events", {"--log-format", "json", "materialize", "--all"}, 0,
                     "\"message\":\"bad\xEF\xBF\xBD\xEF\xBF\xBD\"", bytes("626164c0af", "log"));
  log.changes = Changes::kStored;
  log.check = [](const Outcome& o) { CHECK(IsValidJsonLines(o.result.out)); };
  cases.push_back(log);

  Case nul = Command("text metadata with a NUL byte", {"--log-format", "json", "materialize", "--all"}, 0,
                     "\"value\":\"ok\xEF\xBF\xBDhidden\"", bytes("6f6b0068696464656e", "metadata"));
  nul.changes = Changes::kStored;
  cases.push_back(nul);

  Case meta = Command("text metadata with invalid UTF-8", {"--log-format", "json", "materialize", "--all"}, 0,
                      "\"value\":\"ab\xEF\xBF\xBD\"", bytes("6162ed", "metadata"));
  meta.changes = Changes::kStored;
  meta.check = [](const Outcome& o) {
    CHECK(IsValidJsonLines(o.result.out));
    CHECK(ReadStored(o, "h") == "ab\xed");  // the data itself is the plugin's, byte for byte
  };
  cases.push_back(meta);

  // 1,100 inputs read one after the other under an open-file limit of 256: each input is
  // released once read to its end.
  std::string fan = "assets:\n";
  for (int i = 0; i < 1100; ++i) fan += "  u" + std::to_string(i) + ": { type: examples/constant, config: { value: x } }\n";
  fan += "  all: { type: examples/concat, config: { separator: '' }, inputs: {";
  for (int i = 0; i < 1100; ++i) fan += (i ? ", i" : " i") + std::to_string(i) + ": u" + std::to_string(i);
  fan += " } }\n";
  Case inputs = Command("1,100 inputs under an open-file limit of 256", {"materialize", "--all", "-j", "2"}, 0,
                        "SUCCESS: 1101 succeeded", fan);
  inputs.wrapper = {"/usr/bin/prlimit", "--nofile=256", "--"};
  inputs.changes = Changes::kStored;
  inputs.max_seconds = 120;
  inputs.check = [](const Outcome& o) { CHECK(ReadStored(o, "all") == std::string(1100, 'x')); };
  cases.push_back(inputs);
  return cases;
}

std::vector<Case> StoredCases() {
  std::vector<Case> cases;
  // The stored file of an upstream asset replaced by a directory: reading it is a precise,
  // fatal error (a retry cannot help), not "reading an input stream failed".
  Case dir = Fails("an upstream's stored file replaced by a directory",
                   Assets({"seed: { type: examples/constant, config: { value: kept } }",
                           "down: { type: examples/concat, inputs: { x: seed }, retry_policy: { max_retries: 3 } }"}),
                   "is a directory", {"--select", "down"});
  dir.args = {"materialize", "--select", "down"};
  dir.prepare = [](const std::string& d) {
    fs::remove(d + "/home/storage/seed");
    fs::create_directories(d + "/home/storage/seed/inside");
  };
  dir.check = [](const Outcome& o) { CHECK(o.result.out.find("retry 1 of 3") == std::string::npos); };
  cases.push_back(dir);

  // A write that fails in the IO manager (here EFBIG under a 1 MiB file size limit; ENOSPC
  // takes the same path) names the file and the reason; EFBIG is fatal, so never retried.
  Case full = Fails("a write past the file size limit, as a full disk",
                    Assets({"big: { type: examples/constant, config: { value: \"" + std::string(1024, 'b') +
                            "\", repeat: 2048 }, retry_policy: { max_retries: 3 } }"}),
                    "storing 'big' with fs_io/fs_io_manager failed: cannot write '");
  full.wrapper = {"/usr/bin/prlimit", "--fsize=1048576", "--"};
  full.check = [](const Outcome& o) {
    CHECK(o.result.out.find("File too large") != std::string::npos);
    CHECK(o.result.out.find("retry 1 of 3") == std::string::npos);
  };
  cases.push_back(full);

  // A home on a read-only file system (a mount namespace of its own): `status` reads it, and
  // a materialize fails at its first write with SQLite's words, not at open.
  const std::vector<std::string> read_only = {
      "/usr/bin/unshare", "-m", "/bin/sh", "-c",
      "mount --bind {DIR}/home {DIR}/home && mount -o remount,bind,ro {DIR}/home && exec \"$@\"", "sh"};
  const std::string seed = Assets({"seed: { type: examples/constant, config: { value: kept } }"});
  Case status = Command("status of a read-only home", {"status"}, 0, "seed   FRESH", seed);
  status.wrapper = read_only;
  status.needs = "unshare -m sh -c 'mount -t tmpfs none /mnt'";
  cases.push_back(status);
  Case write = Command("materialize into a read-only home", {"materialize", "--all"}, 1,
                       "attempt to write a readonly database", seed);
  write.wrapper = read_only;
  write.needs = status.needs;
  cases.push_back(write);
  return cases;
}

std::vector<Case> ServerCases(const Env& env) {
  auto hn = [&](const std::string& url, const std::string& extra = "") {
    return Assets({"hn: { type: hackernews/top_stories, config: { base_url: \"" + url +
                   "\", count: 2, retry_backoff_ms: 1" + (extra.find("retries") == std::string::npos ? ", retries: 2" : "") +
                   extra + " } }"});
  };
  std::vector<Case> cases = {
      Fails("a server that never answers", hn(env.server.silent_url(), ", timeout_ms: 600000, deadline_ms: 1500"),
            "gave up at the 1500 ms deadline (1 attempts)"),
      Fails("429 with Retry-After: 60 forever", hn(env.server.url("s429"), ", retries: 50, deadline_ms: 3000"),
            "HTTP 429 (1 attempts; the next would pass the 3000 ms deadline)"),
      Fails("a body trickling one byte a second", hn(env.server.url("trickle"), ", timeout_ms: 600000, deadline_ms: 2500"),
            "gave up at the 2500 ms deadline"),
      Fails("500 on every request", hn(env.server.url("s500")), "HTTP 500 (3 attempts)"),
      Fails("404 on every request", hn(env.server.url("notfound")), "HTTP 404"),
      Fails("topstories that is not JSON", hn(env.server.url("garbage")), "topstories.json"),
      Fails("a negative story id", hn(env.server.url("negative")), "topstories.json"),
      Fails("an item answering with another id", hn(env.server.url("wrongid")), "item/1.json"),
      Fails("a title that is a number", hn(env.server.url("wrongtype")), "item/1.json"),
      Fails("topstories over its size cap", hn(env.server.url("big"), ", max_topstories_bytes: 1024"),
            "response body exceeds the limit of 1024 bytes"),
  };
  for (Case& c : cases) c.max_seconds = 30;

  Case utf8 = Command("titles and authors with invalid UTF-8", {"--log-format", "json", "materialize", "--all"}, 0,
                      "RUN_SUCCESS", hn(env.server.url("utf8")));
  utf8.changes = Changes::kStored;
  utf8.check = [](const Outcome& o) {
    const std::string stored = ReadStored(o, "hn");
    CHECK(assetflow::is_valid_utf8(stored));
    CHECK(stored.find("bad \xEF\xBF\xBD\xEF\xBF\xBD bytes") != std::string::npos);
    CHECK(IsValidJsonLines(o.result.out));
  };
  cases.push_back(utf8);

  Case nul = Command("a title with an escaped NUL", {"materialize", "--all"}, 0, "SUCCESS", hn(env.server.url("nul")));
  nul.changes = Changes::kStored;
  nul.check = [](const Outcome& o) {
    CHECK(ReadStored(o, "hn").find(R"("title":"before\u0000after")") != std::string::npos);
    CHECK(o.result.out.find("NUL") == std::string::npos);
  };
  cases.push_back(nul);

  Case ok = Command("the control: a well-behaved server", {"materialize", "--all"}, 0, "SUCCESS", hn(env.server.url("ok")));
  ok.changes = Changes::kStored;
  ok.check = [](const Outcome& o) { CHECK(ReadStored(o, "hn").find("First story") != std::string::npos); };
  cases.push_back(ok);
  return cases;
}

}  // namespace hostile
