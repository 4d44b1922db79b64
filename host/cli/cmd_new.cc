// `assetflow new plugin NAME [--lang c|cpp] [--dir PARENT]`: a ready out-of-tree plugin project
// in PARENT/NAME (CMake with find_package(AssetflowSDK), one asset, one test through the SDK
// harness, a manifest, a README) that builds and passes its test with no edits. The templates
// are embedded in the binary (scaffold_templates.h), so an installed assetflow needs nothing
// else.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <string>
#include <system_error>

#include "cli/commands.h"
#include "cli/scaffold_templates.h"

namespace af {

namespace {

namespace fs = std::filesystem;

std::string Substitute(std::string_view text, const std::string& name) {
  std::string out(text);
  for (size_t at = 0; (at = out.find("@NAME@", at)) != std::string::npos; at += name.size())
    out.replace(at, 6, name);
  return out;
}

// Writes the project; returns "" or the error. Refuses an existing target, so nothing is ever
// overwritten, and writes nothing unless every file can be written (a temporary folder,
// renamed into place at the end).
std::string WriteScaffold(const std::string& name, const std::string& lang, const fs::path& parent,
                          fs::path* written) {
  const fs::path target = parent / name;
  std::error_code ec;
  if (fs::exists(target, ec)) return "'" + target.string() + "' already exists; nothing was written";
  const fs::path staging = parent / ("." + name + ".assetflow-new");
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) return "cannot create '" + staging.string() + "': " + ec.message();
  for (const TemplateFile& t : ScaffoldTemplates()) {
    const std::string_view path = t.path;
    const size_t slash = path.find('/');
    const std::string_view group = path.substr(0, slash);
    if (group != "common" && group != lang) continue;
    const fs::path out = staging / Substitute(path.substr(slash + 1), name);
    fs::create_directories(out.parent_path(), ec);
    std::ofstream file(out, std::ios::binary);
    file << Substitute(t.text, name);
    file.close();
    if (!file) {
      fs::remove_all(staging, ec);
      return "cannot write '" + out.string() + "'";
    }
  }
  fs::rename(staging, target, ec);
  if (ec) {
    fs::remove_all(staging, ec);
    return "cannot create '" + target.string() + "': " + ec.message();
  }
  *written = target;
  return "";
}

}  // namespace

void AddNewCommand(CLI::App& app, int* exit_code) {
  auto* group = app.add_subcommand("new", "Create a project");
  group->require_subcommand(1);
  auto* plugin = group->add_subcommand(
      "plugin", "Create NAME/: a plugin project that builds and tests against the installed SDK");
  auto name = std::make_shared<std::string>();
  auto lang = std::make_shared<std::string>("cpp");
  auto dir = std::make_shared<std::string>(".");
  plugin->add_option("name", *name, "The plugin's name (and the folder's): [a-z][a-z0-9_]*")
      ->required();
  plugin->add_option("--lang", *lang, "c or cpp (default cpp)")
      ->check(CLI::IsMember({"c", "cpp"}));
  plugin->add_option("--dir", *dir, "Where to create NAME/ (default: the current directory)");
  plugin->callback([=] {
    // A C identifier and a valid plugin name, CMake target and file name at once.
    if (!std::regex_match(*name, std::regex("[a-z][a-z0-9_]{0,63}"))) {
      std::cerr << "error: invalid plugin name '" << *name
                << "' (use a lower-case letter, then lower-case letters, digits or '_')\n";
      *exit_code = kExitUsage;
      return;
    }
    fs::path written;
    const std::string error = WriteScaffold(*name, *lang, *dir, &written);
    if (!error.empty()) {
      std::cerr << "error: " << error << "\n";
      *exit_code = kExitUsage;
      return;
    }
    std::cout << "created " << written.string() << " (" << (*lang == "c" ? "C" : "C++")
              << " plugin '" << *name << "')\n"
              << "next:\n"
              << "  cd " << written.string() << "\n"
              << "  cmake -S . -B build && cmake --build build && ctest --test-dir build\n"
              << "  assetflow materialize --all -m manifests -p build/plugins\n";
  });
}

}  // namespace af
