// libyaml's events translated into yaml-cpp's (see the header for why two libraries).
// Timing on the 10,000-asset manifest of manifest_loader_test (1.8 MB, 200,000 events, one
// core of the 2-core dev machine, Release, same load): yaml-cpp's parser ~290 ms; libyaml
// through this adapter ~50 ms, nearly all of it yaml_parser_parse itself.
//
// Where yaml-cpp's events differ from libyaml's:
// - yaml-cpp's tag is "?" for an untagged plain scalar or collection and "!" for any other
//   scalar; plain "~", "null", "Null", "NULL" and empty nodes are OnNull, not scalars.
// - An empty node is placed by yaml-cpp at the token after it (the next non-blank, non-comment
//   character; at the end of the text, column 0 of its last line), libyaml at the indicator
//   before it.
// - The rest (anchors, tags, explicit keys, ...) is left to yaml-cpp: FastParseYaml gives up.
#include "manifest/yaml_libyaml_events.h"

#include <yaml-cpp/emitterstyle.h>
#include <yaml-cpp/mark.h>
#include <yaml.h>

#include <string>
#include <vector>

namespace af {

namespace {

// Deeper nesting is left to yaml-cpp, which reports its own limit (2,000) as an error.
constexpr size_t kMaxDepth = 500;

class LibyamlEvents {
 public:
  LibyamlEvents(const std::string& text, YAML::EventHandler* handler) : s_(text), h_(handler) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_encoding(&parser_, YAML_UTF8_ENCODING);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(s_.data()),
                                 s_.size());
  }
  ~LibyamlEvents() { yaml_parser_delete(&parser_); }
  LibyamlEvents(const LibyamlEvents&) = delete;
  LibyamlEvents& operator=(const LibyamlEvents&) = delete;

  bool Run() {
    while (true) {
      yaml_event_t event;
      if (!yaml_parser_parse(&parser_, &event)) return false;  // yaml-cpp words the error
      bool ok = Translate(event);
      bool end = event.type == YAML_STREAM_END_EVENT;
      yaml_event_delete(&event);
      if (!ok) return false;
      if (end) return true;
    }
  }

 private:
  struct Open {
    bool map;
    bool flow;
    size_t children = 0;
  };

  static YAML::Mark ToMark(const yaml_mark_t& m) {
    // The text is ASCII (checked before), so libyaml's character index is the byte offset.
    YAML::Mark mark;
    mark.pos = static_cast<int>(m.index);
    mark.line = static_cast<int>(m.line);
    mark.column = static_cast<int>(m.column);
    return mark;
  }

  // yaml-cpp's mark for an empty node: its next token, the first character from `m` that is
  // not a space, a line break or in a comment; at the end of the text, yaml-cpp resets the
  // column to 0 (even on a last line without a line break).
  YAML::Mark NextTokenMark(const yaml_mark_t& m) const {
    size_t i = m.index;
    int line = static_cast<int>(m.line), column = static_cast<int>(m.column);
    while (i < s_.size()) {
      char c = s_[i];
      if (c == ' ') {
        ++i, ++column;
      } else if (c == '\n') {
        ++i, ++line, column = 0;
      } else if (c == '#') {
        for (; i < s_.size() && s_[i] != '\n'; ++i) ++column;
      } else {
        break;
      }
    }
    YAML::Mark mark;
    mark.pos = static_cast<int>(i);
    mark.line = line;
    mark.column = i < s_.size() ? column : 0;
    return mark;
  }

  // The text between two events holds indicators, blanks and comments; an explicit key's "?"
  // there changes where yaml-cpp puts a missing value.
  bool GapIsPlain(size_t from, size_t to) const {
    for (size_t i = from; i < to && i < s_.size(); ++i) {
      if (s_[i] == '#') {
        while (i < to && s_[i] != '\n') ++i;
      } else if (s_[i] == '?') {
        return false;
      }
    }
    return true;
  }

  // A quoted scalar whose closing quote has only spaces before it on its line: after blank
  // lines, yaml-cpp keeps one line break fewer than libyaml (and the spec).
  bool ClosesOnBlankLine(const yaml_event_t& e) const {
    if (e.start_mark.line == e.end_mark.line) return false;
    size_t quote = e.end_mark.index - 1;
    size_t i = quote;
    while (i > 0 && s_[i - 1] == ' ') --i;
    return i > 0 && s_[i - 1] == '\n';
  }

  bool AtKey() const { return !open_.empty() && open_.back().map && open_.back().children % 2 == 0; }

  // Counts a node as a child of the innermost open collection.
  void Added() {
    if (!open_.empty()) ++open_.back().children;
  }

  bool Translate(const yaml_event_t& e) {
    // A scalar's own text may hold a '?'; a collection's start ("[", "- ", a flow map's key)
    // is an indicator.
    size_t gap_end = e.type == YAML_SCALAR_EVENT ? e.start_mark.index : e.end_mark.index;
    if (gap_end >= last_end_ && !GapIsPlain(last_end_, gap_end)) return false;
    if (e.end_mark.index > last_end_) last_end_ = e.end_mark.index;
    switch (e.type) {
      case YAML_STREAM_START_EVENT:
      case YAML_STREAM_END_EVENT:
        return true;
      case YAML_DOCUMENT_START_EVENT:
        if (e.data.document_start.version_directive ||
            e.data.document_start.tag_directives.start != e.data.document_start.tag_directives.end)
          return false;
        h_->OnDocumentStart(ToMark(e.start_mark));
        return true;
      case YAML_DOCUMENT_END_EVENT:
        if (!e.data.document_end.implicit) return false;  // "...": yaml-cpp differs
        h_->OnDocumentEnd();
        return true;
      case YAML_ALIAS_EVENT:
        return false;
      case YAML_SCALAR_EVENT:
        return Scalar(e);
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        bool map = e.type == YAML_MAPPING_START_EVENT;
        if (map ? e.data.mapping_start.anchor || e.data.mapping_start.tag
                : e.data.sequence_start.anchor || e.data.sequence_start.tag)
          return false;
        if (open_.size() >= kMaxDepth) return false;
        bool flow = map ? e.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                        : e.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
        YAML::EmitterStyle::value style = flow ? YAML::EmitterStyle::Flow
                                               : YAML::EmitterStyle::Block;
        if (map)
          h_->OnMapStart(ToMark(e.start_mark), "?", 0, style);
        else
          h_->OnSequenceStart(ToMark(e.start_mark), "?", 0, style);
        Added();
        open_.push_back({map, flow});
        return true;
      }
      case YAML_SEQUENCE_END_EVENT:
        open_.pop_back();
        h_->OnSequenceEnd();
        return true;
      case YAML_MAPPING_END_EVENT:
        open_.pop_back();
        h_->OnMapEnd();
        return true;
      case YAML_NO_EVENT:
        return false;
    }
    return false;
  }

  bool Scalar(const yaml_event_t& e) {
    const auto& s = e.data.scalar;
    if (s.anchor || s.tag) return false;
    bool plain = s.style == YAML_PLAIN_SCALAR_STYLE;
    std::string value(reinterpret_cast<const char*>(s.value), s.length);
    // yaml-cpp ends a plain scalar in a flow collection at a '?', and then fails.
    if (plain && !open_.empty() && open_.back().flow && value.find('?') != std::string::npos)
      return false;
    if ((s.style == YAML_SINGLE_QUOTED_SCALAR_STYLE || s.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) &&
        ClosesOnBlankLine(e))
      return false;
    if (plain && value.empty()) {
      if (AtKey()) return false;  // ": v": in a flow sequence yaml-cpp's map style differs
      h_->OnNull(NextTokenMark(e.start_mark), 0);
    } else if (plain && (value == "~" || value == "null" || value == "Null" || value == "NULL")) {
      h_->OnNull(ToMark(e.start_mark), 0);
    } else {
      h_->OnScalar(ToMark(e.start_mark), plain ? "?" : "!", 0, value);
    }
    Added();
    return true;
  }

  const std::string& s_;
  YAML::EventHandler* h_;
  yaml_parser_t parser_;
  std::vector<Open> open_;
  size_t last_end_ = 0;  // the furthest end of an event so far
};

}  // namespace

bool FastParseYaml(const std::string& text, YAML::EventHandler* handler) {
  // Tabs and CR are whitespace by rules the two libraries read differently; libyaml counts
  // columns in characters where yaml-cpp counts bytes.
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x80 || (u < 0x20 && c != '\n') || u == 0x7f) return false;
  }
  return LibyamlEvents(text, handler).Run();
}

}  // namespace af
