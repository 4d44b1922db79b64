#include "manifest/yaml_document.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <sstream>

#include "common/redact.h"
#include "manifest/yaml_libyaml_events.h"

namespace af {

// Turns yaml-cpp's parser events into YamlDocument nodes. Bounds what a hostile file can make
// every later walk of the tree do (see kMaxYamlDepth, kMaxAliasExpansion): past a bound, the
// nodes are dropped and Refusal() says why.
class YamlTreeBuilder : public YAML::EventHandler {
 public:
  YamlTreeBuilder(YamlDocument* doc, const EnvLookupFn& env, Diagnostics* diagnostics)
      : doc_(doc), env_(env), diagnostics_(diagnostics) {}

  // Set once a bound was crossed: the document must not be used.
  const std::optional<Diagnostic>& Refusal() const { return refusal_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    document_start_ = mark;
    anchors_.clear();  // anchors are scoped to one YAML document
    stack_.clear();
    pending_.clear();
  }
  void OnDocumentEnd() override {}
  // Where the last document began (yaml-cpp's mark of its first token).
  const YAML::Mark& document_start() const { return document_start_; }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (Dropping()) return;
    YamlId id = NewNode(YamlNode::Kind::kNull, mark);
    // yaml-cpp places an empty value ("key:" and nothing) at the next token, often on a later
    // line; an error about it reads better at its key.
    if (!stack_.empty() && !IsMapKeyPosition() && doc_->nodes_[stack_.back().id].IsMap()) {
      const YamlNode& key = doc_->nodes_[pending_.back()];
      if (key.line != mark.line + 1) {
        doc_->nodes_[id].line = key.line;
        doc_->nodes_[id].column = key.column;
      }
    }
    Add(id, anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (Dropping()) return;
    if (anchor >= anchors_.size() ||
        std::any_of(stack_.begin(), stack_.end(),
                    [&](const OpenContainer& o) { return o.id == anchors_[anchor]; })) {
      // A node containing an alias to itself would make the tree infinite.
      diagnostics_->push_back({Loc(mark), "recursive or unknown YAML alias", ""});
      Add(NewNode(YamlNode::Kind::kNull, mark), 0);
      return;
    }
    Add(anchors_[anchor], 0);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (Dropping()) return;
    YamlId id = NewNode(YamlNode::Kind::kScalar, mark);
    YamlNode& n = doc_->nodes_[id];
    n.plain = IsPlainTag(tag);
    // Keys name things and are never expanded; most values have nothing to expand. Nor is a
    // document that is one scalar: it is no manifest (maybe not even meant as one, like
    // `--manifest /etc/shadow`), and an expansion error would quote it.
    if (IsMapKeyPosition() || stack_.empty() || value.find('$') == std::string::npos) {
      SetValue(id, value, mark);
    } else {
      Expected<std::string> expanded = ExpandEnv(value, env_);
      if (expanded.ok()) {
        SetValue(id, expanded.value(), mark);
      } else {
        // The message quotes the scalar: a URL in it keeps its credentials to itself.
        diagnostics_->push_back({Loc(mark), RedactUrls(expanded.status().message()), ""});
        SetValue(id, value, mark);
      }
    }
    Add(id, anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    if (Deeper(mark)) Open(NewNode(YamlNode::Kind::kSequence, mark), anchor);
  }
  void OnSequenceEnd() override { Shallower(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    if (Deeper(mark)) Open(NewNode(YamlNode::Kind::kMap, mark), anchor);
  }
  void OnMapEnd() override { Shallower(); }

 private:
  // "?" is yaml-cpp's tag for an untagged plain scalar ("!" for quoted ones); explicit
  // core-schema tags keep core-schema typing, anything else is a string.
  static bool IsPlainTag(const std::string& tag) {
    static const std::string kCore = "tag:yaml.org,2002:";
    if (tag == "?") return true;
    if (tag.compare(0, kCore.size(), kCore) != 0) return false;
    std::string t = tag.substr(kCore.size());
    return t == "int" || t == "float" || t == "bool" || t == "null";
  }

  bool Dropping() const { return refusal_.has_value(); }

  // Opens a container level; false (and the refusal) past kMaxYamlDepth.
  bool Deeper(const YAML::Mark& mark) {
    ++depth_;
    if (Dropping()) return false;
    if (depth_ <= kMaxYamlDepth) return true;
    Refuse(Loc(mark), "nested deeper than " + std::to_string(kMaxYamlDepth) + " levels");
    return false;
  }
  void Shallower() {
    --depth_;
    if (!Dropping()) Close();
  }

  void Refuse(SourceLocation where, std::string why) {
    Diagnostic d;
    d.location = std::move(where);
    d.message = "YAML " + why;
    refusal_ = std::move(d);
  }

  // The node count of `id` with every alias expanded (saturating at UINT64_MAX).
  uint64_t Expanded(YamlId id) const { return id < expanded_.size() ? expanded_[id] : 1; }

  SourceLocation Loc(const YAML::Mark& mark) const {
    return SourceLocation{doc_->file_, mark.line + 1, mark.column + 1};
  }

  // Node offsets into the value pool are 32-bit: past 4 GiB of values (only ${VAR}s expanding
  // to huge environment values get there) the file is refused.
  void SetValue(YamlId id, std::string_view value, const YAML::Mark& mark) {
    std::string& pool = doc_->values_;
    if (pool.size() + value.size() > UINT32_MAX) {
      if (!Dropping()) Refuse(Loc(mark), "values larger than 4 GiB in total");
      return;
    }
    doc_->nodes_[id].first = static_cast<uint32_t>(pool.size());
    doc_->nodes_[id].count = static_cast<uint32_t>(value.size());
    pool.append(value);
  }

  YamlId NewNode(YamlNode::Kind kind, const YAML::Mark& mark) {
    YamlNode n;
    n.kind = kind;
    n.line = mark.line + 1;
    n.column = std::min(mark.column + 1, YamlNode::kMaxColumn);
    doc_->nodes_.push_back(std::move(n));
    return static_cast<YamlId>(doc_->nodes_.size() - 1);
  }

  bool IsMapKeyPosition() const {
    if (stack_.empty()) return false;
    const YamlNode& parent = doc_->nodes_[stack_.back().id];
    return parent.IsMap() && (pending_.size() - stack_.back().first_pending) % 2 == 0;
  }

  void Add(YamlId id, YAML::anchor_t anchor) {
    if (anchor != 0) {
      if (anchors_.size() <= anchor) anchors_.resize(anchor + 1, 0);
      anchors_[anchor] = id;
    }
    if (stack_.empty()) {
      doc_->roots_.push_back(id);
    } else {
      pending_.push_back(id);
    }
  }

  void Open(YamlId id, YAML::anchor_t anchor) {
    Add(id, anchor);
    stack_.push_back({id, pending_.size()});
  }

  // Moves the closing container's children from the pending stack to the document's list.
  void Close() {
    OpenContainer open = stack_.back();
    stack_.pop_back();
    if (doc_->nodes_[open.id].IsMap()) ApplyMergeKeys(open.first_pending);
    // Aliases make the tree a DAG: a few lines of anchors can stand for billions of nodes
    // (the "billion laughs"), which every walk (config to JSON, checks) would expand. The
    // expanded size is summed here, children first, so it costs one pass.
    uint64_t expanded = 1;
    for (size_t i = open.first_pending; i < pending_.size(); ++i) {
      const uint64_t child = Expanded(pending_[i]);
      expanded = child > UINT64_MAX - expanded ? UINT64_MAX : expanded + child;
    }
    if (expanded_.size() <= open.id) expanded_.resize(doc_->nodes_.size(), 1);
    expanded_[open.id] = expanded;
    if (expanded > doc_->nodes_.size() + kMaxAliasExpansion) {
      Refuse(doc_->Location(open.id),
             "aliases expand to more than " + std::to_string(kMaxAliasExpansion) + " nodes");
    }
    YamlNode& n = doc_->nodes_[open.id];
    n.first = static_cast<uint32_t>(doc_->child_ids_.size());
    n.count = static_cast<uint32_t>(pending_.size() - open.first_pending);
    doc_->child_ids_.insert(doc_->child_ids_.end(), pending_.begin() + open.first_pending,
                            pending_.end());
    pending_.resize(open.first_pending);
  }

  // YAML's merge key: "<<: *defaults" (or "<<: [*a, *b]") adds the entries of the aliased
  // mappings whose keys the mapping does not set itself, earlier sources first. yaml-cpp's
  // parser leaves "<<" as an ordinary key. A "<<" whose value is not a mapping (or a list of
  // mappings) stays, and is reported as an unknown key.
  void ApplyMergeKeys(size_t first) {
    auto is_merge = [&](size_t i) {
      const YamlNode& key = doc_->nodes_[pending_[i]];
      return key.IsScalar() && key.plain && doc_->Value(pending_[i]) == "<<" &&
             IsMergeable(pending_[i + 1]);
    };
    bool any = false;
    for (size_t i = first; i + 1 < pending_.size(); i += 2) any |= is_merge(i);
    if (!any) return;
    std::vector<YamlId> entries, sources;
    for (size_t i = first; i + 1 < pending_.size(); i += 2) {
      if (!is_merge(i)) {
        entries.insert(entries.end(), {pending_[i], pending_[i + 1]});
        continue;
      }
      const YamlNode& value = doc_->nodes_[pending_[i + 1]];
      if (value.IsMap()) sources.push_back(pending_[i + 1]);
      else for (YamlId item : doc_->children(pending_[i + 1])) sources.push_back(item);
    }
    for (YamlId source : sources) {
      std::span<const YamlId> c = doc_->children(source);
      for (size_t j = 0; j + 1 < c.size(); j += 2) {
        const std::string_view key = doc_->Value(c[j]);
        bool set = false;
        for (size_t k = 0; k < entries.size() && !set; k += 2)
          set = doc_->Value(entries[k]) == key;
        if (!set) entries.insert(entries.end(), {c[j], c[j + 1]});
      }
    }
    pending_.resize(first);
    pending_.insert(pending_.end(), entries.begin(), entries.end());
  }

  bool IsMergeable(YamlId value) const {
    const YamlNode& n = doc_->nodes_[value];
    if (n.IsMap()) return true;
    if (n.kind != YamlNode::Kind::kSequence) return false;
    std::span<const YamlId> items = doc_->children(value);
    return !items.empty() && std::all_of(items.begin(), items.end(), [&](YamlId item) {
      return doc_->nodes_[item].IsMap();
    });
  }

  YamlDocument* doc_;
  const EnvLookupFn& env_;
  Diagnostics* diagnostics_;
  YAML::Mark document_start_ = YAML::Mark::null_mark();
  struct OpenContainer {
    YamlId id;
    size_t first_pending;  // where its children start in pending_
  };
  std::vector<OpenContainer> stack_;  // open sequences and maps
  std::vector<YamlId> pending_;       // children of the open containers, innermost last
  std::vector<YamlId> anchors_;       // anchor_t -> node
  std::vector<uint64_t> expanded_;    // closed container -> Expanded()
  size_t depth_ = 0;                  // containers open, dropped ones included
  std::optional<Diagnostic> refusal_;
};

namespace {

// An empty, incomplete document in place of one that crossed a bound: nothing of it may be
// walked.
std::unique_ptr<YamlDocument> Refused(std::unique_ptr<YamlDocument> doc, const Diagnostic& why,
                                      Diagnostics* diagnostics) {
  diagnostics->push_back(why);
  return YamlDocument::Empty(doc->file());
}

// The first tab (1-based line, column) in the leading whitespace of the failing line (0-based)
// or the one before it (yaml-cpp may stop at the line after), if any. Earlier lines parsed
// fine: a tab there is inside a block scalar, which may hold one.
std::optional<std::pair<int, int>> IndentationTab(const std::string& text, int failing_line) {
  if (failing_line < 0) return std::nullopt;
  int line = 0;
  for (size_t start = 0; start < text.size() && line <= failing_line; ++line) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (line + 1 < failing_line) {
      start = end + 1;
      continue;
    }
    for (size_t i = start; i < end && (text[i] == ' ' || text[i] == '\t'); ++i)
      if (text[i] == '\t') return std::make_pair(line + 1, static_cast<int>(i - start) + 1);
    start = end + 1;
  }
  return std::nullopt;
}
}  // namespace

std::unique_ptr<YamlDocument> YamlDocument::Empty(const std::string& file) {
  auto doc = std::unique_ptr<YamlDocument>(new YamlDocument);
  doc->file_ = file;
  doc->complete_ = false;
  return doc;
}

std::unique_ptr<YamlDocument> YamlDocument::Parse(const std::string& text, const std::string& file,
                                                  const EnvLookupFn& env,
                                                  Diagnostics* diagnostics) {
  auto doc = std::unique_ptr<YamlDocument>(new YamlDocument);
  doc->file_ = file;
  // Every mapping entry is a key and a value, so a manifest has about two nodes per ':' and one
  // per list item: reserving that (plus the containers' share) avoids the reallocations that
  // held up to three times the tree at the peak of a large manifest's load. Capped, so a file
  // of prose never over-reserves much.
  const size_t colons = static_cast<size_t>(std::count(text.begin(), text.end(), ':'));
  const size_t items = static_cast<size_t>(std::count(text.begin(), text.end(), '-'));
  const size_t expected_nodes =
      std::min<size_t>(colons * 2 + colons / 4 + items + 16, text.size() / 2 + 16);
  doc->nodes_.reserve(expected_nodes);
  doc->child_ids_.reserve(expected_nodes);
  doc->values_.reserve(text.size() / 2);  // scalars' text, without indentation and keys' ':'s
  {
    Diagnostics expansion_errors;  // kept only if the libyaml path reads the whole file
    YamlTreeBuilder builder(doc.get(), env, &expansion_errors);
    if (FastParseYaml(text, &builder)) {
      if (builder.Refusal()) return Refused(std::move(doc), *builder.Refusal(), diagnostics);
      diagnostics->insert(diagnostics->end(), expansion_errors.begin(), expansion_errors.end());
      doc->ShrinkToFit();
      return doc;
    }
    doc->nodes_.clear();
    doc->child_ids_.clear();
    doc->roots_.clear();
    doc->values_.clear();
  }
  std::istringstream in(text);
  YamlTreeBuilder builder(doc.get(), env, diagnostics);
  try {
    YAML::Parser parser(in);
    // yaml-cpp 0.7 reads a ',' where a document starts (a lone "," or "!tag ,") as an empty
    // document without consuming it, so the loop would never end, one null node per turn
    // (found by fuzz/manifest). A document that starts where the previous one did is that.
    int last_start = -1;
    while (parser.HandleNextDocument(builder)) {
      const YAML::Mark& start = builder.document_start();
      if (start.pos == last_start) {
        if (!doc->roots_.empty()) doc->roots_.pop_back();
        char c = static_cast<size_t>(start.pos) < text.size() ? text[start.pos] : ' ';
        std::string what = c > ' ' && c < 0x7f ? std::string("'") + c + "'" : "character";
        diagnostics->push_back({SourceLocation{file, start.line + 1, start.column + 1},
                                "invalid YAML: unexpected " + what, ""});
        doc->complete_ = false;
        break;
      }
      last_start = start.pos;
    }
  } catch (const YAML::Exception& e) {
    SourceLocation where{file, e.mark.is_null() ? 0 : e.mark.line + 1,
                         e.mark.is_null() ? 0 : e.mark.column + 1};
    // Past a bound the refusal is the story (yaml-cpp's own depth limit, 2,000, is not).
    if (builder.Refusal()) return Refused(std::move(doc), *builder.Refusal(), diagnostics);
    std::string message = "invalid YAML: " + e.msg;
    // yaml-cpp words a tab in indentation as whatever it expected instead ("illegal map
    // value"); the tab, on the failing line or before it, is what the author must fix.
    if (auto tab = IndentationTab(text, e.mark.is_null() ? -1 : e.mark.line)) {
      where.line = tab->first;
      where.column = tab->second;
      message = "invalid YAML: tabs are not allowed for indentation (use spaces)";
    }
    diagnostics->push_back({where, std::move(message), ""});
    doc->complete_ = false;
  }
  if (builder.Refusal()) return Refused(std::move(doc), *builder.Refusal(), diagnostics);
  doc->ShrinkToFit();
  return doc;
}

void YamlDocument::ShrinkToFit() {
  // Only when the estimate was well off: shrinking copies the tree once.
  if (nodes_.capacity() > nodes_.size() + nodes_.size() / 4) nodes_.shrink_to_fit();
  if (child_ids_.capacity() > child_ids_.size() + child_ids_.size() / 4) child_ids_.shrink_to_fit();
  if (values_.capacity() > values_.size() + values_.size() / 4) values_.shrink_to_fit();
}

std::string YamlDocument::KindName(YamlId id) const {
  switch (nodes_[id].kind) {
    case YamlNode::Kind::kNull:
      return "null";
    case YamlNode::Kind::kScalar:
      return "a string";
    case YamlNode::Kind::kSequence:
      return "a list";
    case YamlNode::Kind::kMap:
      return "a mapping";
  }
  return "?";
}

}  // namespace af
