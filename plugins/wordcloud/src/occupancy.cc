#include "occupancy.hpp"

#include <algorithm>
#include <stdexcept>

namespace wordcloud {

Occupancy::Occupancy(int width, int height, int margin)
    : width_(width), height_(height), margin_(margin), gw_(width + 2 * margin), gh_(height + 2 * margin) {
  if (width < 1 || height < 1 || width > kMaxSide || height > kMaxSide || margin < 0 || margin > 1000)
    throw std::invalid_argument("canvas size out of range");
  words_ = (gw_ + 63) / 64;
  bits_.assign(static_cast<std::size_t>(words_) * gh_, 0);
  band_.assign(words_, 0);
  starts_.assign(2 * static_cast<std::size_t>(words_) + 1, 0);  // zeros past words_ (erode)
  for (int k = 0; k < kLevels; ++k) {
    level_widest_[k].assign((gh_ >> k) + 1, gw_);
    if (k > 0) level_bits_[k].assign(static_cast<std::size_t>((gh_ >> k) + 1) * words_, 0);
  }
}

int Occupancy::next_bit(const Word* bits, int x, bool set) const {
  if (x >= gw_) return gw_;
  int w = x >> 6;
  Word v = (set ? bits[w] : ~bits[w]) & (~Word{0} << (x & 63));
  while (v == 0) {
    if (++w >= words_) return gw_;
    v = set ? bits[w] : ~bits[w];
  }
  return std::min(gw_, (w << 6) + __builtin_ctzll(v));
}

int Occupancy::longest_zero_run(const Word* bits) const {
  int longest = 0;
  for (int x = next_bit(bits, 0, false); x < gw_;) {
    int end = next_bit(bits, x, true);
    longest = std::max(longest, end - x);
    x = next_bit(bits, end, false);
  }
  return longest;
}

void Occupancy::update_levels(int gy_begin, int gy_end) {
  // Only the blocks' ORs are brought up to date here; their longest runs are marked stale and
  // computed when a search reads them (find uses one level per call, and many blocks are
  // changed several times before they are read).
  for (int gy = gy_begin; gy < gy_end; ++gy) level_widest_[0][gy] = kStale;
  // A block of level k is the OR of two blocks of level k - 1.
  for (int k = 1; k < kLevels; ++k) {
    int lower_count = (gh_ + (1 << (k - 1)) - 1) >> (k - 1);
    for (int b = gy_begin >> k; b <= (gy_end - 1) >> k; ++b) {
      Word* dst = &level_bits_[k][static_cast<std::size_t>(b) * words_];
      for (int half = 0; half < 2; ++half) {
        int lb = 2 * b + half;
        if (lb >= lower_count) {
          if (half == 0) std::fill(dst, dst + words_, 0);
          continue;
        }
        const Word* src = k == 1 ? row(lb) : &level_bits_[k - 1][static_cast<std::size_t>(lb) * words_];
        if (half == 0) std::copy(src, src + words_, dst);
        else
          for (int w = 0; w < words_; ++w) dst[w] |= src[w];
      }
      level_widest_[k][b] = kStale;
    }
  }
}

void Occupancy::add(const WordMask& mask, int x, int y) {
  for (int r = 0; r < mask.height; ++r) {
    Word* dst = row(y + r + margin_);
    for (int c = 0; c < mask.width; ++c)
      if (mask.at(c, r)) {
        int gx = x + c + margin_;
        dst[gx >> 6] |= Word{1} << (gx & 63);
      }
  }
  update_levels(y + margin_, y + margin_ + mask.height);
  suffix_block_ = prefix_block_ = -1;  // cached band tables are stale
}

void Occupancy::compute_band(int gy, int wh) {
  // Blocks of wh rows: block k = rows [k·wh, (k+1)·wh). Band(gy) = suffix of gy's block from gy,
  // OR prefix of the next block up to gy + wh - 1.
  if (block_h_ != wh) {
    block_h_ = wh;
    suffix_block_ = prefix_block_ = -1;
    suffix_.assign(static_cast<std::size_t>(words_) * wh, 0);
    prefix_.assign(static_cast<std::size_t>(words_) * wh, 0);
  }
  int k = gy / wh, i = gy % wh;
  if (suffix_block_ != k) {
    int first = k * wh, last = std::min(first + wh, gh_) - 1;
    for (int r = last; r >= first; --r) {
      Word* s = &suffix_[static_cast<std::size_t>(r - first) * words_];
      const Word* src = row(r);
      if (r == last) std::copy(src, src + words_, s);
      else
        for (int w = 0; w < words_; ++w) s[w] = src[w] | s[w + words_];
    }
    suffix_block_ = k;
  }
  const Word* s = &suffix_[static_cast<std::size_t>(i) * words_];
  if (i == 0) {
    std::copy(s, s + words_, band_.begin());
    return;
  }
  if (prefix_block_ != k + 1) {
    int first = (k + 1) * wh, last = std::min(first + wh, gh_) - 1;
    for (int r = first; r <= last; ++r) {
      Word* p = &prefix_[static_cast<std::size_t>(r - first) * words_];
      const Word* src = row(r);
      if (r == first) std::copy(src, src + words_, p);
      else
        for (int w = 0; w < words_; ++w) p[w] = src[w] | p[static_cast<std::ptrdiff_t>(w) - words_];
    }
    prefix_block_ = k + 1;
  }
  const Word* p = &prefix_[static_cast<std::size_t>(i - 1) * words_];
  for (int w = 0; w < words_; ++w) band_[w] = s[w] | p[w];
}

void Occupancy::free_columns() {
  for (int w = 0; w < words_; ++w) starts_[w] = ~band_[w];
  if (gw_ & 63) starts_[words_ - 1] &= (Word{1} << (gw_ & 63)) - 1;  // past the grid is not free
}

bool Occupancy::erode(int* have, int len) {
  // Bit p holds for `have` columns; ANDed with itself shifted by s <= have, for have + s.
  Word any = 0;
  for (int w = 0; w < words_; ++w) any |= starts_[w];
  while (any && *have < len) {
    int step = std::min(*have, len - *have), q = step >> 6, r = step & 63;
    any = 0;
    Word* s = starts_.data();  // words from words_ on are zero: no bounds test per word
    if (r == 0) {
      for (int w = 0; w < words_; ++w) any |= s[w] &= s[w + q];
    } else {
      for (int w = 0; w < words_; ++w) any |= s[w] &= (s[w + q] >> r) | (s[w + q + 1] << (64 - r));
    }
    *have += step;
  }
  return any != 0;
}

bool Occupancy::find(int w, int h, int pad_x, int pad_y, Rng& rng, int* x, int* y, int* widest) {
  pad_x = std::max(pad_x, margin_);
  pad_y = std::max(pad_y, margin_);
  int ww = w + 2 * pad_x, wh = h + 2 * pad_y;
  // Window tops-lefts in grid coordinates; the box is at window + pad - margin on the canvas.
  int nx = gw_ - ww + 1, ny = gh_ - wh + 1;
  *widest = ny < 1 ? 0 : gw_;  // too tall: nothing of this height; too wide: no information
  if (w < 1 || h < 1 || nx < 1 || ny < 1) return false;
  *widest = 0;
  int x0 = static_cast<int>(rng.below(static_cast<uint32_t>(nx)));
  int y0 = static_cast<int>(rng.below(static_cast<uint32_t>(ny)));
  // Blocks of 2^k <= wh/2 rows: every band of wh rows contains at least one whole block.
  int k = 0;
  while (k + 1 < kLevels && (2 << k) <= wh / 2) ++k;
  std::vector<int>& blocks = level_widest_[k];
  const Word* block_bits = k == 0 ? bits_.data() : level_bits_[k].data();
  for (int i = 0; i < ny; ++i) {
    int gy = y0 + i < ny ? y0 + i : y0 + i - ny;
    int bound = gw_;
    for (int b = (gy + (1 << k) - 1) >> k, end = (gy + wh) >> k; b < end; ++b) {
      if (blocks[b] == kStale) blocks[b] = longest_zero_run(block_bits + static_cast<std::size_t>(b) * words_);
      bound = std::min(bound, blocks[b]);
    }
    if (bound < ww) {
      *widest = std::max(*widest, bound);
      continue;
    }
    compute_band(gy, wh);
    // Where free runs start, for all columns at once: first of at least *widest + 1 columns
    // (none: this band can neither fit the window nor raise *widest, which is below ww), then
    // of ww. The fit is the first start at or after x0, else the first before it: the first
    // fit of a scan from x0 that wraps around.
    free_columns();
    int have = 1;
    if (!erode(&have, std::min(ww, *widest + 1))) continue;
    if (erode(&have, ww)) {
      int gx = next_bit(starts_.data(), x0, true);
      if (gx >= nx) gx = next_bit(starts_.data(), 0, true);
      *x = gx + pad_x - margin_;
      *y = gy + pad_y - margin_;
      return true;
    }
    // No fit, but a run longer than *widest: walk the runs for the longest.
    *widest = std::max(*widest, longest_zero_run(band_.data()));
  }
  return false;
}

}  // namespace wordcloud
