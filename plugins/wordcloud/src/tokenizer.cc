#include "tokenizer.hpp"
#include "parallel.hpp"

#include <assetflow/cpp/json.hpp>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <system_error>
#include <thread>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "text.hpp"

namespace wordcloud {

std::vector<std::string> documents_from_input(std::string_view input, const std::string& field) {
  std::size_t first = input.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  std::vector<std::string> docs;
  if (first != std::string_view::npos && input[first] == '[') {
    // SAX, not a DOM: only the records' `field` strings are kept (HN items carry much more).
    // The array's string elements, and the first `field` member of each object element.
    struct Handler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Handler> {
      std::vector<std::string>* docs;
      const std::string* field;
      int depth = 0;          // 1: inside the top-level array; 2: inside one of its objects
      bool wanted = false;    // the next value is the object's `field` member
      bool taken = false;     // this object's `field` member was seen
      bool Default() {
        wanted = false;
        return true;
      }
      bool String(const char* str, rapidjson::SizeType length, bool) {
        if (depth == 1 || (depth == 2 && wanted)) docs->emplace_back(str, length);
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
    if (input.find('\0') == std::string_view::npos) {
      // In place in a NUL-terminated copy: strings are not copied again, and RapidJSON's SIMD
      // string scanning applies. That scanning loads whole aligned 16-byte blocks, so the block
      // holding the NUL may extend up to 15 bytes past it: the copy is padded with NULs to keep
      // those loads inside the allocation (ASan's heap-buffer-overflow, found by
      // fuzz/wordcloud_input).
      std::string copy(input.size() + 16, '\0');
      std::memcpy(copy.data(), input.data(), input.size());
      rapidjson::InsituStringStream stream(copy.data());
      error = assetflow::ParseJsonSax<rapidjson::kParseInsituFlag>(stream, handler);
    } else {
      rapidjson::MemoryStream stream(input.data(), input.size());  // NUL is an error there
      error = assetflow::ParseJsonSax(stream, handler);
    }
    if (!error.empty()) throw std::runtime_error("input is not valid JSON: " + error);
    return docs;
  }
  std::size_t pos = 0;
  while (pos < input.size()) {
    std::size_t end = input.find('\n', pos);
    if (end == std::string_view::npos) end = input.size();
    docs.emplace_back(input.substr(pos, end - pos));
    pos = end + 1;
  }
  return docs;
}

namespace {

struct Token {
  std::string text;
  // Lower case, before the possessive was stripped: "let's" is a stopword, "let" is not.
  std::string unstripped;
  // Punctuation other than spaces and hyphens precedes it: "Show HN: Foo" must not give the
  // bigram "HN Foo".
  bool break_before = false;
};

bool joins_words(char32_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xA0 || c == 0x2009 ||
         c == 0x202F || c == '-' || c == 0x2010 || c == 0x2011;
}

std::vector<Token> tokenize_with_breaks(std::string_view doc) {
  std::vector<Token> out;
  bool pending_break = false;
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
    std::string word;
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
    std::string unstripped = lowercase(word);
    if (word.size() > 2 && word[word.size() - 2] == '\'' && (word.back() | 0x20) == 's') {
      word.resize(word.size() - 2);
      while (!word.empty() && word.back() == '\'') word.pop_back();
    }
    out.push_back({std::move(word), std::move(unstripped), pending_break});
    pending_break = false;
  }
  return out;
}

bool all_digits(const std::string& s) {
  for (std::size_t i = 0; i < s.size();)
    if (!is_digit(decode_utf8(s, i))) return false;
  return true;
}

// Spellings of one word (case variants, plurals folded in), each with its count.
struct Group {
  std::vector<std::pair<std::string, int>> spellings;  // in order of first occurrence
  int total = 0;
  int remaining = 0;      // total less the bigrams it is part of (count_words)
  std::size_t first = 0;  // token index of the first occurrence
  void add(const std::string& spelling, int n) {
    total += n;
    for (auto& s : spellings)
      if (s.first == spelling) {
        s.second += n;
        return;
      }
    spellings.emplace_back(spelling, n);
  }
  // The most frequent spelling; the first seen on a tie.
  const std::string& display() const {
    const std::pair<std::string, int>* best = &spellings.front();
    for (auto& s : spellings)
      if (s.second > best->second) best = &s;
    return best->first;
  }
};

// Groups keyed by lower-case text, remembering insertion order for stable ties.
struct Counter {
  std::unordered_map<std::string, Group> groups;
  std::vector<std::string> order;
  void add(const std::string& spelling, const std::string& key, std::size_t position) {
    auto [it, fresh] = groups.try_emplace(key);
    if (fresh) {
      it->second.first = position;
      order.push_back(key);
    }
    it->second.add(spelling, 1);
  }
};

// Words whose trailing s is not a plural although the shorter word exists ("news" / "new").
bool never_fold(const std::string& key) {
  static const std::unordered_set<std::string> words = {
      "news", "series", "species", "means", "windows", "physics", "economics", "politics",
      "always", "sometimes", "perhaps"};
  return words.count(key) != 0;
}

// Folds "apples" into "apple" when "apple" occurs too (never "class" into "clas"). Returns the
// map from each folded key to its singular.
std::unordered_map<std::string, std::string> fold_plurals(Counter& c) {
  std::unordered_map<std::string, std::string> folded;
  for (const std::string& key : c.order) {
    if (key.size() < 2 || key.back() != 's' || key[key.size() - 2] == 's' || never_fold(key))
      continue;
    std::string singular = key.substr(0, key.size() - 1);
    auto target = c.groups.find(singular);
    if (target == c.groups.end()) continue;
    Group& plural = c.groups.at(key);
    for (auto& [spelling, n] : plural.spellings)
      target->second.add(spelling.substr(0, spelling.size() - 1), n);
    target->second.first = std::min(target->second.first, plural.first);
    folded.emplace(key, singular);
  }
  for (auto& [plural, singular] : folded) c.groups.erase(plural);
  c.order.erase(std::remove_if(c.order.begin(), c.order.end(),
                               [&](const std::string& k) { return folded.count(k) != 0; }),
                c.order.end());
  return folded;
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
  std::vector<std::string> out;
  for (auto& t : tokenize_with_breaks(document)) out.push_back(std::move(t.text));
  return out;
}

std::vector<WordCount> count_words(const std::vector<std::string>& documents,
                                   const TokenizeOptions& options) {
  std::unordered_set<std::string> stop;
  for (const auto& s : options.stopwords) {
    std::string k = lowercase(s);
    std::string norm;
    for (std::size_t i = 0; i < k.size();) {
      char32_t c = decode_utf8(k, i);
      append_utf8(norm, is_apostrophe(c) ? U'\'' : c);
    }
    stop.insert(std::move(norm));
  }

  Counter unigrams, bigrams;
  std::size_t position = 0;
  // Tokenizing is per document and pure, so the two halves of the documents are tokenized on
  // two threads; counting then walks them in order, as before.
  std::vector<std::vector<Token>> tokenized(documents.size());
  auto tokenize_range = [&](std::size_t begin, std::size_t end) {
    for (std::size_t d = begin; d < end; ++d) tokenized[d] = tokenize_with_breaks(documents[d]);
  };
  std::size_t half = documents.size() >= 64 ? documents.size() / 2 : 0;
  if (half > 0) {
    run_both([&] { tokenize_range(0, half); }, [&] { tokenize_range(half, documents.size()); });
  } else {
    tokenize_range(0, documents.size());
  }
  for (std::vector<Token>& doc_tokens : tokenized) {
    // The last kept word and its lower case, if nothing separates it from the next token.
    const std::string* previous = nullptr;
    std::string previous_lower, lower;
    for (Token& t : doc_tokens) {
      ++position;
      if (t.break_before) previous = nullptr;
      bool stripped = t.text.size() != t.unstripped.size();  // else text is unstripped, cased
      lower = stripped ? lowercase(t.text) : t.unstripped;
      if (t.text.empty() || stop.count(lower) || (stripped && stop.count(t.unstripped)) ||
          (!options.include_numbers && all_digits(t.text))) {
        previous = nullptr;
        continue;
      }
      unigrams.add(t.text, lower, position);
      if (previous && options.collocations)
        bigrams.add(*previous + " " + t.text, previous_lower + " " + lower, position - 1);
      previous = &t.text;
      previous_lower.swap(lower);
    }
  }
  std::unordered_map<std::string, std::string> folded;
  if (options.normalize_plurals) {
    folded = fold_plurals(unigrams);
    fold_plurals(bigrams);
  }
  auto standard = [&](const std::string& lower) -> std::string {
    auto it = folded.find(lower);
    return it == folded.end() ? lower : it->second;
  };

  struct Entry {
    std::string text;
    int count;
    std::size_t first;
  };
  std::vector<Entry> entries;
  double n = 0;
  for (auto& [key, g] : unigrams.groups) {
    g.remaining = g.total;
    n += g.total;
  }
  for (const std::string& key : bigrams.order) {
    const Group& g = bigrams.groups.at(key);
    std::size_t space = key.find(' ');
    std::string w1 = standard(key.substr(0, space)), w2 = standard(key.substr(space + 1));
    Group &g1 = unigrams.groups.at(w1), &g2 = unigrams.groups.at(w2);
    double c1 = g1.total, c2 = g2.total;
    if (collocation_score(g.total, c1, c2, n) > options.collocation_threshold) {
      g1.remaining -= g.total;
      g2.remaining -= g.total;
      entries.push_back({g.display(), g.total, g.first});
    }
  }
  for (const std::string& key : unigrams.order) {
    const Group& g = unigrams.groups.at(key);
    if (g.remaining > 0) entries.push_back({g.display(), g.remaining, g.first});
  }
  // Stable: a bigram and its first word share a first position; bigrams were added first.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.count != b.count ? a.count > b.count : a.first < b.first;
  });
  std::vector<WordCount> out;
  out.reserve(entries.size());
  for (auto& e : entries) out.push_back({std::move(e.text), e.count});
  return out;
}

}  // namespace wordcloud
