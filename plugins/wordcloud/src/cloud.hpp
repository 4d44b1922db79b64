// The plugin's internal API end to end: input bytes + options -> laid-out, coloured words ->
// PNG bytes. plugin.cc adapts it to the SDK; tests and the benchmark call it directly.
#ifndef ASSETFLOW_WORDCLOUD_CLOUD_HPP
#define ASSETFLOW_WORDCLOUD_CLOUD_HPP

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "colormap.hpp"
#include "layout.hpp"
#include "options.hpp"
#include "tokenizer.hpp"

namespace wordcloud {

// Nothing to draw: every token was a stopword or a number (or there was no text at all).
struct NoWordsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Cloud {
  std::size_t documents = 0;
  std::vector<WordCount> counts;  // all counted words, most frequent first
  Layout layout;
  std::vector<Rgb> colors;  // one per layout.words entry
  Rgb background;
  std::string font_path;
};

using Progress = std::function<void(std::size_t done, std::size_t total)>;

// Tokenizes, counts and lays out. Throws NoWordsError, std::invalid_argument (bad options or
// font) or std::runtime_error (malformed JSON, canvas too small).
Cloud make_cloud(std::string_view input, const Options& options, const Progress& progress = {});
// The same from a writable buffer that holds the input, `size` bytes, followed by
// kInputPadding NUL bytes (tokenizer.hpp): the input is parsed there, without a copy.
Cloud make_cloud_in_place(char* buffer, std::size_t size, const Options& options, const Progress& progress = {});

using ByteSink = std::function<void(const unsigned char* data, std::size_t size)>;

// Renders the cloud natively at its size (the layout's word masks composited in their colours)
// and passes the PNG (png.hpp's encoder) to `sink`.
void write_png(const Cloud& cloud, const ByteSink& sink);

}  // namespace wordcloud

#endif
