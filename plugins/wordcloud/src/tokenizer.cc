#include "tokenizer.hpp"

#include <assetflow/cpp/json.hpp>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "text.hpp"

namespace wordcloud {

Documents documents_in_place(char* input, std::size_t size, const std::string& field) {
  const std::string_view text(input, size);
  std::size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  Documents docs;
  if (first != std::string_view::npos && text[first] == '[') {
    // SAX, not a DOM: only the records' `field` strings are kept (HN items carry much more).
    // The array's string elements, and the first `field` member of each object element.
    struct Handler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Handler> {
      Documents* docs;
      const std::string* field;
      bool in_place = true;   // strings stay where the parser leaves them
      int depth = 0;          // 1: inside the top-level array; 2: inside one of its objects
      bool wanted = false;    // the next value is the object's `field` member
      bool taken = false;     // this object's `field` member was seen
      bool Default() {
        wanted = false;
        return true;
      }
      bool String(const char* str, rapidjson::SizeType length, bool) {
        if (depth == 1 || (depth == 2 && wanted)) {
          if (in_place) {
            docs->texts.emplace_back(str, length);
          } else {
            docs->copies.emplace_back(str, length);
            docs->texts.emplace_back(docs->copies.back());
          }
        }
        wanted = false;
        return true;
      }
      bool Key(const char* str, rapidjson::SizeType length, bool) {
        if (depth == 2) {
          wanted = !taken && length == field->size() && std::memcmp(str, field->data(), length) == 0;
          taken = taken || wanted;
        }
        return true;
      }
      bool StartObject() {
        wanted = false;
        if (++depth == 2) taken = false;
        return true;
      }
      bool EndObject(rapidjson::SizeType) {
        --depth;
        return true;
      }
      bool StartArray() {
        wanted = false;
        ++depth;
        return true;
      }
      bool EndArray(rapidjson::SizeType) {
        --depth;
        return true;
      }
    } handler;
    handler.docs = &docs;
    handler.field = &field;
    std::string error;
    if (text.find('\0') == std::string_view::npos) {
      // In place: strings are not copied, and RapidJSON's SIMD string scanning applies (it
      // needs the NUL padding after the input).
      rapidjson::InsituStringStream stream(input);
      error = assetflow::ParseJsonSax<rapidjson::kParseInsituFlag>(stream, handler);
    } else {
      handler.in_place = false;  // the parser's strings live in its own buffer, briefly
      rapidjson::MemoryStream stream(input, size);  // NUL is an error there
      error = assetflow::ParseJsonSax(stream, handler);
    }
    if (!error.empty()) throw std::runtime_error("input is not valid JSON: " + error);
    return docs;
  }
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    docs.texts.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return docs;
}

PaddedInput padded_copy(std::string_view input) {
  PaddedInput p;
  p.bytes.reset(new char[input.size() + kInputPadding]);
  p.size = input.size();
  if (!input.empty()) std::memcpy(p.data(), input.data(), input.size());
  std::memset(p.data() + p.size, 0, kInputPadding);
  return p;
}

std::vector<std::string> documents_from_input(std::string_view input, const std::string& field) {
  PaddedInput copy = padded_copy(input);
  Documents docs = documents_in_place(copy.data(), copy.size, field);
  return std::vector<std::string>(docs.texts.begin(), docs.texts.end());
}

namespace {

// Bytes that stay put: string_views into an Arena are valid as long as it is. Counting keeps
// its tokens, keys and spellings here instead of one std::string (and often one allocation)
// each; the views are what the hash maps key on.
class Arena {
 public:
  std::string_view copy(std::string_view s) {
    char* p = reserve(s.size());
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }
  // Lower case (text.hpp's lowercase), ASCII in place.
  std::string_view lower(std::string_view s) {
    for (char c : s)
      if (static_cast<unsigned char>(c) >= 0x80) return copy(lowercase(s));
    char* p = reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) p[i] = (s[i] >= 'A' && s[i] <= 'Z') ? static_cast<char>(s[i] + 0x20) : s[i];
    return {p, s.size()};
  }

 private:
  char* reserve(std::size_t n) {
    if (n > left_) {
      std::size_t size = std::max<std::size_t>(n, std::size_t{1} << 16);
      chunks_.emplace_back(new char[size]);
      next_ = chunks_.back().get();
      left_ = size;
    }
    char* p = next_;
    next_ += n;
    left_ -= n;
    return p;
  }
  std::vector<std::unique_ptr<char[]>> chunks_;
  char* next_ = nullptr;
  std::size_t left_ = 0;
};

// An open-addressing hash index from string_views (whose bytes the caller keeps alive) to their
// insertion order: counting looks up every token and bigram, and short keys in one flat array
// beat a node per key. A slot is 8 bytes (a hash tag and the key's number; the keys themselves
// in insertion order beside it), so the table for a few thousand keys stays small. Sized up
// front; grows by doubling.
class StringIndex {
 public:
  explicit StringIndex(std::size_t expected) {
    std::size_t cap = 16;
    while (cap < 2 * expected) cap *= 2;
    slots_.assign(cap, Slot{});
    keys_.reserve(expected);
  }
  // The number of `key`, or -1.
  int find(std::string_view key) const {
    const uint64_t h = hash(key);
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (std::size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      const Slot& s = slots_[i];
      if (s.value < 0) return -1;
      if (s.tag == tag && keys_[s.value] == key) return s.value;
    }
  }
  // `key` must not be present yet. Returns its number: how many keys were inserted before it.
  int insert(std::string_view key) {
    if (2 * (keys_.size() + 1) > slots_.size()) grow();
    int value = static_cast<int>(keys_.size());
    keys_.push_back(key);
    place(hash(key), value);
    return value;
  }
  std::string_view key(int value) const { return keys_[value]; }

 private:
  struct Slot {
    uint32_t tag = 0;  // the hash's high half
    int value = -1;    // -1: empty
  };
  // FNV-1a (titles' words are a few bytes long), then MurmurHash3's finalizer so that the low
  // bits the table uses, and the tag, depend on every byte.
  static uint64_t hash(std::string_view key) {
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
  }
  void place(uint64_t h, int value) {
    std::size_t i = h & (slots_.size() - 1);
    while (slots_[i].value >= 0) i = (i + 1) & (slots_.size() - 1);
    slots_[i] = {static_cast<uint32_t>(h >> 32), value};
  }
  void grow() {
    slots_.assign(2 * slots_.size(), Slot{});
    for (std::size_t v = 0; v < keys_.size(); ++v) place(hash(keys_[v]), static_cast<int>(v));
  }
  std::vector<Slot> slots_;
  std::vector<std::string_view> keys_;
};

struct Token {
  std::string_view text;
  // Lower case, before the possessive was stripped: "let's" is a stopword, "let" is not.
  // Lower-casing keeps every code point's length (text.hpp), so the lower case of `text` is
  // the first text.size() bytes of it.
  std::string_view unstripped;
  // Punctuation other than spaces and hyphens precedes it ("Show HN: Foo" must not give the
  // bigram "HN Foo"), or it starts a document.
  bool break_before = false;
};

bool joins_words(char32_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xA0 || c == 0x2009 ||
         c == 0x202F || c == '-' || c == 0x2010 || c == 0x2011;
}

// Appends the document's tokens to `out`, their bytes in `arena`. The first one is marked
// break_before. `word` is scratch space.
void tokenize_into(std::string_view doc, Arena& arena, std::vector<Token>& out, std::string& word) {
  bool pending_break = true;
  std::size_t i = 0;
  // ASCII, nearly all of real titles, is classified inline; the rest goes through text.hpp.
  auto ascii_word_char = [](unsigned char b) { return unsigned((b | 0x20) - 'a') < 26u || unsigned(b - '0') < 10u; };
  while (i < doc.size()) {
    unsigned char b = static_cast<unsigned char>(doc[i]);
    if (b < 0x80 && !ascii_word_char(b)) {
      if (!(b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == '-')) pending_break = true;
      ++i;
      continue;
    }
    std::size_t start = i;
    char32_t c = decode_utf8(doc, i);
    if (!is_letter(c) && !is_digit(c)) {
      if (!joins_words(c)) pending_break = true;
      continue;
    }
    word.clear();
    i = start;
    for (std::size_t j = i; j < doc.size();) {
      unsigned char a = static_cast<unsigned char>(doc[j]);
      if (a < 0x80) {
        if (ascii_word_char(a)) {
          std::size_t k = j + 1;
          while (k < doc.size() && ascii_word_char(static_cast<unsigned char>(doc[k]))) ++k;
          word.append(doc.data() + j, k - j);
          i = j = k;
          continue;
        }
        if (a != '\'') break;
        word += '\'';
        i = ++j;
        continue;
      }
      std::size_t at = j;
      char32_t d = decode_utf8(doc, j);
      if (is_apostrophe(d)) {
        word += '\'';
      } else if (is_letter(d) || is_digit(d)) {
        word.append(doc.substr(at, j - at));
      } else {
        break;
      }
      i = j;
    }
    // "users'" -> "users"; "Google's" / "Google’s" -> "Google" (the reference left a stray "s"
    // for the curly form).
    while (!word.empty() && word.back() == '\'') word.pop_back();
    std::string_view unstripped = arena.lower(word);
    std::size_t n = word.size();
    if (n > 2 && word[n - 2] == '\'' && (word.back() | 0x20) == 's') {
      n -= 2;
      while (n > 0 && word[n - 1] == '\'') --n;
    }
    out.push_back({arena.copy(std::string_view(word).substr(0, n)), unstripped, pending_break});
    pending_break = false;
  }
}

bool all_digits(std::string_view s) {
  for (std::size_t i = 0; i < s.size();)
    if (!is_digit(decode_utf8(s, i))) return false;
  return true;
}

// Spellings of one word (case variants, plurals folded in), each with its count. Nearly every
// word has one spelling, kept inline; the others are a list in the Counter (64 bytes a group:
// a few thousand of them stay small).
struct Group {
  std::string_view spelling;  // the first one seen (its lower-case key is in Counter::index)
  int count = 0;              // of `spelling`
  int more = -1;              // the others, in order of first occurrence: Counter::more's index
  int total = 0;
  int remaining = 0;      // total less the bigrams it is part of (count_words)
  int folded_into = -1;   // index of the singular this plural was folded into
  std::size_t first = 0;  // token index of the first occurrence
};
struct Spelling {
  std::string_view text;
  int count;
  int next;  // -1: the last
};

// Groups keyed by lower-case text, in insertion order (for stable ties).
struct Counter {
  StringIndex index;
  std::vector<Group> groups;
  std::vector<Spelling> more;
  explicit Counter(std::size_t expected) : index(expected) { groups.reserve(expected); }
  int find(std::string_view key) const { return index.find(key); }
  // With `arena`, a new key or spelling is copied there; without, both must outlive the counter.
  void add(std::string_view spelling, std::string_view key, std::size_t position, Arena* arena) {
    int i = index.find(key);
    if (i < 0) {
      if (arena) key = arena->copy(key);
      i = index.insert(key);  // == groups.size()
      groups.emplace_back();
      groups.back().first = position;
    }
    add_spelling(groups[i], spelling, 1, arena);
  }
  // `s` must outlive the counter, unless `arena` is given to copy it if it is new.
  void add_spelling(Group& g, std::string_view s, int n, Arena* arena) {
    g.total += n;
    if (g.count == 0) {
      g.spelling = arena ? arena->copy(s) : s;
      g.count = n;
      return;
    }
    if (g.spelling == s) {
      g.count += n;
      return;
    }
    int* link = &g.more;
    for (; *link >= 0; link = &more[*link].next)
      if (more[*link].text == s) {
        more[*link].count += n;
        return;
      }
    *link = static_cast<int>(more.size());  // before the push_back: `link` may point into `more`
    more.push_back({arena ? arena->copy(s) : s, n, -1});
  }
  template <class F>
  void for_each_spelling(const Group& g, F&& f) const {
    f(g.spelling, g.count);
    for (int m = g.more; m >= 0; m = more[m].next) f(more[m].text, more[m].count);
  }
  // The most frequent spelling; the first seen on a tie.
  std::string_view display(const Group& g) const {
    std::string_view best = g.spelling;
    int best_count = g.count;
    for (int m = g.more; m >= 0; m = more[m].next)
      if (more[m].count > best_count) best = more[m].text, best_count = more[m].count;
    return best;
  }
};

// Words whose trailing s is not a plural although the shorter word exists ("news" / "new").
bool never_fold(std::string_view key) {
  static const std::string_view words[] = {"news",     "series",   "species",   "means",  "windows",  "physics",
                                           "economics", "politics", "always", "sometimes", "perhaps"};
  return std::find(std::begin(words), std::end(words), key) != std::end(words);
}

// Folds "apples" into "apple" when "apple" occurs too (never "class" into "clas"): the plural's
// group gets folded_into. A singular is never itself folded (it would end in "ss").
void fold_plurals(Counter& c) {
  for (std::size_t i = 0; i < c.groups.size(); ++i) {
    std::string_view key = c.index.key(static_cast<int>(i));
    if (key.size() < 2 || key.back() != 's' || key[key.size() - 2] == 's' || never_fold(key)) continue;
    int target = c.find(key.substr(0, key.size() - 1));
    if (target < 0) continue;
    Group& plural = c.groups[i];
    Group& singular = c.groups[target];
    c.for_each_spelling(plural, [&](std::string_view s, int n) { c.add_spelling(singular, s.substr(0, s.size() - 1), n, nullptr); });
    singular.first = std::min(singular.first, plural.first);
    plural.folded_into = target;
  }
}

// Dunning's log-likelihood ratio for a bigram (Manning & Schütze, p. 162), as the reference
// computes it.
double collocation_score(double c12, double c1, double c2, double n) {
  if (n <= c1 || n <= c2) return 0;
  auto l = [](double k, double nn, double x) {
    return k * std::log(std::max(x, 1e-10)) + (nn - k) * std::log(std::max(1 - x, 1e-10));
  };
  double p = c2 / n, p1 = c12 / c1, p2 = (c2 - c12) / (n - c1);
  return -2 * (l(c12, c1, p) + l(c2 - c12, n - c1, p) - l(c12, c1, p1) -
               l(c2 - c12, n - c1, p2));
}

}  // namespace

std::vector<std::string> tokenize(std::string_view document) {
  Arena arena;
  std::vector<Token> tokens;
  std::string word;
  tokenize_into(document, arena, tokens, word);
  std::vector<std::string> out;
  for (const Token& t : tokens) out.emplace_back(t.text);
  return out;
}

std::vector<WordCount> count_words(const std::vector<std::string>& documents,
                                   const TokenizeOptions& options) {
  return count_words(std::vector<std::string_view>(documents.begin(), documents.end()), options);
}

std::vector<WordCount> count_words(const std::vector<std::string_view>& documents,
                                   const TokenizeOptions& options) {
  Arena arena;
  StringIndex stop(options.stopwords.size());
  for (const auto& s : options.stopwords) {
    std::string k = lowercase(s);
    std::string norm;
    for (std::size_t i = 0; i < k.size();) {
      char32_t c = decode_utf8(k, i);
      append_utf8(norm, is_apostrophe(c) ? U'\'' : c);
    }
    if (stop.find(norm) < 0) stop.insert(arena.copy(norm));
  }

  // One thread: for a few thousand titles a helper thread costs more than it saves on a busy
  // machine (it has to be scheduled before the result is there). One document's tokens at a
  // time: bigrams never span documents, and the tokens' bytes stay in the arena.
  std::size_t bytes = 0;
  for (std::string_view d : documents) bytes += d.size();
  // Distinct keys, about (HN titles: a word's key per ~12 bytes, a bigram's per ~7).
  Counter unigrams(bytes / 10 + 16), bigrams(bytes / 7 + 16);
  std::vector<Token> tokens;
  std::string word, bigram, bigram_lower;  // scratch
  std::size_t position = 0;
  for (std::string_view d : documents) {
    tokens.clear();
    tokenize_into(d, arena, tokens, word);
    const Token* previous = nullptr;  // the last kept word, if nothing separates it from the next
    for (const Token& t : tokens) {
      ++position;
      if (t.break_before) previous = nullptr;
      bool stripped = t.text.size() != t.unstripped.size();
      std::string_view lower = t.unstripped.substr(0, t.text.size());
      if (t.text.empty() || stop.find(lower) >= 0 || (stripped && stop.find(t.unstripped) >= 0) ||
          (!options.include_numbers && all_digits(t.text))) {
        previous = nullptr;
        continue;
      }
      unigrams.add(t.text, lower, position, nullptr);
      if (previous && options.collocations) {
        bigram.assign(previous->text).append(1, ' ').append(t.text);
        bigram_lower.assign(previous->unstripped.substr(0, previous->text.size())).append(1, ' ').append(lower);
        bigrams.add(bigram, bigram_lower, position - 1, &arena);
      }
      previous = &t;
    }
  }
  if (options.normalize_plurals) {
    fold_plurals(unigrams);
    fold_plurals(bigrams);
  }
  // The group a word's key counts in: its own, or its singular's.
  auto standard = [&](std::string_view key) -> Group& {
    int i = unigrams.find(key);
    if (unigrams.groups[i].folded_into >= 0) i = unigrams.groups[i].folded_into;
    return unigrams.groups[i];
  };

  struct Entry {
    std::string_view text;
    int count;
    uint32_t order;  // of push_back: makes the sort below stable without a buffer
    std::size_t first;
  };
  std::vector<Entry> entries;
  entries.reserve(unigrams.groups.size() + 64);  // few bigrams are collocations
  double n = 0;
  for (Group& g : unigrams.groups) {
    g.remaining = g.total;
    if (g.folded_into < 0) n += g.total;
  }
  for (std::size_t i = 0; i < bigrams.groups.size(); ++i) {
    const Group& g = bigrams.groups[i];
    if (g.folded_into >= 0) continue;
    std::string_view key = bigrams.index.key(static_cast<int>(i));
    std::size_t space = key.find(' ');
    Group &g1 = standard(key.substr(0, space)), &g2 = standard(key.substr(space + 1));
    double c1 = g1.total, c2 = g2.total;
    if (collocation_score(g.total, c1, c2, n) > options.collocation_threshold) {
      g1.remaining -= g.total;
      g2.remaining -= g.total;
      entries.push_back({bigrams.display(g), g.total, static_cast<uint32_t>(entries.size()), g.first});
    }
  }
  for (const Group& g : unigrams.groups)
    if (g.folded_into < 0 && g.remaining > 0) entries.push_back({unigrams.display(g), g.remaining, static_cast<uint32_t>(entries.size()), g.first});
  // Stable: a bigram and its first word share a first position; bigrams were added first.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.count != b.count) return a.count > b.count;
    return a.first != b.first ? a.first < b.first : a.order < b.order;
  });
  std::vector<WordCount> out;
  out.reserve(entries.size());
  for (auto& e : entries) out.push_back({std::string(e.text), e.count});
  return out;
}

}  // namespace wordcloud
