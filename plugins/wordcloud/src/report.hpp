// The markdown report: a heading and the PNG inline as a base64 data URI.
#ifndef ASSETFLOW_WORDCLOUD_REPORT_HPP
#define ASSETFLOW_WORDCLOUD_REPORT_HPP

#include <string>
#include <string_view>

namespace wordcloud {

std::string base64_encode(std::string_view bytes);

// Throws std::invalid_argument if `png` does not start with the PNG signature.
std::string markdown_report(const std::string& heading, std::string_view png);

}  // namespace wordcloud

#endif
