// InternedString: a string that is one of few distinct values repeated many times (a file name
// in 400,000 source locations, an asset type, group or IO manager key in 100,000 assets). Every
// copy refers to one process-wide string per distinct value, so it costs a pointer, not a
// std::string, and reads as a const std::string. Creating one from a string takes a lock and a
// hash lookup; copying one is a pointer copy; equality is a pointer comparison. Interned values
// are never freed: use it only for values a process sees a bounded number of (the distinct
// names of its manifests), never for data. Thread-safe.
#ifndef ASSETFLOW_HOST_COMMON_INTERNED_STRING_H_
#define ASSETFLOW_HOST_COMMON_INTERNED_STRING_H_

#include <cstddef>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace af {

class InternedString {
 public:
  InternedString();
  InternedString(const std::string& value);  // NOLINT: implicit, reads and writes as a string
  InternedString(const char* value);         // NOLINT
  explicit InternedString(std::string_view value);
  InternedString& operator=(const std::string& value) { return *this = InternedString(value); }
  InternedString& operator=(const char* value) { return *this = InternedString(value); }

  const std::string& str() const { return *value_; }
  std::string_view view() const { return *value_; }
  operator const std::string&() const { return *value_; }  // NOLINT
  operator std::filesystem::path() const { return *value_; }  // NOLINT: fs::path(loc.file)
  // The std::string members callers use.
  bool empty() const { return value_->empty(); }
  size_t size() const { return value_->size(); }
  const char* c_str() const { return value_->c_str(); }
  const char* data() const { return value_->data(); }
  size_t rfind(const std::string& s, size_t pos = std::string::npos) const {
    return value_->rfind(s, pos);
  }
  size_t find(const std::string& s, size_t pos = 0) const { return value_->find(s, pos); }
  size_t find(char c, size_t pos = 0) const { return value_->find(c, pos); }
  std::string substr(size_t pos = 0, size_t n = std::string::npos) const {
    return value_->substr(pos, n);
  }
  int compare(const std::string& s) const { return value_->compare(s); }

  // Hidden friends: found only when an InternedString is an operand, so they never compete
  // with std::string's or std::string_view's own operators.
  friend bool operator==(const InternedString& a, const InternedString& b) {
    return a.value_ == b.value_;
  }
  friend bool operator!=(const InternedString& a, const InternedString& b) { return !(a == b); }
  friend bool operator==(const InternedString& a, const std::string& b) { return a.str() == b; }
  friend bool operator!=(const InternedString& a, const std::string& b) { return a.str() != b; }
  friend bool operator==(const std::string& a, const InternedString& b) { return a == b.str(); }
  friend bool operator!=(const std::string& a, const InternedString& b) { return a != b.str(); }
  friend bool operator==(const InternedString& a, const char* b) { return a.str() == b; }
  friend bool operator!=(const InternedString& a, const char* b) { return a.str() != b; }
  friend bool operator==(const InternedString& a, std::string_view b) { return a.view() == b; }
  friend bool operator!=(const InternedString& a, std::string_view b) { return a.view() != b; }
  friend bool operator<(const InternedString& a, const InternedString& b) {
    return a.str() < b.str();
  }
  friend std::string operator+(const InternedString& a, const std::string& b) {
    return a.str() + b;
  }
  friend std::string operator+(const std::string& a, const InternedString& b) {
    return a + b.str();
  }
  friend std::string operator+(const InternedString& a, const char* b) { return a.str() + b; }
  friend std::string operator+(const char* a, const InternedString& b) { return a + b.str(); }
  friend std::string operator+(const InternedString& a, char b) { return a.str() + b; }
  friend std::string operator+(char a, const InternedString& b) { return a + b.str(); }
  friend std::ostream& operator<<(std::ostream& out, const InternedString& s);

 private:
  const std::string* value_;  // interned: equal values, equal pointers
};

}  // namespace af

template <>
struct std::hash<af::InternedString> {
  size_t operator()(const af::InternedString& s) const {
    return std::hash<std::string_view>{}(s.view());
  }
};

#endif
