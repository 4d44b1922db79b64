// Test-only: Definitions built by hand, as the manifest loader would produce them, so the graph
// tests need neither YAML nor plugins.
#ifndef ASSETFLOW_HOST_GRAPH_TEST_DEFINITIONS_H_
#define ASSETFLOW_HOST_GRAPH_TEST_DEFINITIONS_H_

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "manifest/definitions.h"

namespace af::testing {

struct TestAsset {
  std::string key;
  std::vector<std::string> inputs{};  // upstream keys ("{}": designated initializers may omit it)
  std::string group = "default";
  std::map<std::string, std::string> tags{};
  std::vector<std::string> owners{};  // sorted, as the loader makes them
  std::vector<std::string> kinds{};
  // Line of the asset's key in "m.yaml" (0: the line after the previous asset's inputs). Its
  // inputs sit on the following lines at column 14, as in "    inputs: { x: a }".
  int line = 0;
};

inline Definitions MakeDefinitions(std::vector<TestAsset> assets) {
  Definitions defs;
  int next_line = 2;  // line 1 is "assets:"
  for (const auto& t : assets) {
    AssetDef a;
    a.key = t.key;
    a.type = "test/asset";
    a.group = t.group;
    // As the parser: an asset that sets none of them has no details block.
    if (!t.tags.empty() || !t.owners.empty() || !t.kinds.empty()) {
      AssetDetails& details = a.mutable_details();
      details.tags = t.tags;
      details.owners = t.owners;
      details.kinds = t.kinds;
    }
    int line = t.line > 0 ? t.line : next_line;
    a.location = {"m.yaml", line, 3};
    for (size_t i = 0; i < t.inputs.size(); ++i) {
      a.inputs.push_back({"in_" + t.inputs[i], t.inputs[i],
                          {"m.yaml", line + 1 + static_cast<int>(i), 14}});
    }
    next_line = line + 1 + static_cast<int>(t.inputs.size());
    std::sort(a.inputs.begin(), a.inputs.end(),
              [](const InputDef& x, const InputDef& y) { return x.name < y.name; });
    defs.assets.push_back(std::move(a));
  }
  // Sorted by key, as the loader makes them: Definitions' lookups are a binary search over it.
  std::sort(defs.assets.begin(), defs.assets.end(),
            [](const AssetDef& x, const AssetDef& y) { return x.key < y.key; });
  defs.files = {"m.yaml"};
  return defs;
}

// A chain of `n` assets "c<i>" (zero-padded). Forward: each "c<i>" reads "c<i-1>", so index
// order is topological. Reversed: each "c<i>" reads "c<i+1>", so it is the reverse.
inline Definitions MakeChain(size_t n, bool reversed = false) {
  std::vector<TestAsset> assets(n);
  const size_t width = std::to_string(n - 1).size();
  auto key = [&](size_t i) {
    std::string digits = std::to_string(i);
    return "c" + std::string(width - digits.size(), '0') + digits;
  };
  for (size_t i = 0; i < n; ++i) {
    assets[i].key = key(i);
    if (reversed && i + 1 < n) assets[i].inputs = {key(i + 1)};
    if (!reversed && i > 0) assets[i].inputs = {key(i - 1)};
  }
  return MakeDefinitions(std::move(assets));
}

// The keys of `indices` (a vector or AssetGraph::Indices), in their order and space-separated,
// so failures print names.
template <class Indices>
std::string KeysOf(const Definitions& defs, const Indices& indices) {
  std::string keys;
  for (size_t i : indices) keys += (keys.empty() ? "" : " ") + defs.assets[i].key;
  return keys;
}

}  // namespace af::testing

#endif
