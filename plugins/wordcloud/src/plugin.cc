// The "wordcloud" plugin: wordcloud_png (titles -> PNG) and markdown_report (PNG -> markdown).
#include <assetflow/cpp/plugin.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "cloud.hpp"
#include "report.hpp"

namespace {

using assetflow::Context;
using assetflow::FatalError;

// Core errors are std exceptions; at the SDK boundary every one of them is permanent (the same
// input and config would fail again), so they become FatalError with the core's message.
template <class F>
auto fatal_on_error(const char* what, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const assetflow::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw FatalError(std::string(what) + ": " + e.what());
  }
}

// The asset's one input, whatever the manifest calls it (the shipped manifest: "stories").
std::string first_input_name(Context& ctx) {
  std::vector<std::string> names = ctx.input_names();
  if (names.empty()) throw FatalError(ctx.asset_key() + ": needs one input");
  return names.front();
}
std::string read_first_input(Context& ctx) { return ctx.read_input(first_input_name(ctx)); }

// The same input read straight into a buffer with tokenizer.hpp's padding after it, so that
// it is parsed where it was read (make_cloud_in_place): no copy of a few hundred KB, and no
// zero-filling of it.
wordcloud::PaddedInput read_first_input_padded(Context& ctx) {
  assetflow::InputStream in = ctx.input(first_input_name(ctx));
  wordcloud::PaddedInput p;
  std::size_t capacity = std::size_t{1} << 18;  // 256 KiB: 500 HN items in one piece
  p.bytes.reset(new char[capacity + wordcloud::kInputPadding]);
  for (std::size_t n; (n = in.read(p.bytes.get() + p.size, capacity - p.size)) > 0;) {
    p.size += n;
    if (p.size == capacity) {
      capacity *= 2;
      std::unique_ptr<char[]> bigger(new char[capacity + wordcloud::kInputPadding]);
      std::memcpy(bigger.get(), p.bytes.get(), p.size);
      p.bytes = std::move(bigger);
    }
  }
  std::memset(p.bytes.get() + p.size, 0, wordcloud::kInputPadding);
  return p;
}

std::string top_words_json(const std::vector<wordcloud::WordCount>& counts, std::size_t n) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartArray();
  for (std::size_t i = 0; i < std::min(n, counts.size()); ++i) {
    w.StartObject();
    w.Key("word");
    w.String(counts[i].text.c_str(), static_cast<rapidjson::SizeType>(counts[i].text.size()));
    w.Key("count");
    w.Int(counts[i].count);
    w.EndObject();
  }
  w.EndArray();
  return b.GetString();
}

void wordcloud_png(Context& ctx) {
  wordcloud::Options options = fatal_on_error("config", [&] { return wordcloud::parse_options(ctx.config_json()); });
  wordcloud::PaddedInput input = read_first_input_padded(ctx);
  wordcloud::Cloud cloud = fatal_on_error("wordcloud", [&] {
    return wordcloud::make_cloud_in_place(input.data(), input.size, options, [&](std::size_t done, std::size_t total) {
      ctx.check_canceled();
      ctx.progress(done, total);
    });
  });
  const af_ostream* out = ctx.output();
  fatal_on_error("png", [&] {
    wordcloud::write_png(cloud, [&](const unsigned char* data, std::size_t size) {
      assetflow::write_fully(out, data, size);
    });
  });
  const auto& layout = cloud.layout;
  ctx.metadata_int("words_placed", static_cast<int64_t>(layout.words.size()));
  ctx.metadata_int("words_dropped", static_cast<int64_t>(layout.dropped.size()));
  ctx.metadata_int("words_counted", static_cast<int64_t>(cloud.counts.size()));
  ctx.metadata_int("documents", static_cast<int64_t>(cloud.documents));
  ctx.metadata("top_words", AF_META_JSON, top_words_json(cloud.counts, 10));
  ctx.metadata_text("image_size", std::to_string(layout.width) + "x" + std::to_string(layout.height));
  ctx.metadata_int("width", layout.width);
  ctx.metadata_int("height", layout.height);
  ctx.metadata("font", AF_META_PATH, cloud.font_path);
}

void markdown_report(Context& ctx) {
  std::string heading = ctx.has_config("heading") ? ctx.config_string("heading") : "Wordcloud of top Hacker News stories";
  std::string png = read_first_input(ctx);
  ctx.write(fatal_on_error("markdown_report", [&] { return wordcloud::markdown_report(heading, png); }));
  ctx.metadata_int("image_bytes", static_cast<int64_t>(png.size()));
}

}  // namespace

ASSETFLOW_ASSET(wordcloud_png)
    .describe("Wordcloud PNG of the titles in a JSON array of records (or of plain text, one text per line)")
    .schema(wordcloud::options_schema())
    .version("1")
    .output("image/png");
ASSETFLOW_ASSET(markdown_report)
    .describe("Markdown report with a heading and the input PNG embedded as a base64 data URI")
    .schema(R"({"type":"object","additionalProperties":false,"properties":{"heading":{"type":"string",)"
            R"("default":"Wordcloud of top Hacker News stories","description":"the report's level-1 heading"}}})")
    .version("1")
    .output("text/markdown");
ASSETFLOW_PLUGIN("wordcloud", "0.1.0", "Wordclouds rendered with Cairo, and markdown reports embedding them");
