// KeyIndex: which record of a growing vector has a key, for the duplicate checks of a manifest
// load. Internal to the manifest module.
//
// An open-addressing table of 4-byte record indices in one array; the keys are not copied but
// read from the records through `key_of(i)`. It replaced a std::unordered_map<std::string,
// size_t>: at 100,000 assets that was 100,000 heap nodes allocated between the definitions'
// own blocks, and once freed after the load they stayed behind as 100,000 holes the run could
// not reuse (~15 MB of RSS for the whole run, issue 12).
// Not thread-safe; `key_of` must give the same key for an index for the table's life.
#ifndef ASSETFLOW_HOST_MANIFEST_KEY_INDEX_H_
#define ASSETFLOW_HOST_MANIFEST_KEY_INDEX_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace af {

class KeyIndex {
 public:
  // The index stored for `key`, if any.
  template <class KeyOf>
  std::optional<uint32_t> Find(std::string_view key, const KeyOf& key_of) const {
    if (slots_.empty()) return std::nullopt;
    for (size_t s = Hash(key) & Mask();; s = (s + 1) & Mask()) {
      if (slots_[s] == 0) return std::nullopt;
      if (key_of(slots_[s] - 1) == key) return slots_[s] - 1;
    }
  }

  // Stores `index` for `key`, which must not be stored yet; `key_of` gives the keys of the
  // indices already stored (the table may grow and place them again).
  template <class KeyOf>
  void Insert(uint32_t index, std::string_view key, const KeyOf& key_of) {
    if (2 * (size_ + 1) > slots_.size()) Reserve(size_ + 1, key_of);
    Place(index + 1, key);
    ++size_;
  }

  // Makes room for `n` keys in all, so that inserting up to that many allocates nothing.
  template <class KeyOf>
  void Reserve(size_t n, const KeyOf& key_of) {
    size_t capacity = slots_.empty() ? 16 : slots_.size();
    while (capacity < 2 * n) capacity *= 2;
    if (capacity == slots_.size()) return;
    std::vector<uint32_t> old = std::move(slots_);
    slots_.assign(capacity, 0);
    for (uint32_t stored : old)
      if (stored != 0) Place(stored, key_of(stored - 1));
  }

  size_t size() const { return size_; }
  void clear() {
    std::vector<uint32_t>().swap(slots_);
    size_ = 0;
  }

 private:
  static size_t Hash(std::string_view key) { return std::hash<std::string_view>{}(key); }
  size_t Mask() const { return slots_.size() - 1; }
  void Place(uint32_t stored, std::string_view key) {
    size_t s = Hash(key) & Mask();
    while (slots_[s] != 0) s = (s + 1) & Mask();
    slots_[s] = stored;
  }

  std::vector<uint32_t> slots_;  // index + 1, 0 = empty; a power of two, at most half full
  size_t size_ = 0;
};

}  // namespace af

#endif
