#include "manifest/yaml_document.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <sstream>

namespace af {

// Turns yaml-cpp's parser events into YamlDocument nodes.
class YamlTreeBuilder : public YAML::EventHandler {
 public:
  YamlTreeBuilder(YamlDocument* doc, const EnvLookupFn& env, Diagnostics* diagnostics)
      : doc_(doc), env_(env), diagnostics_(diagnostics) {}

  void OnDocumentStart(const YAML::Mark&) override {
    anchors_.clear();  // anchors are scoped to one YAML document
    stack_.clear();
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Add(NewNode(YamlNode::Kind::kNull, mark), anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (anchor >= anchors_.size() ||
        std::find(stack_.begin(), stack_.end(), anchors_[anchor]) != stack_.end()) {
      // A node containing an alias to itself would make the tree infinite.
      diagnostics_->push_back({Loc(mark), "recursive or unknown YAML alias", ""});
      Add(NewNode(YamlNode::Kind::kNull, mark), 0);
      return;
    }
    Add(anchors_[anchor], 0);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    YamlId id = NewNode(YamlNode::Kind::kScalar, mark);
    YamlNode& n = doc_->nodes_[id];
    n.plain = IsPlainTag(tag);
    if (IsMapKeyPosition()) {
      n.value = value;  // keys name things; they are never expanded
    } else {
      Expected<std::string> expanded = ExpandEnv(value, env_);
      if (expanded.ok()) {
        doc_->nodes_[id].value = std::move(expanded.value());
      } else {
        diagnostics_->push_back({Loc(mark), expanded.status().message(), ""});
        doc_->nodes_[id].value = value;
      }
    }
    Add(id, anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(NewNode(YamlNode::Kind::kSequence, mark), anchor);
  }
  void OnSequenceEnd() override { stack_.pop_back(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(NewNode(YamlNode::Kind::kMap, mark), anchor);
  }
  void OnMapEnd() override { stack_.pop_back(); }

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

  SourceLocation Loc(const YAML::Mark& mark) const {
    return SourceLocation{doc_->file_, mark.line + 1, mark.column + 1};
  }

  YamlId NewNode(YamlNode::Kind kind, const YAML::Mark& mark) {
    YamlNode n;
    n.kind = kind;
    n.line = mark.line + 1;
    n.column = mark.column + 1;
    doc_->nodes_.push_back(std::move(n));
    return static_cast<YamlId>(doc_->nodes_.size() - 1);
  }

  bool IsMapKeyPosition() const {
    if (stack_.empty()) return false;
    const YamlNode& parent = doc_->nodes_[stack_.back()];
    return parent.IsMap() && parent.children.size() % 2 == 0;
  }

  void Add(YamlId id, YAML::anchor_t anchor) {
    if (anchor != 0) {
      if (anchors_.size() <= anchor) anchors_.resize(anchor + 1, 0);
      anchors_[anchor] = id;
    }
    if (stack_.empty()) {
      doc_->roots_.push_back(id);
    } else {
      doc_->nodes_[stack_.back()].children.push_back(id);
    }
  }

  void Open(YamlId id, YAML::anchor_t anchor) {
    Add(id, anchor);
    stack_.push_back(id);
  }

  YamlDocument* doc_;
  const EnvLookupFn& env_;
  Diagnostics* diagnostics_;
  std::vector<YamlId> stack_;    // open sequences and maps
  std::vector<YamlId> anchors_;  // anchor_t -> node
};

std::unique_ptr<YamlDocument> YamlDocument::Parse(const std::string& text,
                                                  const std::string& file,
                                                  const EnvLookupFn& env,
                                                  Diagnostics* diagnostics) {
  auto doc = std::unique_ptr<YamlDocument>(new YamlDocument);
  doc->file_ = file;
  std::istringstream in(text);
  YamlTreeBuilder builder(doc.get(), env, diagnostics);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const YAML::Exception& e) {
    SourceLocation where{file, e.mark.is_null() ? 0 : e.mark.line + 1,
                         e.mark.is_null() ? 0 : e.mark.column + 1};
    diagnostics->push_back({where, "invalid YAML: " + e.msg, ""});
    doc->complete_ = false;
  }
  return doc;
}

std::string YamlDocument::KindName(YamlId id) const {
  switch (nodes_[id].kind) {
    case YamlNode::Kind::kNull: return "null";
    case YamlNode::Kind::kScalar: return "a string";
    case YamlNode::Kind::kSequence: return "a list";
    case YamlNode::Kind::kMap: return "a mapping";
  }
  return "?";
}

}  // namespace af
