// The Walker's top level (Top, plugin_dirs) and the readers every section uses: key checks,
// scalars, lists.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <span>
#include <string_view>

#include "manifest/manifest_walker.h"

namespace af::manifest_internal {

namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

bool IsName(const std::string& s, bool dash) {
  if (s.empty()) return false;
  for (char c : s)
    if (!IsNameChar(c) && !(dash && c == '-')) return false;
  return true;
}

const std::vector<std::string> kTopKeys = {"plugin_dirs", "resources", "assets", "retry_policy",
                                           "schedules", "alerts", "executor"};

void Walker::Top(YamlId root) {
  if (doc_.node(root).kind == Kind::kNull) return;  // an empty document declares nothing
  if (!doc_.node(root).IsMap()) {
    // Not quoted: a file that is no manifest (`--manifest /etc/shadow`) is one long plain
    // scalar, and its contents must not end up on the terminal or in a log.
    Error(root, "expected a mapping for the top of the manifest, got " + doc_.KindName(root) +
                    (doc_.node(root).IsScalar() ? " (is this file a manifest?)" : ""));
    return;
  }
  // Lines of another format often read as top-level keys ("root:x:0:0::" in /etc/passwd):
  // a key that is no name is not quoted, and one such key says enough.
  std::span<const YamlId> top = doc_.children(root);
  for (size_t i = 0; i + 1 < top.size(); i += 2) {
    const YamlNode& key = doc_.node(top[i]);
    if (key.IsScalar() && !IsNameLike(std::string(doc_.Value(top[i])))) {
      Error(top[i], "a top-level key that is not a name: is this file a manifest?");
      return;
    }
  }
  Keys(root, &kTopKeys, {"at the top level"}, [&](const std::string& key, YamlId k, YamlId v) {
    if (key == "plugin_dirs") PluginDirs(v);
    if (key == "resources") Resources(v);
    if (key == "assets") Assets(v);
    if (key == "retry_policy") DefaultRetry(k, v);
    if (key == "schedules") Schedules(v);
    if (key == "alerts") Alerts(k, v);
    if (key == "executor") Executor(k, v);
  }, IsExtensionKey);
}

bool Walker::IsExtensionKey(const std::string& key) { return key.rfind("x-", 0) == 0;
}

bool Walker::IsNameLike(const std::string& key) {
  if (key.empty() || key.size() > 128) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
           c == '/';
  });
}

void Walker::Error(YamlId at, std::string message, std::string suggestion) {
  diagnostics_->push_back({doc_.Location(at), std::move(message), std::move(suggestion)});
}

std::string Walker::Got(YamlId v) const {
  const YamlNode& n = doc_.node(v);
  // Appended, not "'" + std::string(...) + "'": out of line, that form draws GCC 12's false
  // -Wrestrict at -O3 (GCC bug 105651).
  return n.IsScalar() ? std::string("'").append(doc_.Value(v)).append("'") : doc_.KindName(v);
}

bool Walker::Expect(YamlId v, Kind kind, const What& what) {
  Kind actual = doc_.node(v).kind;
  if (actual == kind || (actual == Kind::kNull && kind != Kind::kScalar)) return true;
  const char* expected = kind == Kind::kMap        ? "a mapping"
                         : kind == Kind::kSequence ? "a list"
                                                   : "a string";
  Error(v, std::string("expected ") + expected + " for " + what.str() + ", got " + Got(v));
  return false;
}

bool Walker::Scalar(YamlId v, const What& what, std::string* out) {
  if (!Expect(v, Kind::kScalar, what)) return false;
  *out = std::string(doc_.Value(v));
  return true;
}
bool Walker::Scalar(YamlId v, const What& what, InternedString* out) {
  if (!Expect(v, Kind::kScalar, what)) return false;
  *out = InternedString(doc_.Value(v));
  return true;
}

bool Walker::StringList(YamlId v, const What& what, std::vector<std::string>* out) {
  if (!Expect(v, Kind::kSequence, what)) return false;
  bool ok = true;
  for (YamlId item : doc_.children(v)) {
    std::string entry;
    if (Scalar(item, {"an entry of ", what.str()}, &entry)) {
      out->push_back(std::move(entry));
    } else {
      ok = false;
    }
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
  return ok;
}

void Walker::PluginDirs(YamlId v) {
  if (!Expect(v, Kind::kSequence, {"'plugin_dirs'"})) return;
  std::filesystem::path base = std::filesystem::path(doc_.file()).parent_path();
  for (YamlId item : doc_.children(v)) {
    std::string dir;
    if (!Scalar(item, {"an entry of 'plugin_dirs'"}, &dir)) continue;
    if (dir.empty()) {
      Error(item, "empty entry in 'plugin_dirs' (use '.' for the manifest's own directory)");
      continue;
    }
    // The error_code overload: a path the OS cannot make absolute is an error, not a throw.
    std::error_code ec;
    std::filesystem::path full = std::filesystem::absolute(base / dir, ec);
    if (ec) {
      Error(item, "cannot use plugin directory '" + dir + "': " + ec.message());
      continue;
    }
    std::string absolute = full.lexically_normal().string();
    if (absolute.size() > 1 && absolute.back() == '/') absolute.pop_back();
    auto& dirs = out_->plugin_dirs;
    if (std::find(dirs.begin(), dirs.end(), absolute) == dirs.end()) dirs.push_back(absolute);
  }
}

}  // namespace af::manifest_internal
