// Fuzzes the wordcloud's tokenizer and word counting on arbitrary (often invalid) UTF-8: each
// line a document, as plain-text input is read. The first byte picks the options, so plural
// folding, numbers and collocations are all reached. Contract under test: never a crash, and
// every counted word is a non-empty string with a positive count.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  wordcloud::TokenizeOptions options;
  options.stopwords = wordcloud::builtin_stopwords();
  options.collocations = data[0] & 1;
  options.normalize_plurals = data[0] & 2;
  options.include_numbers = data[0] & 4;
  if (data[0] & 8) options.collocation_threshold = 0.0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string> documents;
  for (size_t start = 0; start <= text.size();) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    documents.emplace_back(text.substr(start, nl - start));
    (void)wordcloud::tokenize(documents.back());
    start = nl + 1;
  }
  for (const auto& w : wordcloud::count_words(documents, options))
    if (w.text.empty() || w.count <= 0) __builtin_trap();
  return 0;
}
