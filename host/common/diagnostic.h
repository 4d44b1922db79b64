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

namespace af {

// A file's name, interned: every copy refers to one process-wide string per distinct name, so a
// SourceLocation costs a pointer for its file, not a string (a manifest of 100,000 assets holds
// ~400,000 locations of one file). It reads as a const std::string. Creating one from a string
// takes a lock and a hash lookup; copying one is a pointer copy. Interned names are never freed
// (a process reads a bounded number of files). Thread-safe.
class FileName {
 public:
  FileName();
  FileName(const std::string& name);  // NOLINT: implicit, a location's file is any string
  FileName(const char* name);         // NOLINT
  explicit FileName(std::string_view name);

  const std::string& str() const { return *name_; }
  operator const std::string&() const { return *name_; }  // NOLINT
  operator std::filesystem::path() const { return *name_; }  // NOLINT: fs::path(loc.file)
  // The std::string members callers use.
  bool empty() const { return name_->empty(); }
  size_t size() const { return name_->size(); }
  const char* c_str() const { return name_->c_str(); }
  size_t rfind(const std::string& s, size_t pos = std::string::npos) const {
    return name_->rfind(s, pos);
  }
  size_t find(const std::string& s, size_t pos = 0) const { return name_->find(s, pos); }

  // Hidden friends: found only when a FileName is an operand, so they never compete with
  // std::string's or std::string_view's own operators.
  friend bool operator==(const FileName& a, const FileName& b) { return a.name_ == b.name_; }
  friend bool operator==(const FileName& a, const std::string& b) { return a.str() == b; }
  friend bool operator==(const FileName& a, const char* b) { return a.str() == b; }
  friend bool operator<(const FileName& a, const FileName& b) { return a.str() < b.str(); }
  friend std::string operator+(const FileName& a, const std::string& b) { return a.str() + b; }
  friend std::string operator+(const std::string& a, const FileName& b) { return a + b.str(); }
  friend std::string operator+(const FileName& a, const char* b) { return a.str() + b; }
  friend std::string operator+(const char* a, const FileName& b) { return a + b.str(); }
  friend std::ostream& operator<<(std::ostream& out, const FileName& name);

 private:
  const std::string* name_;  // interned: equal names, equal pointers
};

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
