// A PNG encoder specialised for wordclouds: a few solid colours over a solid background.
//
// General-purpose encoders spend their time where a wordcloud has nothing to find: libpng tries
// five filters on every row and zlib hashes every position looking for matches. A wordcloud's
// rows are mostly the row above (background, and the inside of big letters), and the rest is
// runs of one colour or anti-aliased edges. So the deflate stream here is built from exactly two
// kinds of match: "the same bytes one row up" (distance = one scanline) and "the same pixel
// repeated" (distance 3), each extended 8 bytes at a time, with literals for everything else,
// coded with deflate's fixed Huffman table. That is a few instructions per pixel and no search;
// the file is as small as libpng's at zlib level 1 with no filtering, give or take a tenth.
#ifndef ASSETFLOW_WORDCLOUD_PNG_HPP
#define ASSETFLOW_WORDCLOUD_PNG_HPP

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wordcloud {

// An 8-bit RGB image laid out as PNG's filtered scanlines with filter type 0 (None): each of the
// height rows is one 0 byte followed by width RGB triples. Rendering straight into this layout
// lets the encoder compress it in place.
struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> bytes;  // height × (1 + 3·width)
  RgbImage(int w, int h, uint8_t r, uint8_t g, uint8_t b);
  std::size_t row_bytes() const { return 1 + 3 * static_cast<std::size_t>(width); }
  uint8_t* row(int y) { return bytes.data() + static_cast<std::size_t>(y) * row_bytes() + 1; }  // after the filter byte
  const uint8_t* row(int y) const { return bytes.data() + static_cast<std::size_t>(y) * row_bytes() + 1; }
};

// The whole PNG file: signature, IHDR (8-bit RGB, not interlaced), one IDAT, IEND.
// Deterministic: the same image always gives the same bytes. Images of 1 MiB or more are
// compressed as two bands of rows on two threads; `prepare(image, row_begin, row_end)`, if
// given, is called first for each band on the thread that compresses it (to draw those rows:
// it must write only rows [row_begin, row_end)).
// The file is returned in the one buffer it was encoded in (no copies of the compressed data).
struct PngFile {
  std::unique_ptr<uint8_t[]> bytes;
  std::size_t size = 0;
  const uint8_t* data() const { return bytes.get(); }
};
PngFile encode_png(RgbImage& image, const std::function<void(RgbImage&, int, int)>& prepare = {});

}  // namespace wordcloud

#endif
