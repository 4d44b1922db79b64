// Places words on the canvas, largest first.
#ifndef ASSETFLOW_WORDCLOUD_LAYOUT_HPP
#define ASSETFLOW_WORDCLOUD_LAYOUT_HPP

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "font.hpp"
#include "rng.hpp"
#include "tokenizer.hpp"

namespace wordcloud {

struct LayoutOptions {
  int width = 400, height = 200;
  int min_font_size = 4;
  int max_font_size = 0;  // 0: estimated from the top two words' extents
  double prefer_horizontal = 0.9;
  double relative_scaling = 0.5;
  int margin = 2;
  // Called after each word with (done, total); may throw to abandon the layout.
  std::function<void(std::size_t, std::size_t)> on_progress;
};

struct PlacedWord {
  std::string text;
  int count = 0;
  int font_size = 0;
  bool vertical = false;
  int x = 0, y = 0;                // top-left of the ink box (the mask) on the canvas
  int origin_x = 0, origin_y = 0;  // draw_word()'s origin on the canvas
  WordMask mask;
};

struct Layout {
  int width = 0, height = 0;
  std::vector<PlacedWord> words;     // in placement order (descending count)
  std::vector<WordCount> dropped;    // too big for the space left even at min_font_size
};

// Lays out `words` (sorted by descending count, as count_words returns them). Sizes follow the
// reference's recurrence size_i = round((rs·f_i/f_{i-1} + 1 − rs)·size_{i-1}) on the planned
// sizes; a word that does not fit is shrunk (orientation flipped first) down to min_font_size,
// then dropped, and later words still get their turn. A word never starts larger than any
// placed word of strictly higher count, so a higher count never gets a smaller font.
// Throws std::runtime_error if not even the top word fits.
Layout layout_words(const std::vector<WordCount>& words, const Font& font, const LayoutOptions& options,
                    Rng& rng);

}  // namespace wordcloud

#endif
