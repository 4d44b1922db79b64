// Layout invariants through the internal API, on real Hacker News titles.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>

#include "cloud.hpp"
#include "font.hpp"
#include "test_util.hpp"

namespace {

using wordcloud::Cloud;
using wordcloud::Options;
using wordcloud::PlacedWord;

Options sized(int w, int h, int64_t seed = 42) {
  Options o;
  o.width = w;
  o.height = h;
  o.seed = seed;
  return o;
}

std::string png_of(const Cloud& c) {
  std::string png;
  wordcloud::write_png(c, [&](const unsigned char* d, std::size_t n) { png.append(reinterpret_cast<const char*>(d), n); });
  return png;
}

// Re-renders every placed word alone, from its font size, orientation and origin only, into its
// own A8 surface covering the canvas plus a border, and checks: ink stays inside the canvas, no
// two words' ink shares a pixel, and the re-rendered ink is exactly the mask the layout measured
// and composited. Returns the owner of each canvas pixel (-1: no ink).
std::vector<int> check_ink_by_rerendering(const Cloud& c) {
  const int W = c.layout.width, H = c.layout.height, B = 64;
  wordcloud::Font font(c.font_path);
  std::vector<int> owner(static_cast<std::size_t>(W) * H, -1);
  int outside = 0, overlaps = 0, mismatches = 0;
  for (std::size_t i = 0; i < c.layout.words.size(); ++i) {
    const PlacedWord& w = c.layout.words[i];
    cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_A8, W + 2 * B, H + 2 * B);
    cairo_t* cr = cairo_create(s);
    wordcloud::draw_word(cr, font, w.text, w.font_size, w.vertical, w.origin_x + B, w.origin_y + B);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    const unsigned char* data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < H + 2 * B; ++y) {
      const unsigned char* row = data + static_cast<std::size_t>(y) * stride;
      for (int x = 0; x < W + 2 * B; ++x) {
        int cx = x - B, cy = y - B;
        int mx = cx - w.x, my = cy - w.y;
        bool in_mask = mx >= 0 && my >= 0 && mx < w.mask.width && my < w.mask.height;
        if (row[x] != (in_mask ? w.mask.at(mx, my) : 0)) ++mismatches;
        if (!row[x]) continue;
        if (cx < 0 || cy < 0 || cx >= W || cy >= H) {
          ++outside;
          continue;
        }
        int& o = owner[static_cast<std::size_t>(cy) * W + cx];
        if (o >= 0) ++overlaps;
        o = static_cast<int>(i);
      }
    }
    cairo_surface_destroy(s);
  }
  CHECK(outside == 0);
  CHECK(overlaps == 0);
  CHECK(mismatches == 0);
  return owner;
}

// The same checks from the layout's masks alone (fast enough for huge canvases and word lists).
void check_ink_from_masks(const Cloud& c) {
  const int W = c.layout.width, H = c.layout.height;
  std::vector<uint8_t> ink(static_cast<std::size_t>(W) * H, 0);
  int outside = 0, overlaps = 0;
  for (const PlacedWord& w : c.layout.words) {
    if (w.x < 0 || w.y < 0 || w.x + w.mask.width > W || w.y + w.mask.height > H) {
      ++outside;
      continue;
    }
    for (int y = 0; y < w.mask.height; ++y)
      for (int x = 0; x < w.mask.width; ++x)
        if (w.mask.at(x, y)) {
          uint8_t& p = ink[static_cast<std::size_t>(w.y + y) * W + w.x + x];
          overlaps += p;
          p = 1;
        }
  }
  CHECK(outside == 0);
  CHECK(overlaps == 0);
}

void check_sizes_follow_counts(const Cloud& c) {
  int violations = 0;
  for (const PlacedWord& a : c.layout.words)
    for (const PlacedWord& b : c.layout.words)
      if (a.count > b.count && a.font_size < b.font_size) ++violations;
  CHECK(violations == 0);
}

TEST_CASE("layout invariants on real titles at several sizes and seeds") {
  const std::pair<int, int> sizes[] = {{400, 200}, {800, 800}, {1000, 400}, {300, 900}};
  for (auto [w, h] : sizes)
    for (int64_t seed : {1, 7, 42}) {
      CAPTURE(w);
      CAPTURE(h);
      CAPTURE(seed);
      Cloud c = wordcloud::make_cloud(wctest::hn_items(), sized(w, h, seed));
      CHECK(c.layout.words.size() + c.layout.dropped.size() == std::min<std::size_t>(200, c.counts.size()));
      CHECK(c.layout.words.size() >= 100);
      std::vector<int> owner = check_ink_by_rerendering(c);
      check_sizes_follow_counts(c);
      // Every pixel of the PNG that is not background is some word's ink.
      std::string png = png_of(c);
      cairo_surface_t* img = wctest::decode_png(png);
      REQUIRE(cairo_surface_status(img) == CAIRO_STATUS_SUCCESS);
      REQUIRE(cairo_image_surface_get_width(img) == w);
      REQUIRE(cairo_image_surface_get_height(img) == h);
      const unsigned char* d = cairo_image_surface_get_data(img);
      int stride = cairo_image_surface_get_stride(img), stray = 0;
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
          uint32_t px;
          std::memcpy(&px, d + static_cast<std::size_t>(y) * stride + 4 * x, 4);
          if ((px & 0xFFFFFF) != 0 && owner[static_cast<std::size_t>(y) * w + x] < 0) ++stray;
        }
      CHECK(stray == 0);
      cairo_surface_destroy(img);
    }
}

TEST_CASE("the top words of real titles are placed, largest first") {
  Cloud c = wordcloud::make_cloud(wctest::hn_items(), sized(800, 800));
  REQUIRE(c.layout.words.size() == 200);
  CHECK(c.layout.words[0].text == c.counts[0].text);
  CHECK(c.layout.words[0].font_size > 100);
  CHECK(std::is_sorted(c.layout.words.begin(), c.layout.words.end(),
                       [](const PlacedWord& a, const PlacedWord& b) { return a.count > b.count; }));
  int vertical = 0;
  for (const PlacedWord& w : c.layout.words) vertical += w.vertical;
  CHECK(vertical > 0);
  CHECK(vertical < 100);
}

TEST_CASE("deterministic: same input, options and seed give byte-identical PNGs") {
  std::string a = png_of(wordcloud::make_cloud(wctest::hn_items(), sized(600, 300, 5)));
  std::string b = png_of(wordcloud::make_cloud(wctest::hn_items(), sized(600, 300, 5)));
  std::string other = png_of(wordcloud::make_cloud(wctest::hn_items(), sized(600, 300, 6)));
  CHECK(a == b);
  CHECK(a != other);
}

TEST_CASE("empty input is a clear error, not a blank image") {
  CHECK_THROWS_WITH_AS(wordcloud::make_cloud("the of and 2022\nit's", sized(100, 100)),
                       doctest::Contains("no words to draw"), wordcloud::NoWordsError);
  CHECK_THROWS_WITH_AS(wordcloud::make_cloud(" \n", sized(100, 100)), "no words to draw: the input is empty",
                       wordcloud::NoWordsError);
  CHECK_THROWS_AS(wordcloud::make_cloud("[]", sized(100, 100)), wordcloud::NoWordsError);
  CHECK_THROWS_WITH(wordcloud::make_cloud(R"([{"name":"x"}])", sized(100, 100)),
                    doctest::Contains("no JSON record has a string 'title'"));
}

TEST_CASE("one word fills the canvas") {
  Cloud c = wordcloud::make_cloud("hello", sized(400, 200));
  REQUIRE(c.layout.words.size() == 1);
  const PlacedWord& w = c.layout.words[0];
  CHECK(w.text == "hello");
  CHECK(w.mask.width > 300);
  check_ink_by_rerendering(c);
}

TEST_CASE("10,000 distinct words") {
  std::string text;
  for (int i = 0; i < 10000; ++i) {
    std::string word;
    for (int v = i, k = 0; k < 4; ++k, v /= 26) word += static_cast<char>('a' + v % 26);
    text += "w" + word + (i % 7 == 0 ? "\nw" + word : "") + "\n";  // some twice, so sizes vary
  }
  Options o = sized(800, 800);
  o.max_words = 10000;
  Cloud c = wordcloud::make_cloud(text, o);
  CHECK(c.counts.size() == 10000);
  CHECK(c.layout.words.size() + c.layout.dropped.size() == 10000);
  CHECK(c.layout.words.size() > 500);
  check_ink_from_masks(c);
  check_sizes_follow_counts(c);
}

TEST_CASE("4000x4000 renders natively") {
  Cloud c = wordcloud::make_cloud(wctest::hn_items(), sized(4000, 4000));
  CHECK(c.layout.words.size() == 200);
  CHECK(c.layout.words[0].font_size > 500);
  check_ink_from_masks(c);
  std::string png = png_of(c);
  CHECK(wctest::png_size(png).width == 4000);
  CHECK(wctest::png_size(png).height == 4000);
}

// Ink bounding box of a fresh A8 surface: {x0, y0, x1, y1}, inclusive.
std::array<int, 4> ink_box(cairo_surface_t* s) {
  cairo_surface_flush(s);
  const unsigned char* d = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  std::array<int, 4> box{1 << 30, 1 << 30, -1, -1};
  for (int y = 0; y < cairo_image_surface_get_height(s); ++y)
    for (int x = 0; x < cairo_image_surface_get_width(s); ++x)
      if (d[static_cast<std::size_t>(y) * stride + x]) {
        box[0] = std::min(box[0], x), box[1] = std::min(box[1], y);
        box[2] = std::max(box[2], x), box[3] = std::max(box[3], y);
      }
  return box;
}

TEST_CASE("a vertical word is where Cairo's own 90° text matrix puts it, reading bottom to top") {
  wordcloud::Font font(wordcloud::default_font_path());
  for (const char* text : {"Google", "open source", "Жизнь"})
    for (int size : {9, 40, 120}) {
      CAPTURE(text);
      CAPTURE(size);
      cairo_surface_t* ours = cairo_image_surface_create(CAIRO_FORMAT_A8, 600, 1400);
      cairo_t* cr = cairo_create(ours);
      wordcloud::draw_word(cr, font, text, size, true, 300, 1200);
      cairo_destroy(cr);
      cairo_surface_t* cairos = cairo_image_surface_create(CAIRO_FORMAT_A8, 600, 1400);
      cr = cairo_create(cairos);
      cairo_translate(cr, 300, 1200);
      cairo_matrix_t m;
      cairo_matrix_init(&m, 0, -1, 1, 0, 0, 0);
      cairo_transform(cr, &m);
      cairo_set_font_face(cr, font.face());
      cairo_set_font_size(cr, size);
      cairo_font_options_t* o = cairo_font_options_create();  // the plugin's fixed options
      cairo_font_options_set_antialias(o, CAIRO_ANTIALIAS_GRAY);
      cairo_font_options_set_hint_style(o, CAIRO_HINT_STYLE_NONE);
      cairo_font_options_set_hint_metrics(o, CAIRO_HINT_METRICS_OFF);
      cairo_set_font_options(cr, o);
      cairo_font_options_destroy(o);
      cairo_move_to(cr, 0, 0);
      cairo_show_text(cr, text);
      cairo_destroy(cr);
      std::array<int, 4> a = ink_box(ours), b = ink_box(cairos);
      for (int i = 0; i < 4; ++i) CHECK(std::abs(a[i] - b[i]) <= 1);
      CHECK(a[3] < 1200 + size / 3);  // starts at the origin and goes up
      cairo_surface_destroy(ours);
      cairo_surface_destroy(cairos);
    }
}

TEST_CASE("options: defaults, schema and errors") {
  Options d = wordcloud::parse_options("{}");
  CHECK(d.width == 400);
  CHECK(d.max_words == 200);
  CHECK(d.colormap == "viridis");
  CHECK(wordcloud::parse_options(R"({"extra_stopwords":["a"],"stopwords":["b"]})").stopwords->at(0) == "b");
  CHECK_THROWS_WITH(wordcloud::parse_options(R"({"width":0})"), doctest::Contains("'width'"));
  CHECK_THROWS_WITH(wordcloud::parse_options(R"({"colormap":"jet"})"), doctest::Contains("unknown colormap"));
  CHECK_THROWS_WITH(wordcloud::parse_options(R"({"background":"#12"})"), doctest::Contains("'background'"));
  // Python's name for it, as the seed script spells it; it wins over a (default-filled) background.
  CHECK(d.background == "black");
  CHECK(wordcloud::parse_options(R"({"background_color":"white"})").background == "white");
  CHECK(wordcloud::parse_options(R"({"background":"black","background_color":"white"})").background == "white");
  CHECK_THROWS_WITH(wordcloud::parse_options(R"({"background":"black","background_color":"#12"})"),
                    "config 'background_color' '#12' is not a colour (use #rrggbb, #rgb or a name like black, white)");
  CHECK(wordcloud::parse_color("#0a0B0c").g == 11);
  CHECK(wordcloud::parse_color("#fff").b == 255);
}

}  // namespace
