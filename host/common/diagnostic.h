// Diagnostics: errors tied to a place in a user's file, printed the way compilers do
// ("manifests/a.yaml:12:5: error: unknown key 'grup' (did you mean 'group'?)").
#ifndef ASSETFLOW_HOST_COMMON_DIAGNOSTIC_H_
#define ASSETFLOW_HOST_COMMON_DIAGNOSTIC_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "common/interned_string.h"

namespace af {

// A file's name: interned, so a SourceLocation costs a pointer for its file, not a string (a
// manifest of 100,000 assets holds ~400,000 locations of one file).
using FileName = InternedString;

// A position in a source file; line and column are 1-based (0 = unknown).
struct SourceLocation {
  FileName file;
  int line = 0;
  int column = 0;
  // "file:line:col", or "file" when the position is unknown.
  std::string ToString() const;
};

struct Diagnostic {
  SourceLocation location;
  std::string message;
  // A nearest valid name, without decoration; empty when there is none.
  std::string suggestion;
  // A warning is reported but fails nothing (e.g. a plugin that would not load, when no
  // manifest needs it). ToString() does not show it: the caller words warnings.
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  // "file:line:col: error: message (did you mean 'x'?)"
  std::string ToString() const;
};

using Diagnostics = std::vector<Diagnostic>;

// `text` with every ASCII control byte (0x00-0x1f, 0x7f: escape sequences, carriage returns,
// NULs) written as "\x1b": names from a user's file or command line are echoed to a terminal,
// which must not interpret them. Diagnostic::ToString applies it.
std::string EscapeControlBytes(const std::string& text);

// Every diagnostic on its own line.
std::string FormatDiagnostics(const Diagnostics& diagnostics);

// " (did you mean 'x'?)" for a non-empty suggestion, "" otherwise: the one wording of hints.
std::string DidYouMean(const std::string& suggestion);

// The largest edit distance a suggestion may have, whatever the name's length: a 20,000-char
// name is not a misspelling of anything, and the bound keeps each comparison O(len).
constexpr size_t kMaxSuggestionDistance = 8;

// Work that suggestions for one batch of errors may cost, in edit-distance cells: 20,000
// unknown names against 20,000 keys must not cost 4e8 comparisons. When it runs out, further
// NearestName calls with it return "" (the error itself is still reported). Not thread-safe.
struct SuggestionBudget {
  uint64_t cells = 50'000'000;  // ~0.1 s on this machine
};

// The candidate closest to `name` by edit distance (case-insensitive), if close enough to be a
// plausible misspelling (distance <= min(kMaxSuggestionDistance, max(1, len/3))); empty
// otherwise, or when `budget` (optional) runs out. Cost: O(len * distance) per candidate whose
// length is within that distance; the others are skipped on length alone.
std::string NearestName(const std::string& name, const std::vector<std::string>& candidates,
                        SuggestionBudget* budget = nullptr);

}  // namespace af

#endif
