// Diagnostics: errors tied to a place in a user's file, printed the way compilers do
// ("manifests/a.yaml:12:5: error: unknown key 'grup' (did you mean 'group'?)").
#ifndef ASSETFLOW_HOST_COMMON_DIAGNOSTIC_H_
#define ASSETFLOW_HOST_COMMON_DIAGNOSTIC_H_

#include <string>
#include <vector>

namespace af {

// A position in a source file; line and column are 1-based (0 = unknown).
struct SourceLocation {
  std::string file;
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

// Every diagnostic on its own line.
std::string FormatDiagnostics(const Diagnostics& diagnostics);

// " (did you mean 'x'?)" for a non-empty suggestion, "" otherwise: the one wording of hints.
std::string DidYouMean(const std::string& suggestion);

// The candidate closest to `name` by edit distance (case-insensitive), if close enough to be a
// plausible misspelling (distance <= max(1, len/3)); empty otherwise.
std::string NearestName(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace af

#endif
