#include "common/interned_string.h"

#include <mutex>
#include <ostream>
#include <unordered_set>

namespace af {

namespace {

struct ValueHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Leaked on purpose, like the values: a static's destructor may still print a location.
const std::string* Intern(std::string_view value) {
  static const std::string* const kEmpty = new std::string();
  if (value.empty()) return kEmpty;
  static std::mutex mutex;
  // Node-based: the strings never move, so the pointers handed out stay valid.
  static auto* values = new std::unordered_set<std::string, ValueHash, std::equal_to<>>();
  std::lock_guard<std::mutex> lock(mutex);
  auto it = values->find(value);
  if (it == values->end()) it = values->emplace(value).first;
  return &*it;
}

}  // namespace

InternedString::InternedString() : value_(Intern({})) {}
InternedString::InternedString(const std::string& value) : value_(Intern(value)) {}
InternedString::InternedString(const char* value)
    : value_(Intern(value ? std::string_view(value) : "")) {}
InternedString::InternedString(std::string_view value) : value_(Intern(value)) {}

std::ostream& operator<<(std::ostream& out, const InternedString& s) { return out << s.str(); }

}  // namespace af
