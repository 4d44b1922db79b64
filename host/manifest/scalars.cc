#include "manifest/scalars.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace af {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllOf(const std::string& s, size_t from, bool (*pred)(char)) {
  if (from >= s.size()) return false;
  for (size_t i = from; i < s.size(); ++i)
    if (!pred(s[i])) return false;
  return true;
}

// [-+]?[0-9]+
bool IsDecimalInt(const std::string& s) {
  size_t start = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  return AllOf(s, start, IsDigit);
}

// [-+]? ( \.[0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool IsCoreFloat(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && IsDigit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

bool IsOctal(char c) { return c >= '0' && c <= '7'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
// 0o[0-7]+ and 0x[0-9a-fA-F]+
bool IsPrefixedInt(const std::string& s, char prefix, bool (*pred)(char)) {
  return s.size() > 2 && s[0] == '0' && s[1] == prefix && AllOf(s, 2, pred);
}

bool IsVarStart(char c) { return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool IsVarChar(char c) { return IsVarStart(c) || IsDigit(c); }

}  // namespace

PlainScalar ResolvePlainScalar(const std::string& s) {
  PlainScalar r;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    r.kind = PlainScalar::Kind::kNull;
  } else if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" ||
             s == "FALSE") {
    r.kind = PlainScalar::Kind::kBool;
    r.b = s[0] == 't' || s[0] == 'T';
  } else if (IsDecimalInt(s) || IsPrefixedInt(s, 'o', IsOctal) || IsPrefixedInt(s, 'x', IsHex)) {
    bool negative = s[0] == '-';
    bool prefixed = s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x');
    const char* digits = prefixed ? s.c_str() + 2 : s.c_str() + (s[0] == '-' || s[0] == '+');
    errno = 0;
    unsigned long long v = std::strtoull(digits, nullptr, prefixed ? (s[1] == 'x' ? 16 : 8) : 10);
    const unsigned long long kMaxInt = INT64_MAX;
    if (errno == ERANGE || (negative && v > kMaxInt + 1)) {  // beyond 64 bits: keep magnitude
      r.kind = PlainScalar::Kind::kDouble;
      r.d = std::strtod(s.c_str(), nullptr);
    } else if (negative) {
      r.kind = PlainScalar::Kind::kInt;
      r.i = v == kMaxInt + 1 ? INT64_MIN : -static_cast<int64_t>(v);
    } else if (v <= kMaxInt) {
      r.kind = PlainScalar::Kind::kInt;
      r.i = static_cast<int64_t>(v);
    } else {
      r.kind = PlainScalar::Kind::kUint;
      r.u = v;
    }
  } else if (IsCoreFloat(s)) {
    r.kind = PlainScalar::Kind::kDouble;
    r.d = std::strtod(s.c_str(), nullptr);
  }
  return r;
}

std::optional<double> ParseDurationSeconds(const std::string& text) {
  struct Unit {
    const char* suffix;
    double seconds;
  };
  // "ms" before "m" and "s", so the longest suffix wins.
  static const Unit kUnits[] = {{"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600}, {"", 1}};
  for (const Unit& unit : kUnits) {
    std::string suffix = unit.suffix;
    if (text.size() < suffix.size() ||
        text.compare(text.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    std::string number = text.substr(0, text.size() - suffix.size());
    if (number.empty() || number[0] == '-' || number[0] == '+' || !IsCoreFloat(number))
      return std::nullopt;
    return std::strtod(number.c_str(), nullptr) * unit.seconds;
  }
  return std::nullopt;
}

namespace {

// `text` for an error message: a scalar may be a whole file that is no manifest, or hold a
// secret after the '${': at most the 60 bytes around `at` (the problem), on UTF-8 boundaries.
std::string Excerpt(const std::string& text, size_t at) {
  constexpr size_t kMax = 60;
  if (text.size() <= kMax) return text;
  size_t begin = at > kMax / 2 ? at - kMax / 2 : 0;
  size_t end = std::min(text.size(), begin + kMax);
  auto continuation = [&](size_t i) {
    return i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80;
  };
  while (begin > 0 && continuation(begin)) --begin;
  while (end < text.size() && continuation(end)) ++end;
  return (begin > 0 ? "..." : "") + text.substr(begin, end - begin) +
         (end < text.size() ? "..." : "");
}

}  // namespace

Expected<std::string> ExpandEnv(const std::string& text, const EnvLookupFn& lookup) {
  if (text.find('$') == std::string::npos) return text;  // the common case: nothing to do
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '$' || i + 1 >= text.size() || (text[i + 1] != '$' && text[i + 1] != '{')) {
      out += c;
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string::npos)
      return Status::InvalidArgument("unterminated '${' in '" + Excerpt(text, i) + "'");
    std::string body = text.substr(i + 2, close - i - 2);
    size_t sep = body.find(":-");
    std::string name = body.substr(0, sep);
    if (name.empty() || !IsVarStart(name[0]) || !AllOf(name, 0, IsVarChar))
      return Status::InvalidArgument("bad environment variable name '" + Excerpt(name, 0) +
                                     "' in '" + Excerpt(text, i) + "'");
    std::optional<std::string> value = lookup ? lookup(name) : std::nullopt;
    if (sep != std::string::npos && (!value || value->empty())) {
      out += body.substr(sep + 2);
    } else if (value) {
      out += *value;
    } else {
      return Status::InvalidArgument("environment variable '" + name + "' is not set (write ${" +
                                     name + ":-default} to give a default)");
    }
    i = close;
  }
  return out;
}

}  // namespace af
