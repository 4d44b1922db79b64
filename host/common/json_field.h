// One string member of a JSON object being written with a RapidJSON Writer: the key, then the
// value with its length (so embedded NULs and long strings travel whole). Shared by every
// module that writes JSON (events, step specs and records, plugin probes, CLI lines).
#ifndef ASSETFLOW_HOST_COMMON_JSON_FIELD_H_
#define ASSETFLOW_HOST_COMMON_JSON_FIELD_H_

#include <rapidjson/rapidjson.h>

#include <string_view>

namespace af {

template <class Writer>
void JsonField(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

}  // namespace af

#endif
