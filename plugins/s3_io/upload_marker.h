// The marker objects of s3_io's multipart uploads: <prefix>/.assetflow-staging/<run>/<attempt>/
// upload/<asset key>, a few lines of text that name an upload another process may have to
// complete (publish) or abort (discard, sweep). Written before the upload is created, so a
// process killed at any moment of a multipart write leaves one behind.
#ifndef ASSETFLOW_PLUGINS_S3_IO_UPLOAD_MARKER_H
#define ASSETFLOW_PLUGINS_S3_IO_UPLOAD_MARKER_H

#include <string>
#include <vector>

#include "s3_io/s3_client.h"

namespace s3_io {

// Its magic line, the upload id ("" while the upload is being created), then (once staged)
// "staged" and the ETag of each part in order.
struct Marker {
  std::string upload_id;
  std::vector<std::string> part_etags;
  bool staged = false;
};
// The marker's text; `etags` null before the version is staged.
std::string FormatMarker(const std::string& upload_id, const std::vector<std::string>* etags);
bool ParseMarker(const std::string& text, Marker* m);
// Reads the marker at `marker_key`; false when there is none (or it is not one).
bool ReadMarker(s3::Client& client, const std::string& marker_key, Marker* m);
// Aborts the upload a marker names and deletes the marker. A marker written just before its
// upload was created names none: then every unfinished upload of that exact key is aborted, as
// the run that died held the asset's claim, so no other run was writing it.
void AbortMarked(s3::Client& client, const std::string& marker_key, const std::string& object_key);

}  // namespace s3_io

#endif
