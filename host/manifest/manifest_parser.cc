#include "manifest/manifest_parser.h"

#include <string_view>

#include "manifest/manifest_walker.h"

namespace af {

bool SplitAssetKey(const std::string& key, std::vector<std::string>* segments) {
  segments->clear();
  for (std::string_view segment : SplitKeySegments(key)) {
    if (!manifest_internal::IsName(std::string(segment), /*dash=*/true)) return false;
    segments->emplace_back(segment);
  }
  return true;
}

void ParseManifestDocument(const YamlDocument& doc, ParsedManifest* out, Diagnostics* diagnostics) {
  manifest_internal::Walker walker(doc, out, diagnostics);
  for (YamlId root : doc.roots()) walker.Top(root);
}

}  // namespace af
