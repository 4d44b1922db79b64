// The "clang_example" plugin: built by tests/abi with clang++ and libc++ (not the host's g++
// and libstdc++), so loading it proves nothing C++ crosses the boundary. It uses std::string,
// std::vector and exceptions freely inside; the SDK's noexcept trampolines turn the exception
// thrown for an empty input into AF_ERR_RETRYABLE plus its message.
#include <assetflow/cpp/plugin.hpp>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#if !defined(_LIBCPP_VERSION)
#error "clang_example must be built with -stdlib=libc++"
#endif

namespace {

// Input "text", split on whitespace, written back with the words in reverse order.
void reverse_words(assetflow::Context& ctx) {
  const std::string text = ctx.read_input("text");
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty()) throw std::runtime_error("reverse_words: input 'text' has no words");
  std::reverse(words.begin(), words.end());
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  ctx.write(out);
  ctx.metadata_int("words", static_cast<int64_t>(words.size()));
}

}  // namespace

ASSETFLOW_ASSET(reverse_words).describe("Reverses the order of the words of input 'text'");
ASSETFLOW_PLUGIN("clang_example", "1.0.0", "Built with clang++ and libc++ to prove the C ABI")
