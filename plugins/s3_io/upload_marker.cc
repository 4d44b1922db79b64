#include "s3_io/upload_marker.h"

#include <sstream>

namespace s3_io {
namespace {
constexpr const char* kMarkerMagic = "assetflow-s3-upload 1";
}  // namespace

std::string FormatMarker(const std::string& upload_id, const std::vector<std::string>* etags) {
  std::string text = std::string(kMarkerMagic) + "\n" + upload_id + "\n";
  if (etags) {
    text += "staged\n";
    for (const std::string& e : *etags) text += e + "\n";
  }
  return text;
}
bool ParseMarker(const std::string& text, Marker* m) {
  std::stringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kMarkerMagic) return false;
  if (!std::getline(in, m->upload_id)) return false;
  if (std::getline(in, line) && line == "staged") {
    m->staged = true;
    while (std::getline(in, line))
      if (!line.empty()) m->part_etags.push_back(line);
  }
  return true;
}

bool ReadMarker(s3::Client& client, const std::string& marker_key, Marker* m) {
  try {
    return ParseMarker(client.Get(marker_key), m);
  } catch (const s3::S3Error& e) {
    if (e.kind() == s3::S3Error::Kind::kNoSuchKey) return false;
    throw;
  }
}

void AbortMarked(s3::Client& client, const std::string& marker_key, const std::string& object_key) {
  Marker m;
  if (ReadMarker(client, marker_key, &m)) {
    if (!m.upload_id.empty()) {
      client.AbortMultipartUpload(object_key, m.upload_id);
    } else {
      for (const s3::MultipartUpload& u : client.ListMultipartUploads(object_key))
        if (u.key == object_key) client.AbortMultipartUpload(u.key, u.upload_id);
    }
  }
  client.Delete(marker_key);
}

}  // namespace s3_io
