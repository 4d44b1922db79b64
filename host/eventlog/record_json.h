// How materializations' structured fields are stored: upstream data versions as a JSON
// object {"<upstream key>": "<data version>"}, metadata as a JSON array of
// {"key", "type", "value"} objects (an array, to keep the plugin's order). Internal to
// eventlog. Decoding is lenient: what cannot be read (a hand-edited row) decodes as empty.
#ifndef ASSETFLOW_HOST_EVENTLOG_RECORD_JSON_H_
#define ASSETFLOW_HOST_EVENTLOG_RECORD_JSON_H_

#include <map>
#include <string>
#include <vector>

#include "eventlog/event_log.h"

namespace af {

std::string UpstreamToJson(const std::map<std::string, std::string>& upstream);
std::map<std::string, std::string> UpstreamFromJson(const std::string& json);

std::string MetadataToJson(const std::vector<MetadataEntry>& metadata);
std::vector<MetadataEntry> MetadataFromJson(const std::string& json);

}  // namespace af

#endif
