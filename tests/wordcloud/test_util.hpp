// Helpers shared by the wordcloud tests: fixtures and PNG inspection.
#ifndef ASSETFLOW_WORDCLOUD_TEST_UTIL_HPP
#define ASSETFLOW_WORDCLOUD_TEST_UTIL_HPP

#include <cairo.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace wctest {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The bundled snapshot's 500 real Hacker News stories (a JSON array of records).
inline const std::string& hn_items() {
  static const std::string items = read_file(HN_ITEMS_JSON);
  return items;
}

struct PngSize {
  uint32_t width = 0, height = 0;
};
// Width and height from the IHDR chunk, which must come first after the signature.
inline PngSize png_size(const std::string& png) {
  if (png.size() < 24 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || png.compare(12, 4, "IHDR") != 0)
    throw std::runtime_error("not a PNG");
  auto be32 = [&](std::size_t at) {
    return uint32_t(uint8_t(png[at])) << 24 | uint32_t(uint8_t(png[at + 1])) << 16 |
           uint32_t(uint8_t(png[at + 2])) << 8 | uint32_t(uint8_t(png[at + 3]));
  };
  return {be32(16), be32(20)};
}

// Decodes a PNG with Cairo (the caller destroys the surface).
inline cairo_surface_t* decode_png(const std::string& png) {
  struct Reader {
    const std::string* data;
    std::size_t pos;
  } r{&png, 0};
  return cairo_image_surface_create_from_png_stream(
      [](void* closure, unsigned char* out, unsigned int n) {
        auto* rd = static_cast<Reader*>(closure);
        if (rd->data->size() - rd->pos < n) return CAIRO_STATUS_READ_ERROR;
        std::memcpy(out, rd->data->data() + rd->pos, n);
        rd->pos += n;
        return CAIRO_STATUS_SUCCESS;
      },
      &r);
}

inline std::string base64_decode(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = value(c);
    if (v < 0) throw std::runtime_error("bad base64");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

}  // namespace wctest

#endif
