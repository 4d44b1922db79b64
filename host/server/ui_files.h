// The web UI's files, embedded in the binary at build time (cmake/embed_ui.cmake generates
// the table from ui/dist, or from the plain fallback page when npm was not available), so
// that serving them never touches the file system.
#ifndef ASSETFLOW_HOST_SERVER_UI_FILES_H_
#define ASSETFLOW_HOST_SERVER_UI_FILES_H_

#include <cstddef>
#include <string>

namespace af {

struct UiFile {
  const char* path;  // "/index.html", "/assets/index-3f2a9c1b.js"
  const char* mime;
  const unsigned char* data;
  size_t size;
  const char* etag;  // "\"<sha256 prefix>\""
  bool immutable;    // a content-hashed name: cacheable forever
};

// The file at exactly `path`, or null. "/" is "/index.html".
const UiFile* FindUiFile(const std::string& path);
// True when the embedded UI is the built front end; false for the plain fallback page.
bool UiIsFull();

}  // namespace af

#endif
