// Fuzzes what the hackernews plugin makes of one /item/<id>.json body, and the output it then
// writes (rows as JSON, the markdown preview). Contract under test: a hostile server's body is a
// verdict or a FatalError naming the URL, never a crash; a kept row always serializes to JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <assetflow/cpp/plugin.hpp>

#include "hn_items.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  try {
    // 8863 is the id of the first fixture item; a body with another id is an error path too.
    hackernews::Verdict v = hackernews::parse_item("http://127.0.0.1/v0/item/8863.json", 8863, 1, body);
    (void)hackernews::skip_name(v.skip);
    if (v.skip == hackernews::Skip::none) {
      std::vector<hackernews::Story> rows{v.story};
      (void)hackernews::stories_json(rows);
      (void)hackernews::markdown_preview(rows, 1);
    }
  } catch (const assetflow::FatalError&) {
    // The documented outcome for a body that is not an item.
  }
  return 0;
}
