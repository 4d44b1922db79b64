// Colours: the background and the word colormap.
#ifndef ASSETFLOW_WORDCLOUD_COLORMAP_HPP
#define ASSETFLOW_WORDCLOUD_COLORMAP_HPP

#include <cstdint>
#include <string>

namespace wordcloud {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

// "viridis" (matplotlib's table, embedded), "gray" or "grey" (a ramp). Unknown names throw
// std::invalid_argument listing the known ones.
void check_colormap(const std::string& name);
// The colour at u in [0, 1), sampled like matplotlib: entry int(u·256).
Rgb colormap_color(const std::string& name, double u);

// A CSS-like colour: "#rgb", "#rrggbb" or one of black, white, gray/grey, red, green, blue,
// navy, teal, yellow, orange, purple. Throws std::invalid_argument otherwise.
Rgb parse_color(const std::string& text);

}  // namespace wordcloud

#endif
