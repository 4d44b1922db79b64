#include "layout.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "occupancy.hpp"

namespace wordcloud {

namespace {

// A word's ink box at font size 1, from its outline extents.
struct WordExtents {
  double width, height;
  void box(int size, bool vertical, double* w, double* h) const {
    *w = (vertical ? height : width) * size;
    *h = (vertical ? width : height) * size;
  }
};
WordExtents unit_extents(const Font& font, const std::string& text) {
  const int reference = 256;
  double w, h;
  estimate_word_box(font, text, reference, false, &w, &h);
  return {w / reference, h / reference};
}

// Clearance along the reading direction. With only `margin`, neighbours on one line read as one
// word ("worldwebcode"); a quarter of the font size (about a space) keeps them apart.
int pad_along(int size, int margin) { return std::max(margin, size / 4); }

// How much to shrink a word whose window (window_w wide) failed where no band as tall has a
// free run wider than `widest`: shrinking by less would fail again at that height, and each
// failure is a full scan. But a smaller word is also shorter and may find wider runs in lower
// bands, so never more than halve it in one step.
double shrink_ratio(int widest, int window_w) { return std::max(0.5, double(widest) / window_w); }

class Placer {
 public:
  Placer(const Font& font, const LayoutOptions& o, Rng& rng)
      : font_(font), o_(o), rng_(rng), occupancy_(o.width, o.height, o.margin) {}

  // Tries the word from `size` down; on success it is recorded as ink.
  std::optional<PlacedWord> place(const WordCount& word, int size) {
    if (!font_.covers(word.text)) return std::nullopt;
    // Unhinted outlines scale linearly: measure once, and size candidates cost nothing (a new
    // Cairo scaled font per size would reload every glyph from FreeType).
    const WordExtents unit = unit_extents(font_, word.text);
    WordMask horizontal;  // rasterized once per size, turned for the vertical attempt
    int horizontal_size = 0;
    bool vertical_first = rng_.uniform() >= o_.prefer_horizontal;
    bool allowed[2] = {o_.prefer_horizontal > 0, o_.prefer_horizontal < 1};  // [horizontal, vertical]
    while (size >= o_.min_font_size) {
      int next = size - std::max(1, size / 20);
      double best_ratio = 0;  // the largest scale at which some orientation might fit
      for (bool vertical : {vertical_first, !vertical_first}) {
        if (!allowed[vertical]) continue;
        double ew, eh;
        unit.box(size, vertical, &ew, &eh);
        if (ew > o_.width || eh > o_.height) {
          best_ratio = std::max(best_ratio, std::min(o_.width / ew, o_.height / eh));
          continue;
        }
        int along = pad_along(size, o_.margin);
        int pad_x = vertical ? o_.margin : along, pad_y = vertical ? along : o_.margin;
        // Rasterized ink is at most a pixel short of the outline extents on each side, so this
        // lower bound of the window can rule a size out before rasterizing it.
        int least_w = std::max(1, static_cast<int>(ew) - 2) + 2 * pad_x;
        int least_h = std::max(1, static_cast<int>(eh) - 2) + 2 * pad_y;
        if (int widest = known_widest(least_w, least_h); widest >= 0) {
          best_ratio = std::max(best_ratio, shrink_ratio(widest, least_w));
          continue;
        }
        if (horizontal.empty() || horizontal_size != size) {
          horizontal = rasterize_word(font_, word.text, size, false);
          horizontal_size = size;
        }
        WordMask rotated;
        if (vertical) rotated = rotate_ccw(horizontal);
        const WordMask& mask = vertical ? rotated : horizontal;
        if (mask.empty()) return std::nullopt;
        int window_w = mask.width + 2 * pad_x, window_h = mask.height + 2 * pad_y;
        int room_w = o_.width + 2 * o_.margin, room_h = o_.height + 2 * o_.margin;
        if (window_w > room_w || window_h > room_h) {
          best_ratio = std::max(best_ratio, std::min(double(room_w) / window_w, double(room_h) / window_h));
          continue;
        }
        if (int widest = known_widest(window_w, window_h); widest >= 0) {
          best_ratio = std::max(best_ratio, shrink_ratio(widest, window_w));
          continue;
        }
        int x, y, widest;
        if (occupancy_.find(mask.width, mask.height, pad_x, pad_y, rng_, &x, &y, &widest)) {
          occupancy_.add(mask, x, y);
          PlacedWord p;
          p.text = word.text;
          p.count = word.count;
          p.font_size = size;
          p.vertical = vertical;
          p.x = x;
          p.y = y;
          p.origin_x = x + mask.origin_x;
          p.origin_y = y + mask.origin_y;
          p.mask = vertical ? std::move(rotated) : std::move(horizontal);
          return p;
        }
        failed_.push_back({std::min(window_w - 1, widest), window_h});
        best_ratio = std::max(best_ratio, shrink_ratio(widest, window_w));
      }
      // Jump straight to the scale where the word could fit (the empty canvas, or the widest
      // free run seen), but never grow.
      if (best_ratio > 0) next = std::min(next, static_cast<int>(std::floor(size * best_ratio)));
      size = next;
    }
    return std::nullopt;
  }

 private:
  // Ink only ever grows, so once a search for a window (box plus pads) of height h found no
  // free run wider than `widest`, no window at least that tall and wider will ever be free.
  // Returns that `widest` for a w × h window ruled out this way, else -1.
  int known_widest(int w, int h) const {
    for (const Failure& f : failed_)
      if (h >= f.height && w > f.widest) return f.widest;
    return -1;
  }

  const Font& font_;
  const LayoutOptions& o_;
  Rng& rng_;
  Occupancy occupancy_;
  struct Failure {
    int widest, height;
  };
  std::vector<Failure> failed_;
};

// The largest size (at most `size`) at which `text` in the given orientation, with its pads,
// fits a room_w × room_h area, from outline extents (no rasterizing). 0 if none.
int fit_size(const Font& font, const std::string& text, int size, bool vertical, double room_w, double room_h,
             int margin) {
  const WordExtents unit = unit_extents(font, text);
  for (int guard = 0; size >= 1 && guard < 32; ++guard) {
    double w, h;
    unit.box(size, vertical, &w, &h);
    double pad = pad_along(size, margin);
    double need_w = w + 2 * (vertical ? margin : pad), need_h = h + 2 * (vertical ? pad : margin);
    double ratio = std::min(room_w / need_w, room_h / need_h);
    if (ratio >= 1) return size;
    size = std::min(size - 1, static_cast<int>(size * ratio));
  }
  return 0;
}

// The start size. The reference lays out the top two words from font size = height and takes
// the harmonic mean of their final sizes, which costs dozens of rasterized full-size attempts.
// The same idea from extents alone: the top word as large as the canvas allows, the second as
// large as the rest of the canvas (below or beside it) allows.
int estimate_max_font_size(const std::vector<WordCount>& words, const Font& font, const LayoutOptions& o) {
  bool vertical = o.prefer_horizontal <= 0;
  double room_w = o.width + 2 * o.margin, room_h = o.height + 2 * o.margin;
  int a = fit_size(font, words[0].text, o.height, vertical, room_w, room_h, o.margin);
  if (a == 0) throw std::runtime_error("the canvas is too small for even the most frequent word");
  if (words.size() == 1) return a;
  double w1, h1;
  unit_extents(font, words[0].text).box(a, vertical, &w1, &h1);
  double rs = o.relative_scaling;
  int start = static_cast<int>(std::nearbyint((rs * words[1].count / words[0].count + (1 - rs)) * a));
  int below = fit_size(font, words[1].text, start, vertical, room_w, room_h - h1 - 2 * o.margin, o.margin);
  int beside = fit_size(font, words[1].text, start, vertical, room_w - w1 - 2 * o.margin, room_h, o.margin);
  int b = std::max(below, beside);
  return b == 0 ? a : static_cast<int>(2.0 * a * b / (a + b));
}

}  // namespace

Layout layout_words(const std::vector<WordCount>& words, const Font& font, const LayoutOptions& o,
                    Rng& rng) {
  Layout out;
  out.width = o.width;
  out.height = o.height;
  if (words.empty()) return out;
  int planned = o.max_font_size > 0 ? o.max_font_size : estimate_max_font_size(words, font, o);
  Placer placer(font, o, rng);
  double top = words.front().count, last_freq = 1.0;
  int cap = INT_MAX;            // smallest size placed among strictly higher counts
  int group_min = INT_MAX;      // smallest size placed among words of the current count
  int group_count = words.front().count;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const WordCount& w = words[i];
    double freq = w.count / top;
    if (o.relative_scaling != 0)
      planned = static_cast<int>(std::nearbyint((o.relative_scaling * freq / last_freq + (1 - o.relative_scaling)) * planned));
    last_freq = freq;
    if (w.count != group_count) {
      cap = std::min(cap, group_min);
      group_min = INT_MAX;
      group_count = w.count;
    }
    std::optional<PlacedWord> p = placer.place(w, std::min(planned, cap));
    if (p) {
      group_min = std::min(group_min, p->font_size);
      out.words.push_back(std::move(*p));
    } else {
      out.dropped.push_back(w);
    }
    if (o.on_progress) o.on_progress(i + 1, words.size());
  }
  if (out.words.empty())
    throw std::runtime_error("no word could be drawn: the canvas is too small, or the font has no glyphs for them");
  return out;
}

}  // namespace wordcloud
