// The libyaml path must be indistinguishable from yaml-cpp: same events, same marks. Each text
// here is parsed by both; where FastParseYaml accepts, the event streams must be identical.
#include "manifest/yaml_libyaml_events.h"

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

// Returns whether the libyaml path took `text`; checks it agreed with yaml-cpp if so.
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
    if (Chance(0.1)) text += Chance(0.5) ? "---\n" : "--- # c\n";
    Block(0, 0, &text);
    if (Chance(0.1)) {
      text += Chance(0.2) ? "...\n" : "";
      text += "---\n";
      if (Chance(0.8)) Block(0, 0, &text);
    }
    const char* endings[] = {"\n", "\n\n", "", "\n# end\n"};
    return text + endings[Pick(4)];
  }

 private:
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  std::string Scalar() {
    static const char* kWords[] = {"a",    "key",  "x_y", "two words", "http://h:1/p", "-1",
                                   "1.5",  "~",    "null", "true",     "a#b",          "it's",
                                   "${V}", "x:y",  "a.b", "0x1F",      "-",            "*a",
                                   "&x a", "!!str 1", "!t v", "c?d",   "a\\tb",       "Null",
                                   "NULL", "\\u00e9", "{x}", "[]",    "? k",          "q\"x"};
    // The last twelve are rarer: most of them send the document to yaml-cpp.
    std::string w = kWords[Pick(std::size(kWords) - (Chance(0.85) ? 12 : 0))];
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
    for (size_t i = 0; i < n; ++i) {
      const char* sep = Chance(0.1) ? ",\n  " : Chance(0.05) ? " , " : ", ";
      std::string item = map && Chance(0.1) ? Scalar()  // a key without a value
                         : map || Chance(0.1) ? Scalar() + (Chance(0.1) ? ":" : ": ") + Flow(depth + 1)
                                              : Flow(depth + 1);
      out += (i ? sep : "") + item;
    }
    if (n > 0 && Chance(0.05)) out += ", ";  // a trailing comma
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
        static const char* kHeaders[] = {" |", " |-", " >", " >-", " |+", " |2", " > # c"};
        *out += head + kHeaders[Pick(Chance(0.6) ? 2 : std::size(kHeaders))] + "\n";
        for (size_t j = 0, lines = Pick(4); j < lines; ++j)
          *out += Chance(0.2) ? "\n" : std::string(indent + 2 + Pick(2), ' ') + Scalar() + "\n";
      } else if (Chance(0.05)) {  // a plain or quoted scalar over several lines
        char quote = Chance(0.3) ? '"' : Chance(0.3) ? '\'' : 0;
        std::string q = quote ? std::string(1, quote) : "";
        out->append(head).append(" ").append(q).append("first");
        for (size_t j = 0, lines = 1 + Pick(3); j < lines; ++j) {
          *out += '\n';
          if (!Chance(0.2)) out->append(indent + 1 + Pick(2), ' ').append("more");
        }
        *out += q + "\n";
      } else if (Chance(0.03)) {
        *out += pad + "? " + Scalar() + "\n" + (Chance(0.5) ? pad + ": v\n" : "");  // explicit key
        continue;
      } else {
        *out += head + " " + Flow(0) + (Chance(0.2) ? "  # c" : "") + "\n";
      }
    }
  }

  std::mt19937 rng_;
};

}  // namespace

TEST_CASE("the libyaml path agrees with yaml-cpp on random manifest-like YAML") {
  RandomYaml random(20261125);
  int fast = 0;
  for (int i = 0; i < 1500; ++i) fast += Agrees(random.Document());
  MESSAGE(fast << " of 1500 random documents took the libyaml path");
  CHECK(fast > 600);  // the comparison must actually exercise the libyaml path
}

TEST_CASE("the libyaml path emits exactly yaml-cpp's events for manifest YAML") {
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

TEST_CASE("what libyaml reads beyond the manifest subset agrees with yaml-cpp too") {
  const char* kTexts[] = {
      "a: >\n  folded\n  text\n\n  more\n",
      "a: |+\n  text\n\n",
      "a: |2\n   text\n",
      "a: multi\n  line\n",
      "a: \"multi\n  line\"\n",
      "a: 'multi\n\n  line'\n",
      "---\na: 1\n",
      "a: 1\n---\nb: 2\n",
      "--- # c\n---\n",
      "a: [1,\n  2]\n",
      "a: [1, 2, ]\n",
      "a: {x}\n",
      "a: {x: }\n",
      "a: {x, y: 1}\n",
      "a: \"\\u00e9\\x41\\t\"\n",
      "a: [b: c]\n",
      "plain\n",
      "a:",
      "a:\n  b:",
      "- - a\n",
      "k: [a, [b, [c, [d, [e, [f, [g, [h, [i, [j, [k, [l, [m, [n, [o, [p, [q]]]]]]]]]]]]]]]]]\n",
  };
  for (const char* text : kTexts) {
    CAPTURE(std::string(text));
    CHECK(Agrees(text));
  }
}

TEST_CASE("the libyaml path leaves errors and what it does not translate to yaml-cpp") {
  const char* kRefused[] = {
      "a: &x 1\nb: *x\n",  // anchors, aliases
      "a: &x\n",
      "a: !!str 1\n",  // tags
      "a: ! b\n",
      "%YAML 1.2\n---\na: 1\n",  // directives
      "a: 1\n...\n",              // document ends
      "...\n",
      "? complex\n: key\n",  // explicit keys
      "? k\n",
      "a: {? k}\n",
      ": v\n",  // empty keys
      "a: [: v]\n",
      "a:\tb\n",           // tabs
      "a: b\r\n",          // CR
      "a: caf\xc3\xa9\n",  // non-ASCII
      "a: b: c\n",         // syntax errors
      "a:\n  - b\n  c: d\n",
      "- a\nb: c\n",
      "a: [b\n",
      "a:\n   b: 1\n  c: 2\n",
      "a: \"\\q\"\n",
      "a: 'x' y\n",
      "a: -\n",
      "a: {b: c?d}\n",         // yaml-cpp fails on a '?' in a flow plain scalar
      "a: \"x\n\n\n\"\n",  // yaml-cpp drops a line break before this closing quote
  };
  for (const char* text : kRefused) {
    CAPTURE(std::string(text));
    Recorder r;
    CHECK_FALSE(FastParseYaml(text, &r));
  }
  std::string deep = "a: " + std::string(600, '[') + std::string(600, ']') + "\n";
  Recorder r;
  CHECK_FALSE(FastParseYaml(deep, &r));
}

}  // namespace af
