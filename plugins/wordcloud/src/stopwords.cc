// Our built-in English stopword list: function words, pronouns, auxiliaries and their
// contractions, plus web noise (http, www, com). Lower case, ASCII apostrophes; the tokenizer
// maps ’ to ' and compares case-insensitively, so "Don’t" and "DON'T" both match "don't".
#include "tokenizer.hpp"

namespace wordcloud {

const std::vector<std::string>& builtin_stopwords() {
  static const std::vector<std::string> words = {
      // articles, determiners, quantifiers
      "a", "an", "the", "this", "that", "these", "those", "some", "any", "each", "every",
      "all", "both", "few", "more", "most", "other", "such", "no", "nor", "not", "only",
      "own", "same", "so", "than", "too", "very", "much", "many",
      // pronouns
      "i", "me", "my", "myself", "we", "us", "our", "ourselves", "you", "your",
      "yourself", "yourselves", "he", "him", "his", "himself", "she", "her",
      "herself", "it", "its", "itself", "they", "them", "their", "themselves",
      "what", "which", "who", "whom", "whose", "one",
      // auxiliaries and modals
      "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "having",
      "do", "does", "did", "doing", "can", "could", "will", "would", "shall", "should", "may",
      "might", "must",
      // prepositions and conjunctions
      "about", "above", "after", "again", "against", "at",
      "before", "below", "between", "by", "down", "during", "for", "from", "in",
      "into", "of", "off", "on", "out", "over", "through", "to", "per",
      "under", "until", "up", "via", "with", "within", "without", "and",
      "but", "or", "if", "because", "as", "while", "since", "though",
      "yet",
      // adverbs and question words
      "here", "there", "when", "where", "why", "how", "then", "once", "also", "just",
      "ever", "else", "now",
      // contractions
      "i'm", "i've", "i'd", "i'll", "you're", "you've", "you'd", "you'll", "he's", "he'd",
      "he'll", "she's", "she'd", "she'll", "it's", "we're", "we've", "we'd",
      "we'll", "they're", "they've", "they'd", "they'll", "that's", "there's", "here's",
      "what's", "who's", "let's", "isn't", "aren't",
      "wasn't", "weren't", "hasn't", "haven't", "hadn't", "doesn't", "don't", "didn't",
      "won't", "wouldn't", "shouldn't", "can't", "couldn't",
      // web noise
      "http", "https", "www", "com",
  };
  return words;
}

}  // namespace wordcloud
