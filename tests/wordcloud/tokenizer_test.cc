// Tokenizing and counting: golden cases for what real titles contain.
#include <doctest/doctest.h>

#include <map>
#include <stdexcept>

#include "tokenizer.hpp"

namespace {

using wordcloud::count_words;
using wordcloud::TokenizeOptions;
using wordcloud::tokenize;
using wordcloud::WordCount;
using Strings = std::vector<std::string>;

TokenizeOptions defaults() {
  TokenizeOptions o;
  o.stopwords = wordcloud::builtin_stopwords();
  return o;
}

// Counts as an ordered list of "text:count", the order count_words returns.
Strings counted(const Strings& docs, const TokenizeOptions& o = defaults()) {
  Strings out;
  for (const WordCount& w : count_words(docs, o)) out.push_back(w.text + ":" + std::to_string(w.count));
  return out;
}

TEST_CASE("apostrophes: curly and straight are the same, possessive 's is dropped") {
  CHECK(tokenize("Google’s new API") == Strings{"Google", "new", "API"});
  CHECK(tokenize("Google's new API") == Strings{"Google", "new", "API"});
  CHECK(tokenize("GOOGLE'S") == Strings{"GOOGLE"});
  CHECK(tokenize("users’ rights") == Strings{"users", "rights"});
  CHECK(tokenize("‘This game’") == Strings{"This", "game"});
  CHECK(tokenize("isn’t rock’n’roll") == Strings{"isn't", "rock'n'roll"});
  // The reference turned "Supporter’s" into "Supporter" and a stray "s"; we count one word.
  CHECK(counted({"Mystery GPS Tracker on a Supporter’s Car", "Supporter's view"}) ==
        Strings{"Supporter:2", "Mystery:1", "GPS:1", "Tracker:1", "Car:1", "view:1"});
}

TEST_CASE("contractions are stopwords whichever apostrophe they use") {
  CHECK(counted({"Don’t panic", "don't PANIC", "Let’s go", "It’s here", "it's fine"}) ==
        Strings{"panic:2", "go:1", "fine:1"});
}

TEST_CASE("stopwords are case-insensitive, extra ones too") {
  CHECK(counted({"The THE the Cat"}) == Strings{"Cat:1"});
  TokenizeOptions o = defaults();
  o.stopwords.push_back("CAT");
  CHECK(counted({"The cat and the Dog"}, o) == Strings{"Dog:1"});
}

TEST_CASE("numbers are dropped by default, words with digits are kept") {
  CHECK(counted({"Windows 11 and M1 in 2022 with 5G, 4.0"}) == Strings{"Windows:1", "M1:1", "5G:1"});
  TokenizeOptions o = defaults();
  o.include_numbers = true;
  CHECK(counted({"Windows 11 and M1 in 2022"}, o) == Strings{"Windows:1", "11:1", "M1:1", "2022:1"});
}

TEST_CASE("Unicode letters stay words: é ü Ж 中文") {
  CHECK(tokenize("Café über Жизнь 中文 naïve—test") ==
        Strings{"Café", "über", "Жизнь", "中文", "naïve", "test"});
  // Case folding works beyond ASCII: CAFÉ, Café and café are one word.
  CHECK(counted({"Café", "café", "CAFÉ Жизнь", "жизнь"}) == Strings{"Café:3", "Жизнь:2"});
  // Emoji and symbols are separators, not letters.
  CHECK(tokenize("rocket🚀launch €5") == Strings{"rocket", "launch", "5"});
}

TEST_CASE("plurals fold into the singular only when the singular occurs") {
  CHECK(counted({"apple pie", "Apples are red", "apples"}) == Strings{"apple:3", "pie:1", "red:1"});
  CHECK(counted({"cars are fast"}) == Strings{"cars:1", "fast:1"});
  CHECK(counted({"class", "clas"}) == Strings{"class:1", "clas:1"});  // never "ss"
  TokenizeOptions o = defaults();
  o.normalize_plurals = false;
  CHECK(counted({"apple pie", "apples"}, o) == Strings{"apple:1", "pie:1", "apples:1"});
}

TEST_CASE("the most frequent capitalization is shown, the first on a tie") {
  CHECK(counted({"github", "GitHub", "GitHub", "GITHUB"}) == Strings{"GitHub:4"});
  CHECK(counted({"rust", "Rust"}) == Strings{"rust:2"});
}

TEST_CASE("one title vs many: ties keep the order of first occurrence") {
  CHECK(counted({"Rust is fast"}) == Strings{"Rust:1", "fast:1"});
  CHECK(counted({"Rust is fast", "Go is fast", "Zig"}) == Strings{"fast:2", "Rust:1", "Go:1", "Zig:1"});
}

Strings show_hn_titles() {
  Strings docs;
  const char* things[] = {"compiler", "database", "editor", "game", "parser", "shell", "kernel", "browser",
                          "terminal", "debugger", "emulator", "profiler"};
  for (const char* t : things) docs.push_back(std::string("Show HN: A tiny ") + t);
  for (const char* t : things) docs.push_back(std::string("Why ") + t + " design matters");
  return docs;
}

TEST_CASE("collocations: Dunning log-likelihood above 30 makes a bigram, discounting its words") {
  Strings result = counted(show_hn_titles());
  CHECK(result[0] == "Show HN:12");
  // "tiny" follows "HN:" after a colon: no "HN tiny" bigram; "Show" and "HN" are used up.
  for (const std::string& w : result) {
    CHECK(w.rfind("HN tiny", 0) != 0);
    CHECK(w.rfind("Show:", 0) != 0);
    CHECK(w.rfind("HN:", 0) != 0);
  }
  TokenizeOptions o = defaults();
  o.collocations = false;
  CHECK(counted(show_hn_titles(), o)[0] == "Show:12");
}

TEST_CASE("collocations never span two titles, stopwords or punctuation") {
  Strings docs;
  for (int i = 0; i < 15; ++i) {
    docs.push_back("news alpha");
    docs.push_back("beta report");
  }
  for (const std::string& w : counted(docs)) CHECK(w.find("alpha beta") == std::string::npos);
  CHECK(counted(docs)[0] == "news alpha:15");
  // The same words inside one title do make a bigram.
  Strings joined(15, "alpha beta");
  CHECK(counted(joined) == Strings{"alpha beta:15"});
  // Not across a stopword or sentence punctuation.
  CHECK(counted(Strings(15, "alpha of beta")) == Strings{"alpha:15", "beta:15"});
  CHECK(counted(Strings(15, "alpha: beta")) == Strings{"alpha:15", "beta:15"});
  // Hyphens join: "open-source" is the bigram "open source".
  CHECK(counted(Strings(15, "open-source")) == Strings{"open source:15"});
}

TEST_CASE("documents: JSON records, strings, a custom field, plain text lines") {
  using wordcloud::documents_from_input;
  CHECK(documents_from_input(R"([{"title":"a b"},{"id":1},"c d",{"title":7},null,{"title":"e"}])", "title") ==
        Strings{"a b", "c d", "e"});
  CHECK(documents_from_input(R"([{"text":"x"},{"title":"y"}])", "text") == Strings{"x"});
  CHECK(documents_from_input("one\ntwo words\n", "title") == Strings{"one", "two words"});
  CHECK_THROWS_AS(documents_from_input("  \n[not json", "title"), std::runtime_error);
}

// fuzz/wordcloud_input's first crash: RapidJSON's SSE2 scan of the last string read past the end
// of the unpadded in-place copy (a heap-buffer-overflow under test.sh's ASan build).
TEST_CASE("documents: the in-place JSON parse stays inside its buffer") {
  using wordcloud::documents_from_input;
  CHECK(documents_from_input(R"([1,null,"a b",{"title":7},{"title":"x y"},[]])", "title") ==
        Strings{"a b", "x y"});
  // Every length around the 16-byte blocks, the last string ending at the input's end.
  for (std::size_t n = 0; n < 40; ++n) {
    std::string word(n, 'w');
    CHECK(documents_from_input("[\"" + word + "\"]", "title") == Strings{word});
  }
}

TEST_CASE("documents: an upstream nested a million deep is an error, not a stack overflow") {
  using wordcloud::documents_from_input;
  std::string objects = "[";
  for (int i = 0; i < 100000; ++i) objects += "{\"title\":";
  for (const std::string& deep : {std::string(1000000, '['), objects}) {
    try {
      documents_from_input(deep, "title");
      FAIL("no error");
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()).rfind("input is not valid JSON: nested deeper than 256 levels at offset ", 0) == 0);
    }
  }
  // Nesting below the limit still reads (the records are at depth 2).
  CHECK(documents_from_input("[" + std::string(200, '[') + std::string(200, ']') + ",{\"title\":\"x\"}]", "title") ==
        Strings{"x"});
}

}  // namespace
