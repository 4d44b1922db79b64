// The built plugin module, loaded with dlopen as the host does, driven through the SDK harness.
#include <assetflow/testing/harness.hpp>
#include <doctest/doctest.h>

#include <cstring>
#include <dlfcn.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <map>
#include <utility>

#include "test_util.hpp"

namespace {

using assetflow::testing::AssetRun;
using assetflow::testing::Result;

const af_plugin_entry* plugin() {
  static const af_plugin_entry* entry = [] {
    void* lib = dlopen(WORDCLOUD_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
    if (!lib) throw std::runtime_error(dlerror());
    auto fn = reinterpret_cast<const af_plugin_entry* (*)()>(dlsym(lib, "assetflow_plugin_entry"));
    if (!fn) throw std::runtime_error("no assetflow_plugin_entry");
    return fn();
  }();
  return entry;
}

Result render(const std::string& config, const std::string& input) {
  AssetRun run(plugin(), "wordcloud_png");
  run.config(config).input("stories", input);
  return run.materialize();
}

TEST_CASE("the module exports the wordcloud plugin with both definitions") {
  REQUIRE(plugin() != nullptr);
  CHECK(std::string(plugin()->name) == "wordcloud");
  CHECK_NOTHROW(assetflow::testing::find_asset(plugin(), "wordcloud_png"));
  CHECK_NOTHROW(assetflow::testing::find_asset(plugin(), "markdown_report"));
  rapidjson::Document schema;
  // Parse with lengths throughout: RAPIDJSON_SSE2's scan of NUL-terminated text reads past it.
  const char* schema_text = assetflow::testing::find_asset(plugin(), "wordcloud_png")->config_schema;
  schema.Parse(schema_text, std::strlen(schema_text));
  CHECK_FALSE(schema.HasParseError());
  CHECK(schema["properties"]["max_words"]["default"].GetInt() == 200);
  CHECK(schema["properties"]["prefer_horizontal"]["default"].GetDouble() == 0.9);
}

TEST_CASE("wordcloud_png on real titles: a PNG of the configured size, and metadata") {
  Result r = render(R"({"width":800,"height":400})", wctest::hn_items());
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);
  CHECK(wctest::png_size(r.output).width == 800);
  CHECK(wctest::png_size(r.output).height == 400);
  REQUIRE(r.find("words_placed"));
  REQUIRE(r.find("words_dropped"));
  CHECK(std::stoi(r.find("words_placed")->value) + std::stoi(r.find("words_dropped")->value) == 200);
  CHECK(r.find("image_size")->value == "800x400");
  CHECK(r.find("documents")->value == "500");
  REQUIRE(r.find("top_words"));
  CHECK(r.find("top_words")->type == AF_META_JSON);
  rapidjson::Document top;
  top.Parse(r.find("top_words")->value.c_str(), r.find("top_words")->value.size());
  REQUIRE(top.IsArray());
  CHECK(top.Size() == 10);
  CHECK(top[0]["count"].GetInt() >= top[9]["count"].GetInt());
  CHECK(r.progress_total == 200);
}

// The most frequent pixel value of a decoded PNG (Cairo's ARGB32) and its share of the pixels.
std::pair<uint32_t, double> dominant_pixel(const std::string& png) {
  cairo_surface_t* img = wctest::decode_png(png);
  REQUIRE(cairo_surface_status(img) == CAIRO_STATUS_SUCCESS);
  const int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
  const int stride = cairo_image_surface_get_stride(img);
  const unsigned char* data = cairo_image_surface_get_data(img);
  std::map<uint32_t, long> counts;
  for (int y = 0; y < h; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(data + y * stride);
    for (int x = 0; x < w; ++x) ++counts[row[x]];
  }
  cairo_surface_destroy(img);
  auto top = std::max_element(counts.begin(), counts.end(),
                              [](auto& a, auto& b) { return a.second < b.second; });
  return {top->first, static_cast<double>(top->second) / (w * h)};
}

TEST_CASE("background_color, as the seed script sets it, paints the background") {
  Result white = render(R"({"background_color":"white"})", wctest::hn_items());
  REQUIRE_MESSAGE(white.status == AF_OK, white.error);
  auto [white_pixel, white_share] = dominant_pixel(white.output);
  CHECK(white_pixel == 0xFFFFFFFFu);
  CHECK(white_share > 0.3);
  Result black = render("{}", wctest::hn_items());  // Python's default, black
  REQUIRE(black.status == AF_OK);
  auto [black_pixel, black_share] = dominant_pixel(black.output);
  CHECK(black_pixel == 0xFF000000u);
  CHECK(black_share > 0.3);
}

TEST_CASE("the input may have any name, and extra_stopwords apply") {
  AssetRun run(plugin(), "wordcloud_png");
  run.config(R"({"width":300,"height":200,"extra_stopwords":["Ask","Show","HN"]})").input("titles", wctest::hn_items());
  Result r = run.materialize();
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);
  CHECK(r.find("top_words")->value.find("HN") == std::string::npos);
}

TEST_CASE("deterministic through the harness") {
  Result a = render(R"({"width":500,"height":300,"seed":3})", wctest::hn_items());
  Result b = render(R"({"width":500,"height":300,"seed":3})", wctest::hn_items());
  REQUIRE(a.status == AF_OK);
  CHECK(a.output == b.output);
}

TEST_CASE("errors are FatalError with a clear message, never a blank image") {
  Result empty = render("{}", "the of and\n2022");
  CHECK(empty.status == AF_ERR_FATAL);
  CHECK(empty.error.find("no words to draw") != std::string::npos);
  CHECK(empty.output.empty());
  CHECK(render("{}", "").status == AF_ERR_FATAL);
  CHECK(render("{}", "[1, 2").error.find("not valid JSON") != std::string::npos);
  CHECK(render(R"({"font":"/nonexistent/font.ttf"})", "hello").error.find("cannot open font") != std::string::npos);
  CHECK(render(R"({"colormap":"jet"})", "hello").error.find("colormap") != std::string::npos);
  // Refused before the plugin runs, by the schema, as the host refuses it.
  CHECK_THROWS_WITH_AS(render(R"({"width":-5})", "hello"),
                       "config 'width': -5 is less than the minimum 1",
                       assetflow::testing::ConfigError);
  AssetRun no_input(plugin(), "wordcloud_png");
  CHECK(no_input.materialize().status == AF_ERR_FATAL);
}

TEST_CASE("a canceled run stops with AF_ERR_CANCELED and writes nothing") {
  AssetRun run(plugin(), "wordcloud_png");
  run.input("stories", wctest::hn_items());
  run.harness().canceled = 1;
  Result r = run.materialize();
  CHECK(r.status == AF_ERR_CANCELED);
  CHECK(r.output.empty());
}

TEST_CASE("one word, and a custom field") {
  Result r = render(R"({"width":200,"height":100,"field":"text"})", R"([{"text":"Rust"},{"title":"ignored"}])");
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);
  CHECK(r.find("words_placed")->value == "1");
  CHECK(wctest::png_size(r.output).width == 200);
}

TEST_CASE("4000x4000 through the harness") {
  Result r = render(R"({"width":4000,"height":4000})", wctest::hn_items());
  REQUIRE_MESSAGE(r.status == AF_OK, r.error);
  CHECK(wctest::png_size(r.output).width == 4000);
  CHECK(wctest::png_size(r.output).height == 4000);
}

TEST_CASE("markdown_report embeds the PNG, which decodes to the configured size") {
  Result png = render(R"({"width":640,"height":320})", wctest::hn_items());
  REQUIRE(png.status == AF_OK);
  AssetRun report(plugin(), "markdown_report");
  report.input("hackernews_wordcloud_png", png.output);
  Result md = report.materialize();
  REQUIRE_MESSAGE(md.status == AF_OK, md.error);
  const std::string head = "# Wordcloud of top Hacker News stories\n\n![wordcloud](data:image/png;base64,";
  REQUIRE(md.output.compare(0, head.size(), head) == 0);
  REQUIRE(md.output.size() > head.size() + 2);
  CHECK(md.output.substr(md.output.size() - 2) == ")\n");
  std::string decoded = wctest::base64_decode(md.output.substr(head.size(), md.output.size() - head.size() - 2));
  CHECK(decoded == png.output);
  CHECK(wctest::png_size(decoded).width == 640);
  CHECK(wctest::png_size(decoded).height == 320);

  report.config(R"({"heading":"Titles, 29 March 2022"})");
  CHECK(report.materialize().output.rfind("# Titles, 29 March 2022\n\n![wordcloud](data:image/png;base64,", 0) == 0);

  AssetRun not_png(plugin(), "markdown_report");
  not_png.input("x", "GIF89a...");
  Result bad = not_png.materialize();
  CHECK(bad.status == AF_ERR_FATAL);
  CHECK(bad.error.find("not a PNG") != std::string::npos);
}

TEST_CASE("base64 of every tail length") {
  AssetRun report(plugin(), "markdown_report");
  for (std::string tail : {"", "a", "ab", "abc"}) {
    std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + tail;
    report.input("png", png);
    Result r = report.materialize();
    REQUIRE(r.status == AF_OK);
    std::size_t at = r.output.find("base64,") + 7;
    CHECK(wctest::base64_decode(r.output.substr(at, r.output.size() - at - 2)) == png);
  }
}

}  // namespace
