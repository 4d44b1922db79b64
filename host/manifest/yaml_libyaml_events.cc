#include "manifest/yaml_fast_parser.h"

#include <yaml-cpp/emitterstyle.h>
#include <yaml-cpp/mark.h>

#include <algorithm>
#include <string>
#include <vector>

namespace af {

namespace {

// Thrown on the first construct outside the subset, to unwind the recursive descent in one
// step; it never escapes FastParseYaml.
struct Unsupported {};

bool IsBlankOrEnd(char c) { return c == ' ' || c == '\n' || c == '\0'; }

// Characters that may not start a plain scalar here (YAML indicators).
bool IsIndicator(char c) {
  static const char kIndicators[] = "-?:,[]{}#&*!|>'\"%@`";
  for (const char* p = kIndicators; *p; ++p)
    if (*p == c) return true;
  return false;
}

bool IsFlowIndicator(char c) { return c == ',' || c == '[' || c == ']' || c == '{' || c == '}'; }

// yaml-cpp reports these plain scalars as null events rather than scalars.
bool IsNullString(const std::string& s) {
  return s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::string TrimRight(const std::string& s, size_t start, size_t end) {
  while (end > start && s[end - 1] == ' ') --end;
  return s.substr(start, end - start);
}

class FastParser {
 public:
  FastParser(const std::string& text, YAML::EventHandler* handler) : s_(text), h_(handler) {}

  void Document() {
    SkipBlankLines();
    if (AtEof()) return;  // yaml-cpp reports no document at all
    if (indent_ != 0) Fail();
    h_->OnDocumentStart(Here());
    BlockNode(0);
    if (!AtEof()) Fail();
    h_->OnDocumentEnd();
  }

 private:
  [[noreturn]] static void Fail() { throw Unsupported{}; }

  char Peek(size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }
  bool AtEof() const { return pos_ >= s_.size(); }
  bool AtSequenceItem() const { return Peek() == '-' && IsBlankOrEnd(Peek(1)); }
  bool StartsWith(const char* p) const {
    return s_.compare(pos_, std::char_traits<char>::length(p), p) == 0;
  }

  YAML::Mark Here() const {
    YAML::Mark m;
    m.pos = static_cast<int>(pos_);
    m.line = line_;
    m.column = static_cast<int>(pos_ - line_start_);
    return m;
  }

  void NewLine() {
    ++pos_;
    ++line_;
    line_start_ = pos_;
  }
  void SkipSpaces() {
    while (Peek() == ' ') ++pos_;
  }
  void SkipComment() {
    while (!AtEof() && Peek() != '\n') ++pos_;
  }

  // From the start of the current line: skips empty and comment-only lines, stopping at the
  // first content character (indent_ = its column) or at the end.
  void SkipBlankLines() {
    pos_ = line_start_;
    while (!AtEof()) {
      SkipSpaces();
      if (Peek() == '\n') {
        NewLine();
      } else if (Peek() == '#') {
        SkipComment();
      } else if (!AtEof()) {
        indent_ = static_cast<int>(pos_ - line_start_);
        if (indent_ == 0 && (StartsWith("---") || StartsWith("...") || Peek() == '%')) Fail();
        return;
      }
    }
  }

  // True at the end of the line's content (spaces, then a comment, a newline or the end).
  bool AtLineEnd() {
    SkipSpaces();
    return Peek() == '\n' || Peek() == '#' || AtEof();
  }

  // After a value: only spaces and a comment may follow on the line; consumes the newline.
  void EndLine() {
    if (!AtLineEnd()) Fail();
    SkipComment();
    if (Peek() == '\n')
      NewLine();
    else
      line_start_ = pos_;  // the end of the text
  }

  // An empty value is a null event placed at the next token, as yaml-cpp places it.
  void EmptyValue() {
    // Without a final newline yaml-cpp reports 1:1 for a null at the end; leave it that oddity.
    if (AtEof() && (s_.empty() || s_.back() != '\n')) Fail();
    h_->OnNull(Here(), 0);
  }

  void BlockNode(int indent) {
    // Block depth is bounded by the line length: each level indents by at least one more.
    if (AtSequenceItem())
      BlockSequence(indent);
    else
      BlockMap(indent);
  }

  void BlockMap(int indent) {
    h_->OnMapStart(Here(), "?", 0, YAML::EmitterStyle::Block);
    while (true) {
      Key(/*in_flow=*/false);
      BlockValue(indent, /*allow_sequence_at_indent=*/true);
      SkipBlankLines();
      if (AtEof() || indent_ < indent) break;
      if (indent_ > indent || AtSequenceItem()) Fail();
    }
    h_->OnMapEnd();
  }

  void BlockSequence(int indent) {
    h_->OnSequenceStart(Here(), "?", 0, YAML::EmitterStyle::Block);
    while (true) {
      ++pos_;  // '-'
      SkipSpaces();
      if (AtLineEnd()) {
        BlockValue(indent, /*allow_sequence_at_indent=*/false);
      } else if (AtSequenceItem()) {
        Fail();  // "- - x"
      } else if (LooksLikeKey()) {
        BlockMap(static_cast<int>(pos_ - line_start_));  // compact "- key: value"
      } else {
        BlockValue(indent, /*allow_sequence_at_indent=*/false);
      }
      SkipBlankLines();
      if (AtEof() || indent_ < indent) break;
      if (indent_ > indent) Fail();
      if (!AtSequenceItem()) break;  // the sequence was a mapping value at the map's indent
    }
    h_->OnSequenceEnd();
  }

  // The value after "key:" or "-": on this line, or a block on the next lines.
  void BlockValue(int indent, bool allow_sequence_at_indent) {
    if (!AtLineEnd()) {
      if (Peek() == '|') return LiteralScalar(indent);
      InlineValue();
      EndLine();
      return;
    }
    EndLine();
    SkipBlankLines();
    if (!AtEof() && indent_ > indent) {
      BlockNode(indent_);
    } else if (!AtEof() && indent_ == indent && allow_sequence_at_indent && AtSequenceItem()) {
      BlockSequence(indent);
    } else {
      EmptyValue();
    }
  }

  // A literal block scalar, "|" (one final newline kept) or "|-" (none), with its content
  // more indented than `parent_indent`. Indentation indicators, "|+" and folded ">" scalars
  // are left to yaml-cpp.
  void LiteralScalar(int parent_indent) {
    YAML::Mark mark = Here();
    ++pos_;  // '|'
    bool strip = Peek() == '-';
    if (strip) ++pos_;
    if (!IsBlankOrEnd(Peek())) Fail();
    EndLine();
    std::vector<std::string> lines;  // the block's lines without their indentation
    int indent = -1;                 // the content's, set by its first non-blank line
    size_t max_leading_blank = 0;
    while (!AtEof()) {
      size_t spaces = 0;
      while (Peek(spaces) == ' ') ++spaces;
      if (pos_ + spaces >= s_.size()) Fail();  // spaces, then the end without a newline
      char next = Peek(spaces);
      if (next == '\n') {  // a blank line belongs to the block so far
        if (indent < 0) max_leading_blank = std::max(max_leading_blank, spaces);
        else if (static_cast<int>(spaces) > indent) Fail();  // spaces that are content
        lines.emplace_back();
        pos_ += spaces;
        NewLine();
        continue;
      }
      if (indent < 0) {
        indent = static_cast<int>(spaces);
        if (indent <= parent_indent) break;  // an empty scalar; this line follows it
        if (max_leading_blank > spaces) Fail();
      }
      if (static_cast<int>(spaces) < indent) break;
      size_t start = pos_ + indent;
      SkipComment();  // to the end of the line: '#' is content here
      if (AtEof()) Fail();  // yaml-cpp's marks at an unterminated end are its own
      lines.push_back(s_.substr(start, pos_ - start));
      NewLine();
    }
    while (!lines.empty() && lines.back().empty()) lines.pop_back();  // chomped either way
    std::string value;
    for (size_t i = 0; i < lines.size(); ++i) value.append(i ? "\n" : "").append(lines[i]);
    if (!strip && !lines.empty()) value += '\n';
    pos_ = line_start_;
    h_->OnScalar(mark, "!", 0, value);
  }

  // Does the rest of this line start with a "key:"?
  bool LooksLikeKey() const {
    size_t p = pos_;
    char c = s_[p];
    if (c == '"' || c == '\'') {
      for (++p; p < s_.size() && s_[p] != c && s_[p] != '\n'; ++p)
        if (s_[p] == '\\') ++p;
      return p + 1 < s_.size() && s_[p] == c && s_[p + 1] == ':';
    }
    for (; p < s_.size() && s_[p] != '\n'; ++p) {
      if (s_[p] == ' ' && p + 1 < s_.size() && s_[p + 1] == '#') return false;
      if (s_[p] == ':' && (p + 1 == s_.size() || IsBlankOrEnd(s_[p + 1]))) return true;
    }
    return false;
  }

  // ':' ending a key: then a space; in block context also a newline or the end.
  bool AtKeyEnd(bool in_flow) const {
    return Peek() == ':' && (in_flow ? Peek(1) == ' ' : IsBlankOrEnd(Peek(1)));
  }

  // A mapping key and its ':'.
  void Key(bool in_flow) {
    YAML::Mark mark = Here();
    char c = Peek();
    if (c == '"' || c == '\'') {
      h_->OnScalar(mark, "!", 0, Quoted());
    } else {
      if (IsIndicator(c)) Fail();
      size_t start = pos_;
      while (!AtKeyEnd(in_flow)) {
        char d = Peek();
        if (d == '\n' || AtEof() || (d == ' ' && Peek(1) == '#')) Fail();
        if (in_flow && (IsFlowIndicator(d) || d == '?' || d == ':')) Fail();
        ++pos_;
      }
      std::string key = TrimRight(s_, start, pos_);
      if (IsNullString(key)) Fail();
      h_->OnScalar(mark, "?", 0, key);
    }
    if (!AtKeyEnd(in_flow)) Fail();
    ++pos_;
  }

  // A value that starts on the current line, in block context.
  void InlineValue() {
    char c = Peek();
    if (c == '[' || c == '{') return Flow();
    Scalar(/*in_flow=*/false);
  }

  // A plain or quoted scalar. Plain ones end at a comment, at the end of the line, or in flow
  // context at a flow indicator; a ": " inside one means a construct we leave to yaml-cpp.
  void Scalar(bool in_flow) {
    YAML::Mark mark = Here();
    char c = Peek();
    if (c == '"' || c == '\'') {
      h_->OnScalar(mark, "!", 0, Quoted());
      return;
    }
    if (IsIndicator(c) && !(c == '-' && !IsBlankOrEnd(Peek(1)))) Fail();
    size_t start = pos_;
    while (!AtEof() && Peek() != '\n' && !(Peek() == ' ' && Peek(1) == '#')) {
      char d = Peek();
      if (in_flow && IsFlowIndicator(d)) break;
      if (d == ':' && (IsBlankOrEnd(Peek(1)) || (in_flow && IsFlowIndicator(Peek(1))))) Fail();
      if (in_flow && d == '?') Fail();  // yaml-cpp ends flow scalars there
      ++pos_;
    }
    std::string text = TrimRight(s_, start, pos_);
    if (IsNullString(text))
      h_->OnNull(mark, 0);
    else
      h_->OnScalar(mark, "?", 0, text);
  }

  std::string Quoted() {
    char quote = Peek();
    ++pos_;
    std::string out;
    while (true) {
      char c = Peek();
      if (AtEof() || c == '\n') Fail();  // multi-line quoted scalars fold lines: yaml-cpp's job
      ++pos_;
      if (c == quote) {
        if (quote == '\'' && Peek() == '\'') {
          out += '\'';
          ++pos_;
          continue;
        }
        return out;
      }
      if (quote == '"' && c == '\\') {
        char e = Peek();
        ++pos_;
        switch (e) {
          case '\\':
            out += '\\';
            break;
          case '"':
            out += '"';
            break;
          case '/':
            out += '/';
            break;
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          default:
            Fail();
        }
        continue;
      }
      out += c;
    }
  }

  // [a, b] or {k: v} on one line (lines inside flows have indentation rules we leave to
  // yaml-cpp).
  void Flow() {
    if (++flow_depth_ > kMaxFlowDepth) Fail();  // bounded recursion; yaml-cpp guards its own
    bool map = Peek() == '{';
    char close = map ? '}' : ']';
    if (map)
      h_->OnMapStart(Here(), "?", 0, YAML::EmitterStyle::Flow);
    else
      h_->OnSequenceStart(Here(), "?", 0, YAML::EmitterStyle::Flow);
    ++pos_;
    SkipSpaces();
    if (Peek() == close) {
      ++pos_;
    } else {
      while (true) {
        if (map) {
          Key(/*in_flow=*/true);
          SkipSpaces();
          if (Peek() == ',' || Peek() == '}') Fail();  // an empty value
        }
        FlowNode();
        SkipSpaces();
        if (Peek() == close) {
          ++pos_;
          break;
        }
        if (Peek() != ',') Fail();
        ++pos_;
        SkipSpaces();
        if (Peek() == close) Fail();  // a trailing comma
      }
    }
    if (map)
      h_->OnMapEnd();
    else
      h_->OnSequenceEnd();
    --flow_depth_;
  }

  void FlowNode() {
    if (Peek() == '[' || Peek() == '{') return Flow();
    Scalar(/*in_flow=*/true);
  }

  const std::string& s_;
  YAML::EventHandler* h_;
  size_t pos_ = 0;
  size_t line_start_ = 0;
  int line_ = 0;    // 0-based, as yaml-cpp's marks
  int indent_ = 0;  // column of the current line's first content character
  int flow_depth_ = 0;
  static constexpr int kMaxFlowDepth = 16;
};

}  // namespace

bool FastParseYaml(const std::string& text, YAML::EventHandler* handler) {
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x80 || (u < 0x20 && c != '\n')) return false;  // tabs, CR, UTF-8, controls
  }
  try {
    FastParser(text, handler).Document();
    return true;
  } catch (const Unsupported&) {
    return false;
  }
}

}  // namespace af
