// The wordcloud_png config: defaults, JSON Schema and parsing, from one table of defaults.
#ifndef ASSETFLOW_WORDCLOUD_OPTIONS_HPP
#define ASSETFLOW_WORDCLOUD_OPTIONS_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wordcloud {

struct Options {
  std::string field = "title";  // text member of JSON records
  std::string font;             // a font file; empty: DejaVu Sans
  int width = 400, height = 200;
  int max_words = 200;
  std::optional<std::vector<std::string>> stopwords;  // replaces the built-in list if set
  std::vector<std::string> extra_stopwords;
  int min_font_size = 4;
  int max_font_size = 0;  // 0: automatic
  double prefer_horizontal = 0.9;
  double relative_scaling = 0.5;
  int margin = 2;
  std::string background = "black";
  std::string colormap = "viridis";
  bool collocations = true;
  double collocation_threshold = 30;
  bool normalize_plurals = true;
  bool include_numbers = false;
  int64_t seed = 42;
};

// Parses a config object (unknown keys are ignored: the host validates against the schema).
// Throws std::invalid_argument naming the key for a wrong type or value.
Options parse_options(const std::string& config_json);

// JSON Schema of the config, with the defaults of Options.
std::string options_schema();

}  // namespace wordcloud

#endif
