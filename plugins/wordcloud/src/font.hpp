// Fonts through Cairo's FreeType backend, and the routines that draw a word. Layout measures a
// word by rasterizing it (rasterize_word: FreeType's glyphs composited the way Cairo composites
// them, pixel for pixel the same as draw_word on a clear surface); the final image composites
// exactly those masks, so what is measured is what is drawn.
#ifndef ASSETFLOW_WORDCLOUD_FONT_HPP
#define ASSETFLOW_WORDCLOUD_FONT_HPP

#include <cairo.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace wordcloud {

// DejaVu Sans from fonts-dejavu-core; fontconfig is asked only if it is not at its Debian path
// (FcInit costs more than the whole layout of a small cloud).
std::string default_font_path();

// A font file opened with FreeType as a Cairo font face. Not copyable; one per call/thread.
class Font {
 public:
  // Throws std::runtime_error if the file cannot be opened as a scalable font.
  explicit Font(const std::string& path);
  ~Font();
  Font(const Font&) = delete;
  Font& operator=(const Font&) = delete;

  cairo_font_face_t* face() const { return face_; }
  const std::string& path() const { return path_; }
  // True if every character of `text` has a glyph (else Cairo would draw empty boxes).
  bool covers(const std::string& text) const;

  // `text` shaped once (Cairo's own text-to-glyphs, at a reference size) and kept: glyph indices
  // with their positions, and the ink extents, for a font size of 1. Unhinted outlines scale
  // linearly, so every size is these times the size; drawing then skips Cairo's per-call UTF-8
  // decoding and glyph metrics lookups at each new size.
  struct Shaped {
    std::vector<cairo_glyph_t> glyphs;  // x, y at size 1
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // ink box at size 1, relative to the origin
  };
  const Shaped& shaped(const std::string& text) const;

  // The face at `size` pixels with the fixed options, created on first use and kept as long as
  // the Font: a layout tries each size for many words, and going through a cairo_t's font
  // size instead would look the scaled font up in Cairo's global map (under its lock) and
  // release it again at every attempt. Owned by the Font.
  cairo_scaled_font_t* scaled(int size) const;

  // One glyph at `size` pixels as FreeType's gray rasterizer draws its unhinted outline, the
  // way Cairo's FreeType backend does for these options (box rounded out to whole pixels):
  // coverage rows cropped to the ink, top-left at (left, top) from the pen, y down (width 0:
  // no ink). Cached per size and glyph, as Cairo caches them per scaled font, without a
  // scaled font per size.
  struct Glyph {
    int left = 0, top = 0, width = 0, height = 0;
    std::vector<uint8_t> coverage;  // height rows of width bytes
  };
  const Glyph& glyph(unsigned long index, int size) const;

 private:
  std::string path_;
  cairo_font_face_t* face_ = nullptr;
  mutable cairo_scaled_font_t* reference_ = nullptr;  // created on first use
  mutable std::vector<cairo_scaled_font_t*> scaled_;  // by size; null until used
  mutable std::unordered_map<uint64_t, Glyph> glyphs_;  // by size << 32 | glyph index
  mutable int raster_size_ = 0;                          // the raster face's current size
  mutable std::unordered_map<std::string, Shaped> shaped_;
};

// An anti-aliased word as an A8 bitmap cropped to its ink (alpha > 0).
struct WordMask {
  int width = 0, height = 0, stride = 0;
  // Where draw_word's origin (the baseline start) lies, relative to the mask's top-left.
  int origin_x = 0, origin_y = 0;
  std::vector<uint8_t> alpha;  // height rows of `stride` bytes
  bool empty() const { return width == 0; }
  uint8_t at(int x, int y) const { return alpha[static_cast<std::size_t>(y) * stride + x]; }
};

// Draws `text` at `size` pixels with its baseline origin at (origin_x, origin_y), horizontal or
// vertical (the horizontal rendering turned 90° counter-clockwise pixel for pixel, reading
// bottom to top: the text matrix [0 1; -1 0] about the origin). Uses the current source.
// Everyone who draws a word calls this; the ink is identical for the same word and origin only
// on a surface Cairo knows is clear (a fresh one, or one cleared with CAIRO_OPERATOR_CLEAR).
void draw_word(cairo_t* cr, const Font& font, const std::string& text, int size, bool vertical,
               int origin_x, int origin_y);

// The word's ink box size from glyph outlines, without rasterizing: a cheap lower bound used to
// skip sizes that cannot fit the canvas.
void estimate_word_box(const Font& font, const std::string& text, int size, bool vertical,
                       double* width, double* height);

// The mask of a vertical word from the horizontal one: turned 90° counter-clockwise.
WordMask rotate_ccw(const WordMask& horizontal);

// The word's ink as draw_word() draws it on a clear surface, cropped. Empty if it has no ink.
WordMask rasterize_word(const Font& font, const std::string& text, int size, bool vertical);

}  // namespace wordcloud

#endif
