// The Hacker News API's shapes, and what this plugin makes of them: the ranking, each item's
// verdict (kept as a story row, or skipped with a reason), and the output rows' JSON.
// Parse errors throw assetflow::FatalError naming the URL: a server that answers garbage won't
// answer better on a retry.
#ifndef HACKERNEWS_HN_ITEMS_H
#define HACKERNEWS_HN_ITEMS_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hackernews {

// Why an item produced no row. The order is the precedence: a deleted item that is also dead
// counts as deleted; a dead comment counts as dead, not as untitled.
enum class Skip { none, null_item, deleted, dead, no_title };
const char* skip_name(Skip s);  // "null", "deleted", "dead", "no_title"

// One output row. Absent fields stay empty and are written as JSON null.
struct Story {
  int rank = 0;  // 1-based position in topstories.json
  int64_t id = 0;
  std::string title;
  std::optional<std::string> by, type, url;
  std::optional<int64_t> score, time, descendants;
};

struct Verdict {
  Skip skip = Skip::none;
  Story story;  // meaningful when skip == Skip::none
};

// The URL of `path` ("/topstories.json") under the API root `base_url`, which may end in
// slashes and carry a query string (an API key: "https://h/v0?auth=..."): the path goes
// before the query, the query is kept, a fragment is dropped.
std::string api_url(const std::string& base_url, const std::string& path);

// The ids of /topstories.json, in rank order. Throws unless `body` is a JSON array of positive
// integers.
std::vector<int64_t> parse_ranking(const std::string& url, const std::string& body);

// Judges /item/<id>.json. Throws unless `body` is `null` or an object whose known fields have
// their documented types and whose id (if present) is `id`.
Verdict parse_item(const std::string& url, int64_t id, int rank, const std::string& body);

// The output document: a JSON array of row objects, one per line, keys in the documented order
// (rank, id, title, by, score, time, descendants, type, url).
std::string stories_json(const std::vector<Story>& stories);

// A markdown numbered list of the first `n` stories, linked (to the HN discussion when a story
// has no url).
std::string markdown_preview(const std::vector<Story>& stories, std::size_t n);

}  // namespace hackernews

#endif
