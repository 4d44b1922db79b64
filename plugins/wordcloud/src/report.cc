#include "report.hpp"

#include <cstdint>
#include <stdexcept>

namespace wordcloud {

std::string base64_encode(std::string_view in) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16 | static_cast<uint8_t>(in[i + 1]) << 8 | static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (std::size_t rest = in.size() - i) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16 | (rest == 2 ? static_cast<uint8_t>(in[i + 1]) << 8 : 0);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string markdown_report(const std::string& heading, std::string_view png) {
  static const char kSignature[] = "\x89PNG\r\n\x1a\n";
  if (png.substr(0, 8) != std::string_view(kSignature, 8))
    throw std::invalid_argument("the input is not a PNG image (" + std::to_string(png.size()) + " bytes)");
  return "# " + heading + "\n\n![wordcloud](data:image/png;base64," + base64_encode(png) + ")\n";
}

}  // namespace wordcloud
