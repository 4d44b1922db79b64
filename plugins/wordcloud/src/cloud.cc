#include "cloud.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "font.hpp"
#include "png.hpp"

namespace wordcloud {

Cloud make_cloud(std::string_view input, const Options& options, const Progress& progress) {
  PaddedInput copy = padded_copy(input);
  return make_cloud_in_place(copy.data(), copy.size, options, progress);
}

Cloud make_cloud_in_place(char* buffer, std::size_t size, const Options& options, const Progress& progress) {
  Cloud cloud;
  cloud.background = parse_color(options.background);
  check_colormap(options.colormap);
  // In-place parsing changes only what lies inside JSON strings: whether the input is blank
  // (below) is still read off the buffer.
  const std::string_view input(buffer, size);
  Documents documents = documents_in_place(buffer, size, options.field);
  const std::vector<std::string_view>& docs = documents.texts;
  cloud.documents = docs.size();

  TokenizeOptions t;
  t.stopwords = options.stopwords ? *options.stopwords : builtin_stopwords();
  t.stopwords.insert(t.stopwords.end(), options.extra_stopwords.begin(), options.extra_stopwords.end());
  t.collocations = options.collocations;
  t.collocation_threshold = options.collocation_threshold;
  t.normalize_plurals = options.normalize_plurals;
  t.include_numbers = options.include_numbers;
  cloud.counts = count_words(docs, t);
  if (cloud.counts.empty()) {
    bool blank = input.find_first_not_of(" \t\r\n") == std::string_view::npos;
    throw NoWordsError(std::string("no words to draw: ") +
                       (blank         ? "the input is empty"
                        : docs.empty() ? "no JSON record has a string '" + options.field + "'"
                                       : std::to_string(docs.size()) +
                                             " text(s) read, and every word is a stopword or a number"));
  }

  cloud.font_path = options.font.empty() ? default_font_path() : options.font;
  Font font(cloud.font_path);
  LayoutOptions lo;
  lo.width = options.width;
  lo.height = options.height;
  lo.min_font_size = options.min_font_size;
  lo.max_font_size = options.max_font_size;
  lo.prefer_horizontal = options.prefer_horizontal;
  lo.relative_scaling = options.relative_scaling;
  lo.margin = options.margin;
  lo.on_progress = progress;
  std::vector<WordCount> top(cloud.counts.begin(),
                             cloud.counts.begin() + std::min<std::size_t>(cloud.counts.size(), options.max_words));
  Rng rng(static_cast<uint64_t>(options.seed));
  cloud.layout = layout_words(top, font, lo, rng);
  for (std::size_t i = 0; i < cloud.layout.words.size(); ++i)
    cloud.colors.push_back(colormap_color(options.colormap, rng.uniform()));
  return cloud;
}

namespace {
// a·b/255, rounded as pixman does it.
inline uint8_t mul_un8(unsigned a, unsigned b) {
  unsigned t = a * b + 128;
  return static_cast<uint8_t>((t + (t >> 8)) >> 8);
}
}  // namespace

void write_png(const Cloud& cloud, const ByteSink& sink) {
  const Layout& l = cloud.layout;
  const Rgb& bg = cloud.background;
  RgbImage image(l.width, l.height, bg.r, bg.g, bg.b);
  // Composite the very masks the layout measured, each in its colour over the background (as
  // Cairo's OVER with an A8 mask would): the drawn ink is the measured ink. Words' ink never
  // overlaps, so every pixel is the background, or one word's colour at its coverage. The
  // encoder asks for its bands of rows on the threads that compress them.
  auto draw_rows = [&](RgbImage& img, int row_begin, int row_end) {
    for (std::size_t i = 0; i < l.words.size(); ++i) {
      const PlacedWord& w = l.words[i];
      const Rgb& c = cloud.colors[i];
      // The layout keeps ink inside the canvas; clip anyway rather than trust it with memory.
      int y0 = std::max(row_begin - w.y, 0), y1 = std::min(w.mask.height, row_end - w.y);
      int x0 = std::max(0, -w.x), x1 = std::min(w.mask.width, l.width - w.x);
      for (int y = y0; y < y1; ++y) {
        const uint8_t* a = w.mask.alpha.data() + static_cast<std::size_t>(y) * w.mask.stride;
        uint8_t* px = img.row(w.y + y) + 3 * static_cast<std::size_t>(w.x + x0);
        for (int x = x0; x < x1; ++x, px += 3) {
          unsigned m = a[x];
          if (m == 0) {
            // Gaps between and around letters are runs of 0: at one, skip 8 at a time.
            uint64_t eight;
            while (x + 9 <= x1 && (std::memcpy(&eight, a + x + 1, 8), eight == 0)) x += 8, px += 24;
            continue;
          }
          if (m == 255) {
            px[0] = c.r, px[1] = c.g, px[2] = c.b;
            continue;
          }
          unsigned n = 255 - m;
          px[0] = static_cast<uint8_t>(mul_un8(c.r, m) + mul_un8(px[0], n));
          px[1] = static_cast<uint8_t>(mul_un8(c.g, m) + mul_un8(px[1], n));
          px[2] = static_cast<uint8_t>(mul_un8(c.b, m) + mul_un8(px[2], n));
        }
      }
    }
  };
  PngFile png = encode_png(image, draw_rows);
  sink(png.data(), png.size);
}

}  // namespace wordcloud
