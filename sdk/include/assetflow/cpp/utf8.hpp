// UTF-8 for text that came from outside (a server's JSON, a file, an error message) and is about
// to be written into JSON, which must be valid UTF-8. Header-only, C++17, no dependencies:
// plugins and the host use the same rules.
#ifndef ASSETFLOW_CPP_UTF8_HPP
#define ASSETFLOW_CPP_UTF8_HPP

#include <cstddef>
#include <string>
#include <string_view>

namespace assetflow {

// The length of the valid UTF-8 sequence starting at s[i] (1-4), or 0 if there is none there:
// a stray continuation byte, a truncated sequence, an overlong encoding, a surrogate (U+D800-
// U+DFFF) or a code point above U+10FFFF (RFC 3629).
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

inline bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// `s` with every byte that is not part of a valid sequence replaced by U+FFFD (the
// replacement character), as browsers decode: valid text comes back unchanged, and nothing is
// dropped silently.
inline std::string valid_utf8(std::string_view s) {
  if (is_valid_utf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

}  // namespace assetflow

#endif
