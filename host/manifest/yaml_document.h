// YamlDocument: a compact, read-only tree of one YAML file with the position of every node and
// whether each scalar was plain (typed by the YAML 1.2 core schema) or quoted (a string).
// yaml-cpp's YAML::Node keeps neither the plain/quoted distinction we need for config nor
// duplicate keys (which we report), and is heavy; this tree is built from yaml-cpp's parser
// events instead. Internal to the manifest module.
#ifndef ASSETFLOW_HOST_MANIFEST_YAML_DOCUMENT_H_
#define ASSETFLOW_HOST_MANIFEST_YAML_DOCUMENT_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostic.h"
#include "manifest/scalars.h"

namespace af {

using YamlId = uint32_t;

// Bounds on what one file may make the host build or walk. Nesting: the tree is walked
// recursively (config becomes JSON, whose own limit is assetflow::kMaxJsonDepth = 256), and
// no manifest needs more than a dozen levels. Aliases: how many nodes beyond the file's own
// they may stand for once expanded (a "billion laughs" file expands to gigabytes).
inline constexpr size_t kMaxYamlDepth = 128;
inline constexpr uint64_t kMaxAliasExpansion = 1000000;

// 16 bytes, with no heap string behind it: a manifest of 100,000 assets has ~1.3 million nodes
// (48 bytes each with a std::string, 20 with kind, plain and column unpacked).
struct YamlNode {
  enum class Kind : uint8_t { kNull, kScalar, kSequence, kMap };
  // Columns past this would be recorded as this; none is, since a manifest file is at most
  // kMaxManifestBytes (64 MiB) long.
  static constexpr int kMaxColumn = (1 << 28) - 1;
  Kind kind : 2 = Kind::kNull;
  bool plain : 1 = true;     // scalars: unquoted and untagged (or tagged with a core-schema type)
  int column : 29 = 0;       // 1-based
  int line = 0;              // 1-based
  // Containers: where their children start in the document's child list, and how many (see
  // YamlDocument::children). Scalars: where their value starts in the document's value pool,
  // and its length (see YamlDocument::Value).
  uint32_t first = 0;
  uint32_t count = 0;

  bool IsMap() const { return kind == Kind::kMap; }
  bool IsScalar() const { return kind == Kind::kScalar; }
  bool IsContainer() const { return kind == Kind::kMap || kind == Kind::kSequence; }
};
static_assert(sizeof(YamlNode) == 16);

class YamlDocument {
 public:
  // Parses `text` as read from `file`. Syntax errors and ${VAR} errors are appended to
  // `diagnostics`; the returned document holds every YAML document read before the first
  // syntax error (a syntax error ends parsing, as yaml-cpp cannot resume). A file nested
  // deeper than kMaxYamlDepth or whose aliases expand past kMaxAliasExpansion gives one
  // diagnostic and an empty, incomplete document.
  static std::unique_ptr<YamlDocument> Parse(const std::string& text, const std::string& file,
                                             const EnvLookupFn& env, Diagnostics* diagnostics);
  // A document with no roots, complete() false.
  static std::unique_ptr<YamlDocument> Empty(const std::string& file);

  const std::string& file() const { return file_; }
  // One root per YAML document in the file ("---" separated); empty for an empty file.
  const std::vector<YamlId>& roots() const { return roots_; }
  const YamlNode& node(YamlId id) const { return nodes_[id]; }
  // Sequence items; for a map: key, value, key, value, ... in file order, duplicates kept.
  // An alias shares its anchor's node id, so the tree is a DAG (never a cycle).
  std::span<const YamlId> children(YamlId id) const {
    const YamlNode& n = nodes_[id];
    if (!n.IsContainer()) return {};
    return {child_ids_.data() + n.first, n.count};
  }
  // A scalar's text (values, not mapping keys, have ${VAR} expanded); "" for other nodes.
  // Valid as long as the document.
  std::string_view Value(YamlId id) const {
    const YamlNode& n = nodes_[id];
    if (!n.IsScalar()) return {};
    return std::string_view(values_).substr(n.first, n.count);
  }
  SourceLocation Location(YamlId id) const {
    return SourceLocation{file_, nodes_[id].line, nodes_[id].column};
  }

  // False if parsing stopped at a syntax error (the tree is then partial).
  bool complete() const { return complete_; }

  // "a mapping", "a list", "null", or "a string".
  std::string KindName(YamlId id) const;

 private:
  friend class YamlTreeBuilder;
  void ShrinkToFit();  // gives back what the reservation overestimated
  FileName file_;  // interned: every Location() shares it
  std::vector<YamlNode> nodes_;
  std::vector<YamlId> child_ids_;  // every container's children, contiguous per container
  std::vector<YamlId> roots_;
  std::string values_;  // every scalar's text, back to back (YamlNode::first/count)
  bool complete_ = true;
};

}  // namespace af

#endif
