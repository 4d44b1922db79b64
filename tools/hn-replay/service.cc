#include "service.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace hn_replay {

const char kJson[] = "application/json; charset=utf-8";

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "hn-replay: %s\n", why.c_str());
  std::exit(1);
}

namespace {

rapidjson::Document read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  if (d.HasParseError()) die(path + " is not JSON");
  return d;
}

std::string to_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return std::string(b.GetString(), b.GetSize());
}

}  // namespace

RecordedSet load_set(const Options& o) {
  RecordedSet set;
  rapidjson::Document top = read_json(o.data_dir + "/topstories.json");
  if (!top.IsArray()) die(o.data_dir + "/topstories.json is not an array");
  for (auto& id : top.GetArray()) {
    if (!id.IsInt64()) die(o.data_dir + "/topstories.json holds a non-integer id");
    set.ranking.push_back(id.GetInt64());
  }
  rapidjson::Document items = read_json(o.data_dir + "/items.json");
  if (!items.IsArray()) die(o.data_dir + "/items.json is not an array");
  int64_t max_id = 0;
  for (auto& it : items.GetArray()) {
    if (!it.IsObject() || !it.HasMember("id") || !it["id"].IsInt64())
      die(o.data_dir + "/items.json holds an item without an integer id");
    max_id = std::max(max_id, it["id"].GetInt64());
    set.items.emplace(it["id"].GetInt64(), to_text(it));
  }
  for (int64_t id : set.ranking) max_id = std::max(max_id, id);
  // Ids past every recorded one, so they are certainly unknown and answer `null`.
  for (int i = 1; i <= o.extra_null_ids; ++i) set.ranking.push_back(max_id + i);
  return set;
}

static std::string ranking_text(const std::vector<int64_t>& ids) {
  std::string s = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(ids[i]);
  }
  return s + "]";
}

std::string Stats::json() const {
  return "{\"requests\":" + std::to_string(requests) +
         ",\"topstories_served\":" + std::to_string(topstories_served) +
         ",\"items_served\":" + std::to_string(items_served) +
         ",\"nulls_served\":" + std::to_string(nulls_served) +
         ",\"faults_500\":" + std::to_string(faults_500) + ",\"drops\":" + std::to_string(drops) +
         ",\"throttled\":" + std::to_string(throttled) +
         ",\"max_in_flight\":" + std::to_string(max_in_flight) +
         ",\"connections\":" + std::to_string(connections) +
         ",\"open_at_topstories\":" + std::to_string(open_at_topstories) +
       ",\"h2_connections\":" + std::to_string(h2_connections) +
       ",\"max_streams_in_flight\":" + std::to_string(max_streams_in_flight) + "}";
}

Service::Service(const Options& o, const RecordedSet& s)
    : opt(o), set(s), ranking(ranking_text(s.ranking)), faults(o) {}

Answer route(Service& svc, const std::string& target) {
  Answer a;
  const Options& o = svc.opt;
  static const std::string kItem = "/v0/item/", kTop = "/v0/topstories.json";
  if (target == kTop) {
    ++svc.stats.topstories_served;
    svc.stats.open_at_topstories = svc.stats.open_connections.load();
    if (o.huge == Target::topstories) {
      a.huge_bytes = std::max<uint64_t>(o.body_bytes, 3);
      a.huge_array = true;
    } else if (o.malformed == Target::topstories) {
      a.content_type = "text/html";
      a.body = "<html><body>502 Bad Gateway</body></html>";
    } else if (o.wrong_shape == Target::topstories) {
      a.body = "{\"ids\":" + svc.ranking + "}";
    } else {
      a.shared_body = &svc.ranking;
    }
    return a;
  }
  // /v0/item/<digits>.json, as the real API's paths go.
  if (target.size() > kItem.size() + 5 && target.compare(0, kItem.size(), kItem) == 0 &&
      target.compare(target.size() - 5, 5, ".json") == 0) {
    const std::string digits = target.substr(kItem.size(), target.size() - kItem.size() - 5);
    if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos) {
      switch (svc.faults.next()) {
        case Fault::error_500:
          ++svc.stats.faults_500;
          a.status = 500;
          a.body = "{\"error\":\"injected failure\"}";
          return a;
        case Fault::drop:
          ++svc.stats.drops;
          a.drop = true;
          return a;
        case Fault::throttle:
          ++svc.stats.throttled;
          a.status = 429;
          a.retry_after = std::to_string(o.retry_after_s);
          a.body = "{\"error\":\"too many requests\"}";
          return a;
        case Fault::none:
          break;
      }
      ++svc.stats.items_served;
      if (o.huge == Target::items) {
        a.huge_bytes = std::max<uint64_t>(o.body_bytes, 3);
      } else if (o.malformed == Target::items) {
        a.body = "{\"by\":\"pg\",\"id\":";
      } else {
        auto it = svc.set.items.find(std::strtoll(digits.c_str(), nullptr, 10));
        if (it == svc.set.items.end()) {
          ++svc.stats.nulls_served;
          a.body = "null";
        } else {
          if (o.wrong_shape == Target::items) a.body = "[" + it->second + "]";
          else a.shared_body = &it->second;
        }
      }
      return a;
    }
  }
  a.counted = false;
  if (target == "/stats") {
    a.body = svc.stats.json();
  } else {
    a.status = 404;
    a.content_type = "text/plain";
    a.body = "not found";
  }
  return a;
}

void fill_huge(const Answer& a, uint64_t at, char* out, std::size_t len) {
  const uint64_t n = a.huge_bytes;
  for (std::size_t i = 0; i < len; ++i, ++at) {
    char c = ' ';
    if (at == 0) c = a.huge_array ? '[' : '{';
    else if (at == 1 && a.huge_array) c = '1';
    else if (at == n - 1) c = a.huge_array ? ']' : '}';
    out[i] = c;
  }
}

}  // namespace hn_replay
