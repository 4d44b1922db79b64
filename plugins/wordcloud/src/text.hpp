// Unicode helpers for tokenizing titles: a UTF-8 decoder, a letter/digit classifier and simple
// lower-casing.
//
// Why not ICU: titles need "is this a letter or digit" and case folding for the scripts that
// actually occur (Latin, Greek, Cyrillic, CJK, ...). A table of ranges does that in ~100 lines,
// adds no 30 MB dependency to every plugin install, and never changes behaviour when the system's
// ICU is upgraded, which keeps the word counts (and so the PNG) reproducible.
#ifndef ASSETFLOW_WORDCLOUD_TEXT_HPP
#define ASSETFLOW_WORDCLOUD_TEXT_HPP

#include <cstddef>
#include <string>
#include <string_view>

namespace wordcloud {

// Decodes the code point at s[i] and advances i. Malformed or truncated sequences yield
// U+FFFD and advance one byte, so any input can be scanned.
char32_t decode_utf8(std::string_view s, std::size_t& i);
void append_utf8(std::string& out, char32_t c);

// Letters of any script (including ideographs); combining marks count as letters so that
// decomposed "é" stays one word.
bool is_letter(char32_t c);
// Decimal digits (ASCII, Arabic-Indic, Devanagari, fullwidth).
bool is_digit(char32_t c);
// ' and its look-alikes (’ ʼ ′), all treated as the ASCII apostrophe.
bool is_apostrophe(char32_t c);

// Simple case folding for Latin, Greek and Cyrillic; other scripts have no case and pass through.
char32_t to_lower(char32_t c);
std::string lowercase(std::string_view s);

}  // namespace wordcloud

#endif
