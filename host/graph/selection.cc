// One recursive-descent parser reads both of Dagster's syntaxes, since the legacy clauses are
// traversals of bare names and the comma is a union:
//
//   union     := and ( ("or" | ",") and )*
//   and       := not ( "and" not )*
//   not       := "not" not | traversal
//   traversal := ( "*" | "+"+ )? primary ( "*" | "+"+ )?     ("*": unbounded, each "+": one level)
//   primary   := "(" union ")" | "*" | attribute | name | '"' name '"'
//   attribute := ("key" | "group" | "tag") ":" value ( "=" value )?   ("=" for tags only)
//   value     := '"' chars '"' | value chars, '*' a wildcard
//
// Keywords are case-insensitive and a name is a run of [A-Za-z0-9_./-], so a bare name never
// holds a '*': "a*" is a's descendants while "key:a*" is a pattern. Sets are evaluated while
// parsing, so the first error from the left is the one reported.
#include "graph/selection.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <map>
#include <string_view>

#include "common/diagnostic.h"

namespace af {

namespace {

using Set = std::vector<size_t>;  // sorted, unique asset indices

constexpr int kMaxNesting = 200;  // parentheses and "not"s: bounds our recursion
constexpr int kAllLevels = -1;    // traversal depth of '*'

Set Union(const Set& a, const Set& b) {
  Set out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Set Intersection(const Set& a, const Set& b) {
  Set out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Set Difference(const Set& a, const Set& b) {
  Set out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '/' ||
         c == '.';
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Whether `text` matches `pattern`, where '*' matches any run of characters ('/' included).
// Greedy with one backtrack point: O(|pattern| * |text|) at worst, no recursion.
bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

void AddMembers(size_t asset, Set* out) { out->push_back(asset); }
void AddMembers(const Set& assets, Set* out) {
  out->insert(out->end(), assets.begin(), assets.end());
}

// A piece of the expression and where it starts (0-based).
struct Token {
  std::string text;
  size_t pos = 0;
};

class Parser {
 public:
  Parser(const AssetGraph& graph, const std::string& text)
      : graph_(graph), defs_(graph.definitions()), text_(text) {}

  Status Parse(Set* out) {
    SkipSpace();
    if (AtEnd()) return Status::InvalidArgument("empty selection expression");
    Status s = ParseUnion(out);
    if (!s.ok()) return s;
    SkipSpace();
    if (!AtEnd()) return Unexpected();
    return Status::OK();
  }

 private:
  Status ParseUnion(Set* out) {
    Status s = ParseAnd(out);
    while (s.ok()) {
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
      } else if (!ConsumeKeyword("or")) {
        break;
      }
      Set rhs;
      s = ParseAnd(&rhs);
      *out = Union(*out, rhs);
    }
    return s;
  }

  Status ParseAnd(Set* out) {
    Status s = ParseNot(out);
    while (s.ok() && ConsumeKeyword("and")) {
      Set rhs;
      s = ParseNot(&rhs);
      *out = Intersection(*out, rhs);
    }
    return s;
  }

  Status ParseNot(Set* out) {
    SkipSpace();
    size_t start = pos_;
    if (!ConsumeKeyword("not")) return ParseTraversal(out);
    Nesting nesting(this);
    if (nesting_ > kMaxNesting) return Error(start, "expression nested too deeply");
    Set operand;
    Status s = ParseNot(&operand);
    if (s.ok()) *out = Difference(All(), operand);
    return s;
  }

  Status ParseTraversal(Set* out) {
    SkipSpace();
    int up = 0;
    if (Peek() == '*') {
      ++pos_;
      if (!AtPrimaryStart()) {  // "*" on its own: everything
        *out = All();
        return Status::OK();
      }
      up = kAllLevels;
    } else {
      up = CountPluses();
    }
    Set base;
    Status s = ParsePrimary(&base);
    if (!s.ok()) return s;
    int down = 0;
    if (Peek() == '*') {
      ++pos_;
      down = kAllLevels;
    } else {
      down = CountPluses();
    }
    *out = base;
    if (up != 0) *out = Union(*out, graph_.Ancestors(base, up));
    if (down != 0) *out = Union(*out, graph_.Descendants(base, down));
    return Status::OK();
  }

  Status ParsePrimary(Set* out) {
    SkipSpace();
    if (Peek() == '(') {
      Nesting nesting(this);
      if (nesting_ > kMaxNesting) return Error(pos_, "expression nested too deeply");
      ++pos_;
      Status s = ParseUnion(out);
      if (!s.ok()) return s;
      SkipSpace();
      if (Peek() != ')') return Error(pos_, "expected ')'");
      ++pos_;
      return Status::OK();
    }
    if (Peek() == '"') {  // a quoted key, as in Dagster's newer syntax
      Token key;
      Status s = ReadValue("'\"'", &key);
      return s.ok() ? Lookup(defs_.asset_index, "asset", key, key, out) : s;
    }
    Token word = PeekWord();
    if (word.text.empty() || IsKeyword(word.text)) {
      if (AtEnd()) return Error(pos_, "expected an asset key, attribute or '('");
      return Unexpected();
    }
    pos_ += word.text.size();
    if (Peek() != ':') return Lookup(defs_.asset_index, "asset", word, word, out);
    ++pos_;
    if (word.text == "key") return ParseKey(word.pos, out);
    if (word.text == "group") return ParseGroup(word.pos, out);
    if (word.text == "tag") return ParseTag(word.pos, out);
    return Error(word.pos, "unknown attribute '" + word.text + "'",
                 NearestName(word.text, {"key", "group", "tag"}));
  }

  Status ParseKey(size_t start, Set* out) {
    Token value;
    Status s = ReadValue("'key:'", &value);
    if (!s.ok()) return s;
    return Lookup(defs_.asset_index, "asset", value, Source(start), out);
  }

  Status ParseGroup(size_t start, Set* out) {
    Token value;
    Status s = ReadValue("'group:'", &value);
    if (!s.ok()) return s;
    std::map<std::string, Set> groups;
    for (size_t i = 0; i < defs_.assets.size(); ++i) groups[defs_.assets[i].group].push_back(i);
    return Lookup(groups, "group", value, Source(start), out);
  }

  // "tag:k" selects the assets that have tag k, "tag:k=v" those where it is v.
  Status ParseTag(size_t start, Set* out) {
    Token name;
    Status s = ReadValue("'tag:'", &name);
    if (!s.ok()) return s;
    bool with_value = Peek() == '=';
    if (with_value) {
      ++pos_;
      Token value;
      s = ReadValue("'='", &value);
      if (!s.ok()) return s;
      name.text += "=" + value.text;
    }
    std::map<std::string, Set> tags;
    for (size_t i = 0; i < defs_.assets.size(); ++i) {
      for (const auto& [k, v] : defs_.assets[i].tags) {
        tags[with_value ? k + "=" + v : k].push_back(i);
      }
    }
    return Lookup(tags, "tag", name, Source(start), out);
  }

  // The members of `name` in `index` (name -> asset or assets), or of every name it matches
  // when it holds a '*'. `source` is the attribute as written, for the no-match message.
  template <class Index>
  Status Lookup(const Index& index, const std::string& noun, const Token& name,
                const Token& source, Set* out) {
    out->clear();
    if (name.text.find('*') == std::string::npos) {
      auto it = index.find(name.text);
      if (it == index.end()) {
        std::vector<std::string> known;
        for (const auto& entry : index) known.push_back(entry.first);
        return Error(name.pos, "unknown " + noun + " '" + name.text + "'",
                     NearestName(name.text, known));
      }
      AddMembers(it->second, out);
    } else {
      for (const auto& [candidate, members] : index) {
        if (GlobMatch(name.text, candidate)) AddMembers(members, out);
      }
      if (out->empty()) return Error(source.pos, "no " + noun + " matches '" + source.text + "'");
    }
    std::sort(out->begin(), out->end());
    out->erase(std::unique(out->begin(), out->end()), out->end());
    return Status::OK();
  }

  // A quoted string, or a run of name characters and '*'s; `after` names what precedes it.
  Status ReadValue(const std::string& after, Token* value) {
    value->pos = pos_;
    if (Peek() == '"') {
      size_t close = text_.find('"', pos_ + 1);
      if (close == std::string::npos) return Error(pos_, "unterminated string");
      value->text = text_.substr(pos_ + 1, close - pos_ - 1);
      pos_ = close + 1;
    } else {
      while (!AtEnd() && (IsNameChar(text_[pos_]) || text_[pos_] == '*')) ++pos_;
      value->text = text_.substr(value->pos, pos_ - value->pos);
    }
    if (value->text.empty()) return Error(value->pos, "expected a value after " + after);
    return Status::OK();
  }

  // Depth of one level of parentheses or "not", for as long as it is alive.
  class Nesting {
   public:
    explicit Nesting(Parser* parser) : parser_(parser) { ++parser_->nesting_; }
    ~Nesting() { --parser_->nesting_; }

   private:
    Parser* parser_;
  };

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  Token PeekWord() const {
    size_t end = pos_;
    while (end < text_.size() && IsNameChar(text_[end])) ++end;
    return Token{text_.substr(pos_, end - pos_), pos_};
  }

  static bool IsKeyword(std::string_view word) {
    return EqualsIgnoreCase(word, "and") || EqualsIgnoreCase(word, "or") ||
           EqualsIgnoreCase(word, "not");
  }

  bool ConsumeKeyword(std::string_view keyword) {
    SkipSpace();
    Token word = PeekWord();
    if (!EqualsIgnoreCase(word.text, keyword)) return false;
    pos_ += word.text.size();
    return true;
  }

  // After a leading '*': does an operand follow (then the '*' means "and all ancestors")?
  bool AtPrimaryStart() {
    size_t saved = pos_;
    SkipSpace();
    Token word = PeekWord();
    bool operand = Peek() == '(' || Peek() == '"' || (!word.text.empty() && !IsKeyword(word.text));
    pos_ = saved;
    return operand;
  }

  int CountPluses() {
    int n = 0;
    while (Peek() == '+') {
      ++pos_;
      ++n;
    }
    return n;
  }

  Set All() const {
    Set all(graph_.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    return all;
  }

  // The expression from `start` up to here.
  Token Source(size_t start) const { return Token{text_.substr(start, pos_ - start), start}; }

  Status Error(size_t pos, const std::string& message, const std::string& suggestion = "") const {
    std::string full = message + " at column " + std::to_string(pos + 1);
    full += DidYouMean(suggestion);
    return Status::InvalidArgument(full);
  }

  Status Unexpected() const {
    Token word = PeekWord();
    std::string what = word.text.empty() ? std::string(1, Peek()) : word.text;
    return Error(pos_, "unexpected '" + what + "'");
  }

  const AssetGraph& graph_;
  const Definitions& defs_;
  const std::string& text_;
  size_t pos_ = 0;
  int nesting_ = 0;
};

}  // namespace

Expected<std::vector<size_t>> SelectAssets(const AssetGraph& graph, const std::string& expression) {
  Set selected;
  Status s = Parser(graph, expression).Parse(&selected);
  if (!s.ok()) return s;
  return selected;
}

}  // namespace af
