#include "daemon/definitions_watch.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "plugin/plugin_registry.h"

namespace af {

namespace fs = std::filesystem;

std::string DefinitionsFingerprint(const WorkspaceOptions& options, const Workspace* ws) {
  std::ostringstream out;
  auto manifest = [&](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    out << p.string() << '#' << std::hash<std::string>{}(text.str()) << '\n';
  };
  for (const std::string& m : options.manifests) {
    std::error_code ec;
    if (fs::is_directory(m, ec)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(m, ec))
        if (e.path().extension() == ".yaml" || e.path().extension() == ".yml")
          files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) manifest(f);
    } else if (fs::exists(m, ec)) {
      manifest(m);
    } else {
      out << m << " missing\n";
    }
  }
  const std::vector<std::string> dirs = PluginSearchPath(
      options.plugin_dirs, ws ? ws->definitions().plugin_dirs : std::vector<std::string>{});
  for (const std::string& d : dirs) {
    std::error_code ec;
    std::vector<std::string> entries;
    for (const auto& e : fs::directory_iterator(d, ec)) {
      if (e.path().extension() != ".so") continue;
      struct stat st {};
      if (::stat(e.path().c_str(), &st) != 0) continue;
      entries.push_back(e.path().string() + ' ' + std::to_string(st.st_ino) + ' ' +
                        std::to_string(st.st_size) + ' ' + std::to_string(st.st_mtim.tv_sec) +
                        '.' + std::to_string(st.st_mtim.tv_nsec));
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& e : entries) out << e << '\n';
  }
  return out.str();
}

}  // namespace af
