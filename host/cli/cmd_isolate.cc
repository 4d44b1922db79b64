// `assetflow check --isolate` and `assetflow worker probe-plugin FILE`.
#include "cli/isolate.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "common/subprocess.h"
#include "manifest/manifest_loader.h"
#include "plugin/plugin_probe.h"

namespace af {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxConcurrentProbes = 4;

// One probe per file, a few at a time; results in the order of `files`.
std::vector<ProbeResult> ProbeAll(const std::vector<std::string>& files,
                                  const ProbeOptions& options) {
  std::vector<ProbeResult> results(files.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < files.size();)
      results[i] = ProbePluginFile(options, files[i]);
  };
  std::vector<std::thread> threads;
  for (std::size_t k = 0; k < std::min(kMaxConcurrentProbes, files.size()); ++k)
    threads.emplace_back(work);
  for (auto& t : threads) t.join();
  return results;
}

std::string DescribePlugin(const PluginInfo& p) {
  std::string defs;
  auto add = [&](const std::string& d, const char* kind) {
    defs += (defs.empty() ? "" : ", ") + p.name + "/" + d + " (" + kind + ")";
  };
  for (const auto& a : p.asset_definitions) add(a, "asset");
  for (const auto& m : p.io_manager_definitions) add(m, "io");
  return "ok: plugin '" + p.name + "' " + p.version + " (" + p.path + "): " +
         (defs.empty() ? "no definitions" : defs);
}

}  // namespace

std::string CheckSummary(const Definitions& definitions, std::size_t plugin_count) {
  return "ok: " + std::to_string(definitions.assets.size()) + " assets, " +
         std::to_string(definitions.resources.size()) + " resources, " +
         std::to_string(plugin_count) + " plugins, " + std::to_string(definitions.files.size()) +
         " manifest files";
}

CLI::App* AddWorkerCommands(CLI::App& app, int* exit_code) {
  auto* worker = app.add_subcommand("worker", "Internal: what assetflow's child processes run");
  worker->group("");  // hidden from --help
  worker->require_subcommand(1);
  auto* probe = worker->add_subcommand(
      "probe-plugin", "Load one plugin file; print its plugins, types and errors as JSON");
  auto file = std::make_shared<std::string>();
  probe->add_option("file", *file, "The plugin file")->required();
  probe->callback([file, exit_code] {
    PluginRegistry registry;
    registry.set_crash_hint("");  // the parent names the file and the remedy
    registry.LoadFile(*file);
    std::cout << ProbeAnswer(registry) << "\n" << std::flush;
    *exit_code = kExitOk;
  });
  return worker;
}

int RunIsolatedCheck(const GlobalOptions& options, std::chrono::milliseconds probe_timeout) {
  std::vector<std::string> manifests = options.manifests;
  if (manifests.empty()) manifests = {"manifests"};
  for (const auto& dir : options.plugin_dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      std::cerr << dir << ": error: plugin directory does not exist (--plugin-dir)\n";
      return kExitUsage;
    }
  }
  bool valid = true;
  ManifestLoader loader(EnvWithHome(ResolveHome(options.home)));
  const bool parsed = loader.Parse(manifests);
  if (!parsed) {
    std::cerr << FormatDiagnostics(loader.diagnostics());
    valid = false;  // the plugins are still probed: their problems are worth knowing too
  }

  Diagnostics list_errors;
  std::vector<std::string> files;
  for (const auto& dir : PluginSearchPath(options.plugin_dirs,
                                          parsed ? loader.PluginDirs() : std::vector<std::string>{})) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;  // only --plugin-dir folders must exist
    for (auto& f : PluginFilesIn(dir, &list_errors)) files.push_back(std::move(f));
  }
  for (const auto& d : list_errors) std::cerr << d.ToString() << "\n";
  if (!list_errors.empty()) valid = false;

  TypeCatalog catalog;
  std::map<std::string, std::string> loaded_from;  // plugin name -> first file
  std::size_t bad = 0;
  for (ProbeResult& r : ProbeAll(files, {SelfExecutable(), probe_timeout})) {
    for (const PluginInfo& p : r.plugins) {
      auto [it, fresh] = loaded_from.emplace(p.name, p.path);
      if (fresh) continue;
      Diagnostic d;
      d.location.file = r.file;
      d.message = DuplicatePluginName(p.name, it->second);
      r.errors.push_back(std::move(d));
    }
    if (!r.ok()) {
      ++bad;
      for (const auto& d : r.errors) std::cerr << d.ToString() << "\n";
      continue;
    }
    for (const PluginInfo& p : r.plugins) std::cout << DescribePlugin(p) << "\n";
    catalog.assets.insert(r.catalog.assets.begin(), r.catalog.assets.end());
    catalog.io_managers.insert(r.catalog.io_managers.begin(), r.catalog.io_managers.end());
  }

  if (parsed) {
    Definitions definitions;
    if (!loader.Resolve(catalog, &definitions)) {
      std::cerr << FormatDiagnostics(loader.diagnostics());
      valid = false;
    } else if (auto graph = AssetGraph::Build(definitions); !graph.ok()) {
      std::cerr << "error: " << graph.status().message() << "\n";
      valid = false;
    } else {
      std::cout << CheckSummary(definitions, files.size() - bad) << " (usable plugins only)\n";
    }
  }
  if (bad > 0) {
    std::cerr << "error: " << bad << " of " << files.size()
              << " plugin files are bad (each was loaded in its own process)\n";
  }
  std::cout << std::flush;
  return bad > 0 || !valid ? kExitUsage : kExitOk;
}

}  // namespace af
