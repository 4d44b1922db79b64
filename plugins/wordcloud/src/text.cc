#include "text.hpp"

#include <algorithm>

namespace wordcloud {

char32_t decode_utf8(std::string_view s, std::size_t& i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c0 = b(i);
  if (c0 < 0x80) {
    ++i;
    return c0;
  }
  int len = c0 >= 0xF0 && c0 < 0xF5 ? 4 : c0 >= 0xE0 ? 3 : c0 >= 0xC2 && c0 < 0xE0 ? 2 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t c = c0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    unsigned char ck = b(i + k);
    if ((ck & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    c = (c << 6) | (ck & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are malformed.
  static const char32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < min_for_len[len] || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) {
    ++i;
    return 0xFFFD;
  }
  i += len;
  return c;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

namespace {
struct Range {
  char32_t lo, hi;
};
// Letter blocks, sorted; punctuation inside them is excluded by is_letter below.
constexpr Range kLetters[] = {
    {0x41, 0x5A},       {0x61, 0x7A},       {0xAA, 0xAA},       {0xB5, 0xB5},
    {0xBA, 0xBA},       {0xC0, 0xD6},       {0xD8, 0xF6},       {0xF8, 0x2AF},
    {0x300, 0x36F},     {0x370, 0x3FF},     {0x400, 0x52F},     {0x531, 0x587},
    {0x591, 0x5C7},     {0x5D0, 0x5F2},     {0x610, 0x61A},     {0x620, 0x669},
    {0x66E, 0x6D3},     {0x6D5, 0x6FF},     {0x900, 0xDFF},     {0xE01, 0xE3A},
    {0xE40, 0xE4E},     {0xE50, 0xEFF},     {0x10A0, 0x10FF},   {0x1100, 0x11FF},
    {0x1E00, 0x1FFF},   {0x3041, 0x3096},   {0x3099, 0x30FA},   {0x30FC, 0x30FF},
    {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
    {0xFF10, 0xFF19},   {0xFF21, 0xFF3A},   {0xFF41, 0xFF5A},   {0x20000, 0x2FFFF},
};
// Punctuation that sits inside the blocks above.
bool is_block_punctuation(char32_t c) {
  return c == 0x37E || c == 0x387 || c == 0x482 || c == 0x55A || c == 0x589 || c == 0x5BE ||
         c == 0x5C0 || c == 0x5C3 || c == 0x5C6 || c == 0x60C || c == 0x61B || c == 0x61F ||
         c == 0x66A || c == 0x66B || c == 0x66C || c == 0x66D || c == 0x6D4 || c == 0x964 ||
         c == 0x965 || c == 0x970 || c == 0xE4F || (c >= 0x1FBD && c <= 0x1FC1 && c != 0x1FBE) ||
         (c >= 0x1FCD && c <= 0x1FCF) || (c >= 0x1FDD && c <= 0x1FDF) ||
         (c >= 0x1FED && c <= 0x1FEF) || c == 0x1FFD || c == 0x1FFE;
}
}  // namespace

bool is_letter(char32_t c) {
  if (c < 0x80) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
  if (is_block_punctuation(c)) return false;
  std::size_t lo = 0, hi = sizeof kLetters / sizeof kLetters[0];
  while (lo < hi) {
    std::size_t mid = (lo + hi) / 2;
    if (c < kLetters[mid].lo) hi = mid;
    else if (c > kLetters[mid].hi) lo = mid + 1;
    else return true;
  }
  return false;
}

bool is_digit(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 0x660 && c <= 0x669) || (c >= 0x6F0 && c <= 0x6F9) ||
         (c >= 0x966 && c <= 0x96F) || (c >= 0xFF10 && c <= 0xFF19);
}

bool is_apostrophe(char32_t c) { return c == '\'' || c == 0x2019 || c == 0x2BC || c == 0x2032; }

char32_t to_lower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 0x20 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;
  if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return c | 1;
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c + 1 : c;
  if (c == 0x178) return 0xFF;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 0x20;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F))
    return c | 1;
  if (c >= 0x1E00 && c <= 0x1EFF) return c | 1;
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 0x20;
  return c;
}

std::string lowercase(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  if (std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    for (char c : s) out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 0x20) : c;
    return out;
  }
  for (std::size_t i = 0; i < s.size();) append_utf8(out, to_lower(decode_utf8(s, i)));
  return out;
}

}  // namespace wordcloud
