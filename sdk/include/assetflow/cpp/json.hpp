// Bounded JSON parsing over RapidJSON, for the host and for plugins (header-only, C++17; needs
// RapidJSON, which this header includes).
//
// Why: RapidJSON's default parser recurses once per nesting level, so a response of a few
// hundred kilobytes of '[' (well under any body cap) overflows the stack and kills the process.
// Two defences, both always on:
//   - kParseIterativeFlag: the parser keeps its own heap stack, constant C stack per level;
//   - a nesting limit (kMaxJsonDepth by default), because the parser is not the only recursive
//     reader of a document: Value::Accept (writing it back), the schema validator, a deep
//     copy and every hand-written walk recurse per level too. The limit keeps every later
//     consumer of the document within a stack budget known in advance.
// The limit counts objects and arrays opened and not yet closed: "[]" is depth 1, "{"a":[1]}"
// depth 2. Real documents here (HN items, configs, metadata, event records) stay under 10.
//
// Thread contract: none (pure functions over their arguments).
#ifndef ASSETFLOW_CPP_JSON_HPP_
#define ASSETFLOW_CPP_JSON_HPP_

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cstddef>
#include <string>

namespace assetflow {

constexpr unsigned kMaxJsonDepth = 256;

// Forwards every SAX event to `inner` and stops the parse (returns false) once more than
// `max_depth` objects/arrays are open.
template <class Handler>
class DepthLimitedHandler {
 public:
  using Ch = char;
  DepthLimitedHandler(Handler& inner, unsigned max_depth) : inner_(inner), max_depth_(max_depth) {}

  bool Null() { return inner_.Null(); }
  bool Bool(bool b) { return inner_.Bool(b); }
  bool Int(int i) { return inner_.Int(i); }
  bool Uint(unsigned i) { return inner_.Uint(i); }
  bool Int64(int64_t i) { return inner_.Int64(i); }
  bool Uint64(uint64_t i) { return inner_.Uint64(i); }
  bool Double(double d) { return inner_.Double(d); }
  bool RawNumber(const Ch* s, rapidjson::SizeType n, bool copy) { return inner_.RawNumber(s, n, copy); }
  bool String(const Ch* s, rapidjson::SizeType n, bool copy) { return inner_.String(s, n, copy); }
  bool Key(const Ch* s, rapidjson::SizeType n, bool copy) { return inner_.Key(s, n, copy); }
  bool StartObject() { return Open() && inner_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) { --depth_; return inner_.EndObject(n); }
  bool StartArray() { return Open() && inner_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { --depth_; return inner_.EndArray(n); }

  bool exceeded() const { return exceeded_; }

 private:
  bool Open() {
    if (++depth_ <= max_depth_) return true;
    exceeded_ = true;
    return false;
  }
  Handler& inner_;
  unsigned max_depth_;
  unsigned depth_ = 0;
  bool exceeded_ = false;
};

// The error text for a failed bounded parse: "nested deeper than 256 levels at offset 300" or
// RapidJSON's English message ("Invalid value. at offset 0").
inline std::string JsonParseErrorText(const rapidjson::ParseResult& result, bool too_deep,
                                      unsigned max_depth) {
  if (too_deep) {
    return "nested deeper than " + std::to_string(max_depth) + " levels at offset " +
           std::to_string(result.Offset());
  }
  return std::string(rapidjson::GetParseError_En(result.Code())) + " at offset " +
         std::to_string(result.Offset());
}

// SAX: parses `stream` into `handler` iteratively under the nesting limit. Returns "" on
// success, else the error text (a handler that stops the parse itself reads "Terminate
// parsing due to Handler error.").
template <unsigned Flags = rapidjson::kParseDefaultFlags, class InputStream, class Handler>
std::string ParseJsonSax(InputStream& stream, Handler& handler, unsigned max_depth = kMaxJsonDepth) {
  DepthLimitedHandler<Handler> limited(handler, max_depth);
  rapidjson::Reader reader;
  const rapidjson::ParseResult result =
      reader.Parse<Flags | rapidjson::kParseIterativeFlag>(stream, limited);
  if (!result.IsError()) return std::string();
  return JsonParseErrorText(result, limited.exceeded(), max_depth);
}

// DOM: parses `size` bytes at `data` (need not be NUL-terminated) into `doc`, iteratively
// under the nesting limit. Returns true on success; on failure `doc` is null and `*error`
// (when given) says why. Use instead of Document::Parse everywhere input is not our own.
template <unsigned Flags = rapidjson::kParseDefaultFlags>
bool ParseJson(rapidjson::Document& doc, const char* data, std::size_t size,
               std::string* error = nullptr, unsigned max_depth = kMaxJsonDepth) {
  rapidjson::MemoryStream bytes(data, size);
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> stream(bytes);
  std::string failure;
  auto generate = [&](rapidjson::Document& target) {
    failure = ParseJsonSax<Flags>(stream, target, max_depth);
    return failure.empty();
  };
  doc.SetNull();
  doc.Populate(generate);
  if (failure.empty()) return true;
  doc.SetNull();
  if (error != nullptr) *error = failure;
  return false;
}

template <unsigned Flags = rapidjson::kParseDefaultFlags>
bool ParseJson(rapidjson::Document& doc, const std::string& text, std::string* error = nullptr) {
  return ParseJson<Flags>(doc, text.data(), text.size(), error);
}

}  // namespace assetflow

#endif
