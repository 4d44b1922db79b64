#include "common/diagnostic.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <ostream>
#include <string_view>

namespace af {

std::string SourceLocation::ToString() const {
  if (line <= 0) return file.str();
  return file.str() + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Diagnostic::ToString() const {
  std::string s = location.ToString();
  if (!s.empty()) s += ": ";
  s += "error: " + message;
  return EscapeControlBytes(s + DidYouMean(suggestion));
}

std::string EscapeControlBytes(const std::string& text) {
  auto is_control = [](unsigned char c) { return c < 0x20 || c == 0x7f; };
  if (std::none_of(text.begin(), text.end(), is_control)) return text;
  std::string out;
  out.reserve(text.size() + 8);
  for (unsigned char c : text) {
    if (!is_control(c)) {
      out += static_cast<char>(c);
      continue;
    }
    static const char kHex[] = "0123456789abcdef";
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string DidYouMean(const std::string& suggestion) {
  return suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)";
}

std::string FormatDiagnostics(const Diagnostics& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) out += d.ToString() + "\n";
  return out;
}

namespace {

// Whether a DP cell budget still allows work, shared by every NearestName call of one
// SuggestionBudget.
bool Spend(SuggestionBudget* budget, uint64_t cells) {
  if (!budget) return true;
  if (budget->cells < cells) {
    budget->cells = 0;
    return false;
  }
  budget->cells -= cells;
  return true;
}

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// neighbouring letters ("tema" -> "team") each cost 1; letters compare case-insensitively.
// Only distances <= `limit` matter: cells outside the diagonal band |i - j| <= limit are never
// computed, and the scan stops as soon as a whole row exceeds `limit`, so the cost is
// O(len * limit), not O(len_a * len_b). Returns limit + 1 for "farther than limit".
size_t BoundedEditDistance(const std::string& a, const std::string& b, size_t limit) {
  const size_t n = a.size(), m = b.size();
  if ((n > m ? n - m : m - n) > limit) return limit + 1;
  auto same = [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  };
  const size_t far = limit + 1;
  // Three rolling rows (the swap looks two rows back), each m + 1 wide; cells outside the band
  // hold `far`.
  std::vector<size_t> prev2(m + 1, far), prev(m + 1, far), row(m + 1, far);
  for (size_t j = 0; j <= std::min(m, limit); ++j) prev[j] = j;
  for (size_t i = 1; i <= n; ++i) {
    const size_t lo = i > limit ? i - limit : 1;
    const size_t hi = std::min(m, i + limit);
    std::fill(row.begin(), row.end(), far);
    if (i <= limit) row[0] = i;
    size_t row_min = row[0];
    for (size_t j = lo; j <= hi; ++j) {
      size_t d = std::min({prev[j] + 1, row[j - 1] + 1,
                           prev[j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1)});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]))
        d = std::min(d, prev2[j - 2] + 1);
      row[j] = std::min(d, far);
      row_min = std::min(row_min, row[j]);
    }
    if (row_min > limit) return far;
    std::swap(prev2, prev);
    std::swap(prev, row);
  }
  return std::min(prev[m], far);
}

}  // namespace

std::string NearestName(const std::string& name, const std::vector<std::string>& candidates,
                        SuggestionBudget* budget) {
  std::string best;
  const size_t limit = std::min(kMaxSuggestionDistance, std::max<size_t>(1, name.size() / 3));
  size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    const size_t gap = name.size() > c.size() ? name.size() - c.size() : c.size() - name.size();
    if (gap >= best_distance) continue;  // the length difference alone is too far
    const size_t bound = best_distance - 1;
    if (!Spend(budget, 1 + static_cast<uint64_t>(std::min(name.size(), c.size()) + 1) *
                               (2 * bound + 1)))
      return "";
    size_t d = BoundedEditDistance(name, c, bound);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace af
