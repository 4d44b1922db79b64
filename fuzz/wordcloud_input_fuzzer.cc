// Fuzzes the wordcloud's input reader: an upstream asset's bytes (a JSON array of rows or
// strings, or plain text) split into documents. Contract under test: documents or a
// std::runtime_error for malformed JSON, never a crash.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    (void)wordcloud::documents_from_input(input, "title");
  } catch (const std::runtime_error&) {
  }
  return 0;
}
