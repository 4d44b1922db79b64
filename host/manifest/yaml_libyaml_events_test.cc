// The fast path must be indistinguishable from yaml-cpp: same events, same marks. Each text
// here is parsed by both; where the fast parser accepts, the event streams must be identical.
#include "manifest/yaml_fast_parser.h"

#include <doctest/doctest.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <iterator>
#include <random>
#include <sstream>
#include <string>

namespace af {
namespace {

class Recorder : public YAML::EventHandler {
 public:
  std::string events;
  void OnDocumentStart(const YAML::Mark& m) override { Add("doc", m); }
  void OnDocumentEnd() override { events += "end-doc\n"; }
  void OnNull(const YAML::Mark& m, YAML::anchor_t a) override { Add("null", m, a); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t a) override { Add("alias", m, a); }
  void OnScalar(const YAML::Mark& m, const std::string& tag, YAML::anchor_t a,
                const std::string& value) override {
    Add("scalar " + tag + " [" + value + "]", m, a);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string& tag, YAML::anchor_t a,
                       YAML::EmitterStyle::value style) override {
    Add("seq " + tag + " " + std::to_string(style), m, a);
  }
  void OnSequenceEnd() override { events += "end-seq\n"; }
  void OnMapStart(const YAML::Mark& m, const std::string& tag, YAML::anchor_t a,
                  YAML::EmitterStyle::value style) override {
    Add("map " + tag + " " + std::to_string(style), m, a);
  }
  void OnMapEnd() override { events += "end-map\n"; }

 private:
  void Add(const std::string& what, const YAML::Mark& m, YAML::anchor_t a = 0) {
    events += what + " @" + std::to_string(m.line) + ":" + std::to_string(m.column) + " &" +
              std::to_string(a) + "\n";
  }
};

std::string WithYamlCpp(const std::string& text) {
  Recorder r;
  std::istringstream in(text);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(r)) {
    }
  } catch (const YAML::Exception& e) {
    r.events += "error: " + e.msg + "\n";
  }
  return r.events;
}

// Returns whether the fast path took `text`; checks it agreed with yaml-cpp if so.
bool Agrees(const std::string& text) {
  Recorder fast;
  if (!FastParseYaml(text, &fast)) return false;
  INFO("text:\n" << text);
  CHECK(fast.events == WithYamlCpp(text));
  return true;
}

// Random block/flow YAML in the style of manifests (and some outside the subset), so the two
// parsers are compared on shapes nobody thought to write down. Deterministic: fixed seed.
class RandomYaml {
 public:
  explicit RandomYaml(unsigned seed) : rng_(seed) {}

  std::string Document() {
    std::string text;
    Block(0, 0, &text);
    const char* endings[] = {"\n", "\n\n", "", "\n# end\n"};
    return text + endings[Pick(4)];
  }

 private:
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  std::string Scalar() {
    static const char* kWords[] = {"a",    "key",  "x_y", "two words", "http://h:1/p", "-1",
                                   "1.5",  "~",    "null", "true",     "a#b",          "it's",
                                   "${V}", "x:y",  "a.b", "0x1F",      "-",            "*a"};
    std::string w = kWords[Pick(std::size(kWords))];
    char quote = Chance(0.1) ? '\'' : Chance(0.1) ? '"' : 0;
    if (quote == 0) return w;
    if (quote == '\'') w = Replace(w, "'", "''");
    return std::string(1, quote).append(w).append(1, quote);
  }
  static std::string Replace(std::string s, const std::string& from, const std::string& to) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
      s.replace(p, from.size(), to);
    return s;
  }

  std::string Flow(int depth) {
    if (depth > 2 || Chance(0.5)) return Scalar();
    std::string out;
    size_t n = Pick(4);
    bool map = Chance(0.5);
    for (size_t i = 0; i < n; ++i)
      out += (i ? ", " : "") + (map ? Scalar() + ": " : "") + Flow(depth + 1);
    return map ? "{" + out + "}" : "[" + out + "]";
  }

  void Block(int indent, int depth, std::string* out) {
    std::string pad(indent, ' ');
    bool sequence = Chance(0.3);
    for (size_t i = 0, n = 1 + Pick(4); i < n; ++i) {
      if (Chance(0.1)) *out += std::string(Pick(5), ' ') + (Chance(0.5) ? "# c\n" : "\n");
      std::string head = pad + (sequence ? "-" : Scalar() + ":");
      if (depth < 3 && Chance(0.3)) {
        *out += head + (Chance(0.2) ? " # c\n" : "\n");
        int step = Chance(0.1) ? (sequence ? 2 : 0) : 1 + static_cast<int>(Pick(3));
        Block(indent + step, depth + 1, out);
      } else if (Chance(0.15)) {
        *out += head + (Chance(0.5) ? "" : "  ") + "\n";  // an empty value
      } else if (Chance(0.15)) {
        *out += head + (Chance(0.5) ? " |\n" : " |-\n");  // a literal block scalar
        for (size_t j = 0, lines = Pick(4); j < lines; ++j)
          *out += Chance(0.2) ? "\n" : std::string(indent + 2 + Pick(2), ' ') + Scalar() + "\n";
      } else {
        *out += head + " " + Flow(0) + (Chance(0.2) ? "  # c" : "") + "\n";
      }
    }
  }

  std::mt19937 rng_;
};

}  // namespace

TEST_CASE("the fast YAML path agrees with yaml-cpp on random manifest-like YAML") {
  RandomYaml random(20261125);
  int fast = 0;
  for (int i = 0; i < 1500; ++i) fast += Agrees(random.Document());
  MESSAGE(fast << " of 1500 random documents took the fast path");
  CHECK(fast > 200);  // the comparison must actually exercise the fast path
}

TEST_CASE("the fast YAML path emits exactly yaml-cpp's events for the manifest subset") {
  const char* kAccepted[] = {
      "",
      "# only a comment\n\n",
      "assets:\n",
      "a: 1\nb: two words  # comment\nc: 'it''s'\nd: \"q\\\"\\n\\\\\"\n",
      "a:\n  b:\n    c: x\n  d: y\ne: z\n",
      "\n# c\nassets:\n  a:\n    x:\n    y: ~\n    z: null\n  b:\n  - 1\n  - k: v\n    k2:\n"
      "  c: [a, {b: c}, \"d\"]\nlast:\n",
      "a:\n  b:\n\n# tail\n\n",
      "a:   # c\n",
      "a: Null\nb: NULL\nc: \"null\"\nd: -1\ne: -x\nf: a#b\ng: http://x:80/v0\n",
      "list:\n- a\n-\n- c\n-   \n  # c\n- e\n",
      "list:\n  - a: 1\n    b:\n      - x\n      - y\n  - c\nnext: {}\n",
      "m: {a: 1, 'b': [x, y z, \"w\"], c: {d: e}}\nn: []\n",
      "k: [http://x:80/a, a-b, -3, .5]\n",
      "- a\n- b\n",
      "- k: v\n  j: w\n- x\n",
      "seq_in_seq:\n- \n  - a\n  - b\n",
      "a:\n\n\n  b: 1\n   \n  c: 2\n",
      "a: 1   \nb:    2\n",
      "\"quoted key\": v\n'single': w\n",
      "a: ${VAR:-default}\nb: \"${X}/y\"\n",
      "a : b\na:b: c\n'k''q': v\nk: 'a'  # c\n",
      "k: [ a , b ]\nm: { a: 1 , b: 2 }\nn: {\"q\": [], 'r': {}}\n",
      "- []\n- {}\n- [[a], [b, [c]]]\n",
      "a: b#c\nd: e #f\ng: h:i\n",
      "a: |\n  line one\n    indented\n\n  # not a comment\nb: |-\n  x\n  y\n\n\nc:\n"
      "  d: |\n     deep\n  e: 1\nf: | # comment\n  z\n",
      "a: |\n\n  x\n",
      "a: |\nb: 1\n",
      "- |\n  x\n- |-\n\n- y\n",
      "s:\n- k: |\n   x\n  j: 1\nl: |\n  last\n\n\n",
      "a: |\n  x\n# a comment ends it\nb: 2\n",
  };
  for (const char* text : kAccepted) {
    CAPTURE(std::string(text));
    CHECK(Agrees(text));
  }
}

TEST_CASE("the fast YAML path leaves everything else to yaml-cpp") {
  const char* kRefused[] = {
      "a: &x 1\nb: *x\n",  // anchors, aliases
      "a: !!str 1\n",      // tags
      "a: >\n  text\n",           // folded scalars
      "a: |+\n  text\n\n",        // kept final newlines
      "a: |2\n   text\n",         // indentation indicators
      "a: |\n    x\n  y\n",       // less indented content
      "a: |\n\n    \n  x\n",      // leading blank lines deeper than the content
      "a: multi\n  line\n",      // multi-line plain scalar
      "a: \"multi\n  line\"\n",  // multi-line quoted scalar
      "---\na: 1\n",             // document markers
      "a: 1\n---\nb: 2\n",
      "a: [1,\n  2]\n",  // multi-line flow
      "a: [1, 2, ]\n",   // trailing comma
      "a: {x}\n",        // flow key without value
      "a: {x: }\n",
      "a:\tb\n",           // tabs
      "a: b\r\n",          // CR
      "a: caf\xc3\xa9\n",  // non-ASCII
      "a: b: c\n",         // syntax errors
      "a:\n  - b\n  c: d\n",
      "- a\nb: c\n",
      "a: [b\n",
      "? complex\n: key\n",
      "a: \"\\u00e9\"\n",  // escapes beyond the simple ones
      "a: [b: c]\n",       // single-pair maps in sequences
      "a: {b: c?d}\n",
      "plain\n",     // a scalar document
      "a:",          // a null at an end without newline
      "- - a\n",     // nested compact sequences
      "a: 'x' y\n",  // text after a quoted scalar
      "a: -\n",
      "k: [a, [b, [c, [d, [e, [f, [g, [h, [i, [j, [k, [l, [m, [n, [o, [p, [q]]]]]]]]]]]]]]]]]\n",
      "a:\n   b: 1\n  c: 2\n",  // bad indentation
  };
  for (const char* text : kRefused) {
    CAPTURE(std::string(text));
    Recorder r;
    CHECK_FALSE(FastParseYaml(text, &r));
  }
}

}  // namespace af
