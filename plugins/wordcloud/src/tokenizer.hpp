// From input bytes to word counts: documents (one per title), tokens, stopwords, plural folding
// and bigram collocations.
#ifndef ASSETFLOW_WORDCLOUD_TOKENIZER_HPP
#define ASSETFLOW_WORDCLOUD_TOKENIZER_HPP

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wordcloud {

struct WordCount {
  std::string text;  // the most frequent spelling ("GitHub", "Show HN")
  int count = 0;
};

struct TokenizeOptions {
  // Compared case-insensitively; ’ and ' are the same character.
  std::vector<std::string> stopwords;
  bool collocations = true;
  double collocation_threshold = 30.0;
  bool normalize_plurals = true;
  bool include_numbers = false;
};

const std::vector<std::string>& builtin_stopwords();

// Splits the input into documents. A JSON array (first non-blank byte '[') gives one document
// per element: a string element as is, an object's string member `field`; other elements are
// skipped. Anything else is plain text, one document per line. Throws std::runtime_error on
// malformed JSON.
std::vector<std::string> documents_from_input(std::string_view input, const std::string& field);

// The same documents without a copy each: views into the input, parsed in place. `input` is
// writable, `size` bytes followed by at least kInputPadding NUL bytes (RapidJSON's SIMD string
// scanning loads whole aligned 16-byte blocks, which may reach past the terminating NUL); the
// views live as long as it and the Documents do.
constexpr std::size_t kInputPadding = 16;
struct Documents {
  std::vector<std::string_view> texts;
  std::deque<std::string> copies;  // what `texts` views when the input holds a NUL (not parsed in place)
};
Documents documents_in_place(char* input, std::size_t size, const std::string& field);

// An input in the form documents_in_place wants: `size` bytes, then kInputPadding NUL bytes.
// (Not a std::string: filled by reading or copying, it is never zero-filled first.)
struct PaddedInput {
  std::unique_ptr<char[]> bytes;
  std::size_t size = 0;
  char* data() const { return bytes.get(); }
};
PaddedInput padded_copy(std::string_view input);

// One document's word tokens, in order: runs of letters/digits/apostrophes starting with a
// letter or digit, ’ mapped to ', trailing apostrophes and a possessive 's removed. No
// filtering. Exposed for tests.
std::vector<std::string> tokenize(std::string_view document);

// Word counts over all documents, sorted by count (descending), ties in order of first
// occurrence. Bigrams are formed only from adjacent tokens of one document with no stopword,
// dropped number or sentence punctuation between them.
std::vector<WordCount> count_words(const std::vector<std::string>& documents,
                                   const TokenizeOptions& options);
std::vector<WordCount> count_words(const std::vector<std::string_view>& documents,
                                   const TokenizeOptions& options);

}  // namespace wordcloud

#endif
