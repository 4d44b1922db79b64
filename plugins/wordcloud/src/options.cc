#include "options.hpp"

#include <rapidjson/document.h>

#include <stdexcept>

#include "colormap.hpp"
#include "occupancy.hpp"

namespace wordcloud {

namespace {

using Json = rapidjson::Value;

[[noreturn]] void bad(const char* key, const std::string& what) {
  throw std::invalid_argument(std::string("config '") + key + "' " + what);
}

const Json* member(const Json& o, const char* key) {
  auto it = o.FindMember(key);
  return it == o.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

void read(const Json& o, const char* key, int& out, int lo, int hi) {
  if (const Json* v = member(o, key)) {
    if (!v->IsInt64() || v->GetInt64() < lo || v->GetInt64() > hi)
      bad(key, "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    out = static_cast<int>(v->GetInt64());
  }
}
void read(const Json& o, const char* key, int64_t& out) {
  if (const Json* v = member(o, key)) {
    if (!v->IsInt64()) bad(key, "must be an integer");
    out = v->GetInt64();
  }
}
void read(const Json& o, const char* key, double& out, double lo, double hi) {
  if (const Json* v = member(o, key)) {
    if (!v->IsNumber() || v->GetDouble() < lo || v->GetDouble() > hi)
      bad(key, "must be a number from " + std::to_string(lo) + " to " + std::to_string(hi));
    out = v->GetDouble();
  }
}
void read(const Json& o, const char* key, bool& out) {
  if (const Json* v = member(o, key)) {
    if (!v->IsBool()) bad(key, "must be true or false");
    out = v->GetBool();
  }
}
void read(const Json& o, const char* key, std::string& out) {
  if (const Json* v = member(o, key)) {
    if (!v->IsString()) bad(key, "must be a string");
    out.assign(v->GetString(), v->GetStringLength());
  }
}
void read(const Json& o, const char* key, std::vector<std::string>& out) {
  if (const Json* v = member(o, key)) {
    if (!v->IsArray()) bad(key, "must be an array of strings");
    out.clear();
    for (const Json& s : v->GetArray()) {
      if (!s.IsString()) bad(key, "must be an array of strings");
      out.emplace_back(s.GetString(), s.GetStringLength());
    }
  }
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }
std::string number(double d) {
  std::string s = std::to_string(d);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

Options parse_options(const std::string& config_json) {
  rapidjson::Document d;
  // With the length: RapidJSON's SSE2 scan of a NUL-terminated string loads aligned 16-byte
  // blocks past the NUL, outside the string's allocation (ASan, test.sh's sanitizer stage).
  d.Parse(config_json.c_str(), config_json.size());
  if (d.HasParseError() || !d.IsObject()) throw std::invalid_argument("config is not a JSON object");
  Options o;
  const int side = Occupancy::kMaxSide;
  read(d, "field", o.field);
  read(d, "font", o.font);
  read(d, "width", o.width, 1, side);
  read(d, "height", o.height, 1, side);
  read(d, "max_words", o.max_words, 1, 1000000);
  if (member(d, "stopwords")) {
    o.stopwords.emplace();
    read(d, "stopwords", *o.stopwords);
  }
  read(d, "extra_stopwords", o.extra_stopwords);
  read(d, "min_font_size", o.min_font_size, 1, side);
  read(d, "max_font_size", o.max_font_size, 0, side);
  read(d, "prefer_horizontal", o.prefer_horizontal, 0, 1);
  read(d, "relative_scaling", o.relative_scaling, 0, 1);
  read(d, "margin", o.margin, 0, 1000);
  read(d, "background", o.background);
  read(d, "colormap", o.colormap);
  read(d, "collocations", o.collocations);
  read(d, "collocation_threshold", o.collocation_threshold, 0, 1e9);
  read(d, "normalize_plurals", o.normalize_plurals);
  read(d, "include_numbers", o.include_numbers);
  read(d, "seed", o.seed);
  try {
    parse_color(o.background);
  } catch (const std::invalid_argument& e) {
    bad("background", e.what());
  }
  try {
    check_colormap(o.colormap);
  } catch (const std::invalid_argument& e) {
    bad("colormap", e.what());
  }
  if (o.max_font_size > 0 && o.max_font_size < o.min_font_size)
    bad("max_font_size", "must be at least min_font_size");
  return o;
}

std::string options_schema() {
  const Options d;
  const std::string side = std::to_string(Occupancy::kMaxSide);
  auto integer = [](const char* name, int def, const std::string& lo, const std::string& hi, const char* about) {
    return std::string("\"") + name + "\":{\"type\":\"integer\",\"minimum\":" + lo + ",\"maximum\":" + hi +
           ",\"default\":" + std::to_string(def) + ",\"description\":\"" + about + "\"}";
  };
  auto num = [](const char* name, double def, const char* about) {
    return std::string("\"") + name + "\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1,\"default\":" + number(def) +
           ",\"description\":\"" + about + "\"}";
  };
  auto boolean = [](const char* name, bool def, const char* about) {
    return std::string("\"") + name + "\":{\"type\":\"boolean\",\"default\":" + (def ? "true" : "false") +
           ",\"description\":\"" + about + "\"}";
  };
  auto string = [](const char* name, const std::string& def, const char* about) {
    return std::string("\"") + name + "\":{\"type\":\"string\",\"default\":" + quoted(def) +
           ",\"description\":\"" + about + "\"}";
  };
  const std::string strings = "{\"type\":\"array\",\"items\":{\"type\":\"string\"}";
  return "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{" +
         string("field", d.field, "member holding the text when the input is a JSON array of records") + "," +
         "\"font\":{\"type\":\"string\",\"description\":\"font file (TrueType/OpenType); default DejaVu Sans\"}," +
         integer("width", d.width, "1", side, "image width in pixels") + "," +
         integer("height", d.height, "1", side, "image height in pixels") + "," +
         integer("max_words", d.max_words, "1", "1000000", "most frequent words considered") + "," +
         "\"stopwords\":" + strings + ",\"description\":\"replaces the built-in English stopword list\"}," +
         "\"extra_stopwords\":" + strings + ",\"default\":[],\"description\":\"added to the stopword list\"}," +
         integer("min_font_size", d.min_font_size, "1", side, "words that do not fit at this size are dropped") + "," +
         integer("max_font_size", d.max_font_size, "0", side, "size of the top word; 0 = estimated") + "," +
         num("prefer_horizontal", d.prefer_horizontal, "share of words tried horizontally first") + "," +
         num("relative_scaling", d.relative_scaling, "0: size by rank only, 1: size proportional to count") + "," +
         integer("margin", d.margin, "0", "1000", "minimum clearance in pixels between words") + "," +
         string("background", d.background, "#rrggbb, #rgb or a colour name") + "," +
         string("colormap", d.colormap, "word colours: viridis or gray") + "," +
         boolean("collocations", d.collocations, "show frequent two-word phrases as one entry") + "," +
         "\"collocation_threshold\":{\"type\":\"number\",\"minimum\":0,\"default\":" + number(d.collocation_threshold) +
         ",\"description\":\"Dunning log-likelihood a bigram needs\"}," +
         boolean("normalize_plurals", d.normalize_plurals, "fold 'apples' into 'apple' when both occur") + "," +
         boolean("include_numbers", d.include_numbers, "keep tokens made only of digits") + "," +
         "\"seed\":{\"type\":\"integer\",\"default\":" + std::to_string(d.seed) +
         ",\"description\":\"random seed: same input, config and seed give the same PNG\"}" + "}}";
}

}  // namespace wordcloud
