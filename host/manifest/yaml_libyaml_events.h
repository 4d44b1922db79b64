// Why two YAML libraries: yaml-cpp's scanner matches a regex per character, so parsing a
// 10,000-asset manifest with it alone takes ~300-800 ms (~650 ms typical), most of the
// load+plan budget of 200 ms. libyaml, the reference C implementation, parses the same file
// ~6x faster (~50 ms for the 1.8 MB manifest of manifest_loader_test, ~27 ms for
// bench/gen_manifest.py 10000). yaml-cpp stays the reference: its messages are the ones users
// see for invalid YAML, and it reads the rare constructs whose events libyaml reports
// differently.
//
// FastParseYaml runs libyaml's event parser and forwards its events to a yaml-cpp
// EventHandler, with the very tags, styles and marks (0-based line and column, byte offset)
// that yaml-cpp's own parser would give. It gives up, returning false, on any libyaml error
// and on what it does not translate: anchors, aliases, tags, directives, "..." document ends,
// explicit "?" keys, empty keys, a '?' in a flow plain scalar, a multi-line quoted scalar
// closing on a blank line, nesting deeper than 500, and tabs, CR, control or non-ASCII bytes.
// The caller must then discard the events it got and parse with yaml-cpp. Internal to the
// manifest module.
#ifndef ASSETFLOW_HOST_MANIFEST_YAML_LIBYAML_EVENTS_H_
#define ASSETFLOW_HOST_MANIFEST_YAML_LIBYAML_EVENTS_H_

#include <yaml-cpp/eventhandler.h>

#include <string>

namespace af {

// True if libyaml parsed all of `text`, within what is translated, and every event was sent
// to `handler`.
bool FastParseYaml(const std::string& text, YAML::EventHandler* handler);

}  // namespace af

#endif
