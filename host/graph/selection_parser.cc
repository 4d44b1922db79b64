// A hand-written lexer and recursive-descent parser for Dagster's AssetSelection.g4:
//
//   start       := expr EOF
//   expr        := or
//   or          := and ( OR and )*                      (left-associative)
//   and         := unary ( AND unary )*
//   unary       := NOT unary | STAR | up? traversable down?
//   up          := DIGITS? PLUS                         (no digits: unbounded)
//   down        := PLUS DIGITS?                         (greedy: "key:a+1" is depth 1)
//   traversable := attribute | (SINKS | ROOTS) "(" expr ")" | "(" expr ")"
//   attribute   := KEY ":" keyValue | TAG ":" value ("=" value)? | (OWNER | GROUP | KIND) ":" value
//   keyValue    := QUOTED | UNQUOTED | WILDCARD
//   value       := NULL | QUOTED | UNQUOTED | SENSOR | SCHEDULE | JOB
//
// The lexer is ANTLR's: blanks skipped, the longest match wins and ties go to the rule first
// in the grammar, so "key" is the keyword KEY but "keys" an UNQUOTED string, "*" is STAR but
// "a*" and "**" WILDCARDs, and a keyword is not a value ("key:key" is an error, as in Dagster).
// UNQUOTED is [A-Za-z_][A-Za-z0-9_/]*, WILDCARD [A-Za-z_*][A-Za-z0-9_*/]*,
// QUOTED '"' [^"\\\r\n]* '"', NULL "<null>"; keywords are lower case
// (and / or / not also upper case).
#include "graph/selection_parser.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <string_view>

#include "common/diagnostic.h"

namespace af::selection {

namespace {

constexpr int kMaxNesting = 200;  // parentheses, calls and "not"s: bounds our recursion

enum class Tok {
  kEnd, kInvalid, kAnd, kOr, kNot, kStar, kPlus, kDigits, kColon, kLParen, kRParen, kComma,
  kEqual, kKeyword, kQuoted, kUnquoted, kWildcard, kNull,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // as written (QUOTED: without the quotes; kInvalid: the error message)
  size_t pos = 0;    // 0-based
};

// The grammar's attribute and function keywords. Those assetflow selects by come first.
const std::vector<std::string> kSupported = {"key", "tag", "owner", "group", "kind"};
const std::vector<std::string> kUnsupported = {
    "is",         "code_location",     "status",     "column",          "table_name",
    "column_tag", "changed_in_branch", "partitions", "automation_type", "sensor",
    "schedule",   "job",               "not_materialized_in_hours"};

bool IsKeyword(std::string_view word) {
  return word == "sinks" || word == "roots" ||
         std::find(kSupported.begin(), kSupported.end(), word) != kSupported.end() ||
         std::find(kUnsupported.begin(), kUnsupported.end(), word) != kUnsupported.end();
}

bool IsLetter(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string Column(size_t pos) { return " at column " + std::to_string(pos + 1); }

std::vector<Token> Lex(const std::string& s) {
  std::vector<Token> out;
  size_t p = 0;
  auto run = [&](size_t from, auto pred) {
    while (from < s.size() && pred(s[from])) ++from;
    return from;
  };
  while (true) {
    p = run(p, IsBlank);
    Token t;
    t.pos = p;
    if (p >= s.size()) {
      out.push_back(t);
      return out;
    }
    const char c = s[p];
    size_t end = p + 1;
    if (c == '"') {
      end = run(p + 1, [](char x) { return x != '"' && x != '\\' && x != '\r' && x != '\n'; });
      if (end >= s.size() || s[end] != '"') {
        t = {Tok::kInvalid, "unterminated string" + Column(p), p};
      } else {
        t = {Tok::kQuoted, s.substr(p + 1, end - p - 1), p};
        ++end;
      }
    } else if (s.compare(p, 6, "<null>") == 0) {
      t = {Tok::kNull, "<null>", p};
      end = p + 6;
    } else if (IsDigit(c)) {
      end = run(p, IsDigit);
      t = {Tok::kDigits, s.substr(p, end - p), p};
    } else if (IsLetter(c) || c == '*') {
      auto plain = [](char x) { return IsLetter(x) || IsDigit(x) || x == '/'; };
      size_t unquoted = IsLetter(c) ? run(p, plain) : p;
      size_t wildcard = run(p, [&](char x) { return plain(x) || x == '*'; });
      end = std::max(unquoted, wildcard);
      std::string word = s.substr(p, end - p);
      if (wildcard > unquoted) {
        t = {word == "*" ? Tok::kStar : Tok::kWildcard, word, p};
      } else if (word == "and" || word == "AND") {
        t = {Tok::kAnd, word, p};
      } else if (word == "or" || word == "OR") {
        t = {Tok::kOr, word, p};
      } else if (word == "not" || word == "NOT") {
        t = {Tok::kNot, word, p};
      } else {
        t = {IsKeyword(word) ? Tok::kKeyword : Tok::kUnquoted, word, p};
      }
    } else {
      static const std::string kSingles = "+:(),=";
      static const Tok kKinds[] = {Tok::kPlus,   Tok::kColon, Tok::kLParen,
                                   Tok::kRParen, Tok::kComma, Tok::kEqual};
      size_t i = kSingles.find(c);
      if (i == std::string::npos) {
        t = {Tok::kInvalid, "unexpected character '" + std::string(1, c) + "'" + Column(p), p};
      } else {
        t = {kKinds[i], std::string(1, c), p};
      }
    }
    out.push_back(t);
    if (t.kind == Tok::kInvalid) {  // nothing after it can be trusted
      out.push_back(Token{Tok::kEnd, "", s.size()});
      return out;
    }
    p = end;
  }
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Status Parse(Node* out) {
    if (Peek().kind == Tok::kEnd) return Status::InvalidArgument("empty selection expression");
    Status s = ParseOr(out);
    if (s.ok() && Peek().kind != Tok::kEnd) return Unexpected();
    return s;
  }

 private:
  Status ParseOr(Node* out) { return ParseBinary(Tok::kOr, Node::Kind::kOr, out); }

  Status ParseBinary(Tok op, Node::Kind kind, Node* out) {
    auto operand = [&](Node* n) {
      return op == Tok::kOr ? ParseBinary(Tok::kAnd, Node::Kind::kAnd, n) : ParseUnary(n);
    };
    Status s = operand(out);
    while (s.ok() && Peek().kind == op) {
      Next();
      Node rhs;
      s = operand(&rhs);
      Node both;
      both.kind = kind;
      both.children.push_back(std::move(*out));
      both.children.push_back(std::move(rhs));
      *out = std::move(both);
    }
    return s;
  }

  Status ParseUnary(Node* out) {
    const Token& t = Peek();
    if (t.kind == Tok::kNot) {
      Nesting nesting(this);
      if (nesting_ > kMaxNesting) return Error(t, "expression nested too deeply");
      Next();
      Node operand;
      Status s = ParseUnary(&operand);
      out->kind = Node::Kind::kNot;
      out->children.push_back(std::move(operand));
      return s;
    }
    if (t.kind == Tok::kStar) {
      Next();
      out->kind = Node::Kind::kAll;
      return Status::OK();
    }
    Depth up;
    if (t.kind == Tok::kDigits || t.kind == Tok::kPlus) {
      up.present = true;
      if (t.kind == Tok::kDigits) {
        up.levels = Levels(Next());
        if (Peek().kind != Tok::kPlus) return Unexpected();
      }
      Next();
    }
    Status s = ParseTraversable(out);
    if (!s.ok()) return s;
    out->up = up;
    if (Peek().kind == Tok::kPlus) {
      Next();
      out->down.present = true;
      if (Peek().kind == Tok::kDigits) out->down.levels = Levels(Next());
    }
    return Status::OK();
  }

  Status ParseTraversable(Node* out) {
    const Token t = Peek();
    if (t.kind == Tok::kLParen || (t.kind == Tok::kKeyword && (t.text == "sinks" ||
                                                                t.text == "roots"))) {
      Nesting nesting(this);
      if (nesting_ > kMaxNesting) return Error(t, "expression nested too deeply");
      Next();
      if (t.kind == Tok::kKeyword && Peek().kind != Tok::kLParen) {
        return Error(Peek(), "expected '(' after '" + t.text + "'");
      }
      if (t.kind == Tok::kKeyword) Next();
      Node inner;
      Status s = ParseOr(&inner);
      if (!s.ok()) return s;
      if (Peek().kind != Tok::kRParen) return Error(Peek(), "expected ')'");
      Next();
      // A node of its own, so the inner traversals stay inside: "(key:a+)+" is two.
      out->kind = t.kind == Tok::kLParen ? Node::Kind::kParens
                  : t.text == "sinks"    ? Node::Kind::kSinks
                                         : Node::Kind::kRoots;
      out->children.push_back(std::move(inner));
      return Status::OK();
    }
    if (t.kind == Tok::kKeyword) return ParseAttribute(out);
    if (t.kind == Tok::kUnquoted) {
      if (tokens_[next_ + 1].kind == Tok::kColon) {
        std::vector<std::string> names = kSupported;
        names.insert(names.end(), kUnsupported.begin(), kUnsupported.end());
        return Error(t, "unknown attribute '" + t.text + "'", NearestName(t.text, names));
      }
      return Error(t, "unexpected '" + t.text + "'", "key:" + t.text);
    }
    if (t.kind == Tok::kEnd) return Error(t, "expected an expression");
    return Unexpected();
  }

  Status ParseAttribute(Node* out) {
    const Token name = Next();
    if (std::find(kSupported.begin(), kSupported.end(), name.text) == kSupported.end()) {
      return Error(name, "attribute '" + name.text + ":' is not supported by assetflow");
    }
    if (Peek().kind != Tok::kColon) return Error(Peek(), "expected ':' after '" + name.text + "'");
    Next();
    static const Node::Kind kKinds[] = {Node::Kind::kKey, Node::Kind::kTag, Node::Kind::kOwner,
                                        Node::Kind::kGroup, Node::Kind::kKind};
    out->kind = kKinds[std::find(kSupported.begin(), kSupported.end(), name.text) -
                       kSupported.begin()];
    const bool key = out->kind == Node::Kind::kKey;
    Status s = ParseValue(key, "'" + name.text + ":'", &out->value, &out->null_value);
    if (s.ok() && out->kind == Node::Kind::kTag && Peek().kind == Tok::kEqual) {
      Next();
      bool null_value = false;
      s = ParseValue(false, "'='", &out->tag_value, &null_value);
      if (s.ok() && null_value) out->tag_value.clear();  // "tag:k=<null>": the empty value
    }
    return s;
  }

  // A value (`key`: a keyValue) after `after`.
  Status ParseValue(bool key, const std::string& after, std::string* value, bool* null_value) {
    const Token& t = Peek();
    bool ok = t.kind == Tok::kQuoted || t.kind == Tok::kUnquoted;
    if (key) {
      ok = ok || t.kind == Tok::kWildcard;
    } else {
      ok = ok || t.kind == Tok::kNull ||
           (t.kind == Tok::kKeyword && (t.text == "sensor" || t.text == "schedule" ||
                                        t.text == "job"));
    }
    if (!ok) {
      if (t.kind == Tok::kInvalid) return Status::InvalidArgument(t.text);
      return Error(t, "expected a value after " + after);
    }
    *null_value = t.kind == Tok::kNull;
    *value = *null_value ? "" : t.text;
    Next();
    return Status::OK();
  }

  static int Levels(const Token& digits) {
    long long n = 0;
    for (char c : digits.text) n = std::min<long long>(n * 10 + (c - '0'), INT_MAX);
    return static_cast<int>(n);
  }

  // Depth of one level of parentheses, call or "not", for as long as it is alive.
  class Nesting {
   public:
    explicit Nesting(Parser* parser) : parser_(parser) { ++parser_->nesting_; }
    ~Nesting() { --parser_->nesting_; }

   private:
    Parser* parser_;
  };

  const Token& Peek() const { return tokens_[next_]; }
  const Token& Next() { return tokens_[next_ < tokens_.size() - 1 ? next_++ : next_]; }

  Status Error(const Token& at, const std::string& message,
               const std::string& suggestion = "") const {
    if (at.kind == Tok::kInvalid) return Status::InvalidArgument(at.text);
    return Status::InvalidArgument(message + Column(at.pos) + DidYouMean(suggestion));
  }

  Status Unexpected() const {
    const Token& t = Peek();
    if (t.kind == Tok::kEnd) return Error(t, "expected an expression");
    return Error(t, "unexpected '" + (t.kind == Tok::kQuoted ? '"' + t.text + '"' : t.text) + "'");
  }

  std::vector<Token> tokens_;
  size_t next_ = 0;
  int nesting_ = 0;
};

bool IsLegacyNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' ||
         c == '-' || c == '[' || c == ']' || c == '?';
}

// One clause, `text` stripped, starting at `pos`; false if it is not one.
bool ParseClause(std::string_view text, size_t pos, Clause* out) {
  size_t p = 0;
  auto side = [&](Depth* depth, bool star_first) {
    size_t start = p;
    if (star_first && p < text.size() && text[p] == '*') ++p;
    while (p < text.size() && text[p] == '+') ++p;
    if (!star_first && p < text.size() && text[p] == '*') ++p;
    std::string_view part = text.substr(start, p - start);
    depth->present = !part.empty();
    depth->levels = part.find('*') != std::string_view::npos ? -1 : static_cast<int>(part.size());
  };
  side(&out->up, /*star_first=*/true);
  size_t name_start = p;
  while (p < text.size() && IsLegacyNameChar(text[p])) ++p;
  if (p == name_start) return false;
  out->name = std::string(text.substr(name_start, p - name_start));
  out->column = pos + name_start + 1;
  side(&out->down, /*star_first=*/false);
  return p == text.size();
}

}  // namespace

Expected<Node> ParseExpression(const std::string& text) {
  Node root;
  Status s = Parser(Lex(text)).Parse(&root);
  if (!s.ok()) return s;
  return root;
}

Expected<std::vector<Clause>> ParseLegacy(const std::string& text) {
  std::vector<Clause> clauses;
  size_t start = 0;
  while (true) {
    size_t comma = std::min(text.find(',', start), text.size());
    size_t first = start, last = comma;
    while (first < last && IsBlank(text[first])) ++first;
    while (last > first && IsBlank(text[last - 1])) --last;
    std::string_view clause = std::string_view(text).substr(first, last - first);
    Clause c;
    if (clause == "*") {
      c.column = first + 1;  // the empty name: everything
    } else if (clause.empty()) {
      return Status::InvalidArgument(
          text.find_first_not_of(" \t\r\n") == std::string::npos
              ? "empty selection expression"
              : "empty selection clause" + Column(first));
    } else if (!ParseClause(clause, first, &c)) {
      return Status::InvalidArgument("invalid selection clause '" + std::string(clause) + "'" +
                                     Column(first));
    }
    clauses.push_back(std::move(c));
    if (comma == text.size()) return clauses;
    start = comma + 1;
  }
}

bool ParseLegacyTag(const std::string& text, Node* out) {
  if (text.compare(0, 4, "tag:") != 0) return false;
  std::string rest = text.substr(4);
  size_t equal = rest.find('=');
  auto spellable = [](char c) { return IsLetter(c) || IsDigit(c) || c == '/' || c == '*'; };
  if (equal == 0 || std::count(rest.begin(), rest.end(), '=') > 1 ||
      std::any_of(rest.begin(), rest.end(), IsBlank) ||
      std::all_of(rest.begin(), rest.end(), [&](char c) { return c == '=' || spellable(c); })) {
    return false;
  }
  out->kind = Node::Kind::kTag;
  out->value = rest.substr(0, equal);
  if (equal != std::string::npos) out->tag_value = rest.substr(equal + 1);
  return true;
}

bool LooksLegacy(const std::string& text) {
  if (text.find_first_of(":()\"") != std::string::npos) return false;
  for (size_t p = 0; p < text.size();) {
    while (p < text.size() && IsBlank(text[p])) ++p;
    size_t end = p;
    while (end < text.size() && !IsBlank(text[end])) ++end;
    std::string_view word = std::string_view(text).substr(p, end - p);
    if (word == "and" || word == "or" || word == "not" || word == "AND" || word == "OR" ||
        word == "NOT" || IsKeyword(word)) {
      return false;
    }
    p = end;
  }
  return true;
}

}  // namespace af::selection
