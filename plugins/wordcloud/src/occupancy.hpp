// Where ink already is, and a fast search for a free box.
//
// The reference keeps a summed-area table and, per attempt, tests all W·H windows twice (count
// the fits, then walk to a random one), then rebuilds the table below-right of every placed
// word. Here ink is one bit per pixel. For a window of h rows, the OR of rows y..y+h-1 ("the
// band") marks every column that has ink somewhere in those rows; van Herk/Gil-Werman prefix
// and suffix ORs give each band in two word-wide ORs whatever h is. Free windows are then the
// zero runs of at least w bits, found for all columns at once by eroding the free bits
// (x & x >> s, doubling s), so a band costs O(W/64 · log w), not O(W); the search stops at the first fit after a random start instead of
// enumerating all fits; adding a word sets its ink bits and nothing else.
#ifndef ASSETFLOW_WORDCLOUD_OCCUPANCY_HPP
#define ASSETFLOW_WORDCLOUD_OCCUPANCY_HPP

#include <cstdint>
#include <vector>

#include "font.hpp"
#include "rng.hpp"

namespace wordcloud {

class Occupancy {
 public:
  static constexpr int kMaxSide = 16384;

  // A canvas of width × height pixels. `margin` is the most a clearance may hang over the
  // canvas edge (find's pads are at least this).
  Occupancy(int width, int height, int margin);

  // Finds a top-left (x, y) for a w × h ink box inside the canvas such that the box grown by
  // pad_x left and right and pad_y above and below holds no ink (pads >= margin; the part of
  // a pad up to `margin` beyond the canvas edge counts as free). Starts at a random row and
  // column and returns the first fit in row-major order, wrapping around.
  // On failure, *widest is the longest free run (in window columns, pads included) over all
  // bands of that height: no window of that height and a greater width exists.
  bool find(int w, int h, int pad_x, int pad_y, Rng& rng, int* x, int* y, int* widest);

  // Marks the mask's nonzero pixels, placed with its top-left at canvas (x, y), as ink.
  void add(const WordMask& mask, int x, int y);

  bool ink(int x, int y) const { return bit(row(y + margin_), x + margin_); }

 private:
  using Word = uint64_t;
  const Word* row(int gy) const { return &bits_[static_cast<std::size_t>(gy) * words_]; }
  Word* row(int gy) { return &bits_[static_cast<std::size_t>(gy) * words_]; }
  static bool bit(const Word* r, int x) { return (r[x >> 6] >> (x & 63)) & 1; }
  // The OR of grid rows [gy, gy + wh) into band_, via the prefix/suffix tables of its blocks.
  void compute_band(int gy, int wh);
  // The first bit at or after x that is set (or clear, if !set) in `bits`; gw_ if none.
  int next_bit(const Word* bits, int x, bool set) const;
  int longest_zero_run(const Word* bits) const;
  // Recomputes level_bits_ for the blocks that hold grid rows [gy_begin, gy_end).
  void update_levels(int gy_begin, int gy_end);
  // starts_ = the free columns of band_ (bit x: column x is inside the grid and clear).
  void free_columns();
  // With starts_ bit x set iff the *have columns from x are free, makes that len columns
  // (len >= *have) by doubling shifts: O(words · log len), no branch per run. Stops early, and
  // returns false, once no bit is left.
  bool erode(int* have, int len);

  int width_, height_, margin_;
  int gw_, gh_;   // the grid: the canvas plus a free border of `margin` on every side
  int words_;     // 64-bit words per grid row
  std::vector<Word> bits_;
  // level_widest_[k][b]: the longest free run in the OR of rows [b·2^k, (b+1)·2^k). A window
  // band of wh rows contains whole aligned blocks of 2^k <= wh/2 rows and can have no longer
  // run than they have, so most crowded bands are rejected in O(1), without ORing or scanning.
  static constexpr int kLevels = 7;  // blocks of 1 to 64 rows
  std::vector<int> level_widest_[kLevels];
  std::vector<Word> level_bits_[kLevels];  // the blocks' ORs (level 0 is bits_ itself)
  static constexpr int kStale = -1;        // a level_widest_ entry to compute when next read
  // Scratch for the search: per block of wh rows, suffix ORs of block k and prefix ORs of k+1.
  std::vector<Word> suffix_, prefix_, band_, starts_;
  int block_h_ = 0, suffix_block_ = -1, prefix_block_ = -1;
};

}  // namespace wordcloud

#endif
