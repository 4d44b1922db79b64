// Fuzzes the parse of /topstories.json. Contract under test: a body is a ranking of positive
// ids or a FatalError naming the URL, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include <assetflow/cpp/plugin.hpp>

#include "hn_items.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  try {
    for (int64_t id : hackernews::parse_ranking("http://127.0.0.1/v0/topstories.json", body))
      if (id <= 0) __builtin_trap();  // the contract: positive ids only
  } catch (const assetflow::FatalError&) {
  }
  return 0;
}
