// plugin_loader <dir>...: loads every plugin in the directories with the host's registry and
// prints one line per plugin ("name version ABI toolchain file definitions", tab-separated)
// and one per diagnostic on stderr. Exit 0 only if something loaded and nothing was refused.
// The packaging test uses it to load a plugin built against the installed SDK.
#include <iostream>

#include "plugin/plugin_registry.h"

int main(int argc, char** argv) {
  af::PluginRegistry registry;
  for (int i = 1; i < argc; ++i) registry.LoadDirectory(argv[i]);
  for (const af::PluginInfo& p : registry.plugins()) {
    std::cout << p.name << '\t' << p.version << '\t' << p.abi_major << '.' << p.abi_minor << '\t'
              << p.toolchain << '\t' << p.path << '\t';
    for (const std::string& a : p.asset_definitions) std::cout << p.name << '/' << a << ' ';
    std::cout << '\n';
  }
  std::cerr << af::FormatDiagnostics(registry.errors());
  return registry.plugins().empty() || !registry.errors().empty() ? 1 : 0;
}
