#include "hn_items.h"

#include <cctype>

#include <assetflow/cpp/json.hpp>
#include <assetflow/cpp/plugin.hpp>
#include <assetflow/cpp/utf8.hpp>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string_view>

namespace hackernews {
namespace {

using assetflow::FatalError;

const char* kind_of(const rapidjson::Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "a boolean";
    case rapidjson::kObjectType: return "an object";
    case rapidjson::kArrayType: return "an array";
    case rapidjson::kStringType: return "a string";
    default: return "a number";
  }
}

[[noreturn]] void bad(const std::string& url, const std::string& what) {
  throw FatalError("GET " + url + ": " + what);
}

rapidjson::Document parse_json(const std::string& url, const std::string& body) {
  rapidjson::Document d;
  std::string error;
  if (!assetflow::ParseJson(d, body, &error)) {
    std::string head = body.substr(0, 40);
    for (char& c : head)
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    bad(url, "response is not JSON (" + error + "; body starts '" + head + "')");
  }
  return d;
}

std::string field_error(const char* key, const rapidjson::Value& v, const char* expected) {
  return std::string("field '") + key + "' is " + kind_of(v) + ", expected " + expected;
}

// Typed field getters: absent or null -> empty; any other type is the server's error.
std::optional<std::string> opt_string(const std::string& url, const rapidjson::Value& item,
                                      const char* key) {
  auto it = item.FindMember(key);
  if (it == item.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (!it->value.IsString()) bad(url, field_error(key, it->value, "a string"));
  // RapidJSON does not validate UTF-8 by default: a server's bad bytes would make the stored
  // rows invalid JSON. They become U+FFFD, so one broken title costs one character, not the run.
  return assetflow::valid_utf8(std::string_view(it->value.GetString(), it->value.GetStringLength()));
}
std::optional<int64_t> opt_int(const std::string& url, const rapidjson::Value& item,
                               const char* key) {
  auto it = item.FindMember(key);
  if (it == item.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (!it->value.IsInt64()) bad(url, field_error(key, it->value, "an integer"));
  return it->value.GetInt64();
}
bool flag(const std::string& url, const rapidjson::Value& item, const char* key) {
  auto it = item.FindMember(key);
  if (it == item.MemberEnd() || it->value.IsNull()) return false;
  if (!it->value.IsBool()) bad(url, field_error(key, it->value, "a boolean"));
  return it->value.GetBool();
}

// Escapes what markdown would otherwise read as markup inside link text.
// Text for one line of markdown: its syntax characters escaped, line breaks (which would end
// the list item) as spaces.
std::string md_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    if (std::string_view("\\`*_[]<>#|").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// A link destination for `(<...>)`: only http and https (a story's url comes from the server,
// and `javascript:` is no link for a reader), with what would end the destination or the line
// (`<`, `>`, backslash, spaces, control bytes) percent-encoded.
std::string md_link(const std::string& url) {
  auto scheme_is = [&](std::string_view scheme) {
    if (url.size() < scheme.size()) return false;
    for (std::size_t i = 0; i < scheme.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i]) return false;
    return true;
  };
  if (!scheme_is("http://") && !scheme_is("https://")) return "";
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : url) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '\\') {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace

const char* skip_name(Skip s) {
  switch (s) {
    case Skip::null_item: return "null";
    case Skip::deleted: return "deleted";
    case Skip::dead: return "dead";
    case Skip::no_title: return "no_title";
    default: return "none";
  }
}

std::string api_url(const std::string& base_url, const std::string& path) {
  const std::size_t query = base_url.find_first_of("?#");
  std::string root = base_url.substr(0, query);
  while (!root.empty() && root.back() == '/') root.pop_back();
  std::string url = root + path;
  if (query != std::string::npos && base_url[query] == '?') {
    url += base_url.substr(query, base_url.find('#', query) - query);
  }
  return url;
}

std::vector<int64_t> parse_ranking(const std::string& url, const std::string& body) {
  rapidjson::Document d = parse_json(url, body);
  if (!d.IsArray()) bad(url, std::string("expected a JSON array of item ids, got ") + kind_of(d));
  std::vector<int64_t> ids;
  ids.reserve(d.Size());
  for (rapidjson::SizeType i = 0; i < d.Size(); ++i) {
    if (!d[i].IsInt64() || d[i].GetInt64() <= 0)
      bad(url, "element " + std::to_string(i) + " is " + kind_of(d[i]) +
                   ", expected a positive integer id");
    ids.push_back(d[i].GetInt64());
  }
  return ids;
}

Verdict parse_item(const std::string& url, int64_t id, int rank, const std::string& body) {
  rapidjson::Document d = parse_json(url, body);
  Verdict v;
  if (d.IsNull()) {
    v.skip = Skip::null_item;
    return v;
  }
  if (!d.IsObject()) bad(url, std::string("expected an item object or null, got ") + kind_of(d));
  std::optional<int64_t> got = opt_int(url, d, "id");
  if (got && *got != id)
    bad(url, "answered item " + std::to_string(*got) + " instead of " + std::to_string(id));
  Story& s = v.story;
  s.rank = rank;
  s.id = id;
  s.title = opt_string(url, d, "title").value_or("");
  s.by = opt_string(url, d, "by");
  s.type = opt_string(url, d, "type");
  s.url = opt_string(url, d, "url");
  if (s.url && s.url->empty()) s.url.reset();  // jobs carry "url": "" for "no link"
  s.score = opt_int(url, d, "score");
  s.time = opt_int(url, d, "time");
  s.descendants = opt_int(url, d, "descendants");
  if (flag(url, d, "deleted")) v.skip = Skip::deleted;
  else if (flag(url, d, "dead")) v.skip = Skip::dead;
  else if (s.title.empty()) v.skip = Skip::no_title;
  return v;
}

std::string stories_json(const std::vector<Story>& stories) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  auto str = [&](const std::optional<std::string>& s) {
    s ? w.String(s->data(), static_cast<rapidjson::SizeType>(s->size())) : w.Null();
  };
  auto num = [&](const std::optional<int64_t>& n) { n ? w.Int64(*n) : w.Null(); };
  std::string out = "[";
  for (std::size_t i = 0; i < stories.size(); ++i) {
    const Story& s = stories[i];
    b.Clear();
    w.Reset(b);
    w.StartObject();
    w.Key("rank");
    w.Int(s.rank);
    w.Key("id");
    w.Int64(s.id);
    w.Key("title");
    w.String(s.title.data(), static_cast<rapidjson::SizeType>(s.title.size()));
    w.Key("by");
    str(s.by);
    w.Key("score");
    num(s.score);
    w.Key("time");
    num(s.time);
    w.Key("descendants");
    num(s.descendants);
    w.Key("type");
    str(s.type);
    w.Key("url");
    str(s.url);
    w.EndObject();
    out += i ? ",\n" : "\n";
    out.append(b.GetString(), b.GetSize());
  }
  return out + "\n]\n";
}

std::string markdown_preview(const std::vector<Story>& stories, std::size_t n) {
  std::string md;
  for (std::size_t i = 0; i < stories.size() && i < n; ++i) {
    const Story& s = stories[i];
    std::string link = s.url ? md_link(*s.url) : "";
    if (link.empty()) link = "https://news.ycombinator.com/item?id=" + std::to_string(s.id);
    md += std::to_string(i + 1) + ". [" + md_escape(s.title) + "](<" + link + ">)";
    if (s.score) md += " · " + std::to_string(*s.score) + " points";
    if (s.by) md += " by " + md_escape(*s.by);
    md += "\n";
  }
  return md.empty() ? "_no stories_\n" : md;
}

}  // namespace hackernews
