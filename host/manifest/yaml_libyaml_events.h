// A fast path for the plain YAML that manifests are made of. yaml-cpp's scanner costs ~3 us a
// scalar (regex matching per character), which alone would take a 10,000-asset manifest past
// half a second; this parser reads the common subset ~20x faster and emits the very events,
// marks included, that yaml-cpp's parser would.
//
// The subset: block mappings and sequences indented with spaces, compact "- key: v" items,
// one-line flow [..] and {..} collections, plain, 'single' and "double" quoted scalars (simple
// escapes), literal "|" and "|-" block scalars, comments, a single document. Anything else
// (anchors, aliases, tags, folded scalars, multi-line plain or quoted scalars, "---", tabs,
// CR, non-ASCII bytes, any syntax error) makes it give up, and the caller must discard the
// events it emitted and parse with yaml-cpp, whose messages are authoritative. Internal to
// the manifest module.
#ifndef ASSETFLOW_HOST_MANIFEST_YAML_FAST_PARSER_H_
#define ASSETFLOW_HOST_MANIFEST_YAML_FAST_PARSER_H_

#include <yaml-cpp/eventhandler.h>

#include <string>

namespace af {

// True if `text` was within the subset and every event was sent to `handler`.
bool FastParseYaml(const std::string& text, YAML::EventHandler* handler);

}  // namespace af

#endif
