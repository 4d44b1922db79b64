// One string member of a JSON object being written with a RapidJSON Writer: the key, then the
// value with its length (so embedded NULs and long strings travel whole). Shared by every
// module that writes JSON (events, step specs and records, plugin probes, CLI lines).
#ifndef ASSETFLOW_HOST_COMMON_JSON_FIELD_H_
#define ASSETFLOW_HOST_COMMON_JSON_FIELD_H_

#include <assetflow/cpp/utf8.hpp>
#include <rapidjson/rapidjson.h>

#include <string>
#include <string_view>

namespace af {

// A JSON string value, always valid UTF-8: text from plugins and servers may not be, and
// RapidJSON's Writer copies bytes as they are, so a bad byte would make the whole line (an
// event, a stored record) invalid JSON. Invalid bytes become U+FFFD.
template <class Writer>
void JsonString(Writer& w, std::string_view value) {
  if (assetflow::is_valid_utf8(value)) {
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    return;
  }
  const std::string valid = assetflow::valid_utf8(value);
  w.String(valid.data(), static_cast<rapidjson::SizeType>(valid.size()));
}

template <class Writer>
void JsonField(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  JsonString(w, value);
}

}  // namespace af

#endif
