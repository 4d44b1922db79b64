// A plain-text table with aligned columns, for human-facing listings.
#ifndef ASSETFLOW_HOST_CLI_TABLE_H_
#define ASSETFLOW_HOST_CLI_TABLE_H_

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

namespace af {

class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Columns separated by two spaces; the last column is not padded.
  void Print(std::ostream& out) const {
    std::vector<size_t> width(rows_[0].size(), 0);
    for (const auto& r : rows_)
      for (size_t c = 0; c < r.size() && c < width.size(); ++c) width[c] = std::max(width[c], r[c].size());
    std::string text;
    for (const auto& r : rows_) {
      std::string line;
      for (size_t c = 0; c < r.size(); ++c) {
        line += r[c];
        if (c + 1 < r.size()) line += std::string(width[c] - r[c].size() + 2, ' ');
      }
      text += line + "\n";
    }
    out << text;
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace af

#endif
