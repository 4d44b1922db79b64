// What the daemon watches for hot reload: the manifests (by content: they are small, and file
// mtimes are too coarse to see two quick edits) and the plugin directories of the search path
// (each .so by inode, size and mtime: a new, replaced or removed plugin). Equal fingerprints
// mean nothing to reload.
#ifndef ASSETFLOW_HOST_DAEMON_DEFINITIONS_WATCH_H_
#define ASSETFLOW_HOST_DAEMON_DEFINITIONS_WATCH_H_

#include <string>

#include "workspace/workspace.h"

namespace af {

// `ws` (may be null) adds its manifests' plugin_dirs to the search path.
std::string DefinitionsFingerprint(const WorkspaceOptions& options, const Workspace* ws);

}  // namespace af

#endif
