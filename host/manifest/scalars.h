// Scalar helpers for manifests: YAML 1.2 core-schema typing of plain scalars, durations, and
// ${VAR} expansion. Pure functions, no YAML library involved, so they are cheap to test alone.
#ifndef ASSETFLOW_HOST_MANIFEST_SCALARS_H_
#define ASSETFLOW_HOST_MANIFEST_SCALARS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/status.h"

namespace af {

// What a plain (unquoted) scalar means under the YAML 1.2 core schema. Quoted scalars are
// always strings and never go through this.
struct PlainScalar {
  enum class Kind { kNull, kBool, kInt, kUint, kDouble, kString };
  Kind kind = Kind::kString;
  bool b = false;
  int64_t i = 0;   // kInt
  uint64_t u = 0;  // kUint: only for values above INT64_MAX
  double d = 0;    // kDouble
};
// Resolves `text`: null (~, null, empty), bool (true/false in three casings), int (decimal,
// 0o octal, 0x hex), float (decimal with . or exponent); anything else, including .inf and
// .nan which JSON cannot carry, is a string. Integers too large for 64 bits become doubles.
PlainScalar ResolvePlainScalar(const std::string& text);

// "500ms" -> 0.5, "5s" -> 5, "2m" -> 120, "1h" -> 3600, "7" / "2.5" -> seconds as given.
// Nullopt if `text` is not a non-negative number with an optional unit.
std::optional<double> ParseDurationSeconds(const std::string& text);

// Expands ${VAR} and ${VAR:-default} (the default used when VAR is unset or empty, as in the
// shell); "$$" is a literal "$"; a "$" followed by anything else is kept as is. The default is
// taken literally (no nested expansion). An unset VAR without a default, an unterminated
// "${", or a bad variable name is an InvalidArgument whose message is a full sentence.
using EnvLookupFn = std::function<std::optional<std::string>(const std::string&)>;
Expected<std::string> ExpandEnv(const std::string& text, const EnvLookupFn& lookup);

}  // namespace af

#endif
