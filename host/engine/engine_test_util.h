// Fixtures for the engine tests: a real temp home, the real examples and fs_io plugins from
// the build (AF_PLUGIN_DIR), manifests given as YAML text, and an injectable clock/random.
#ifndef ASSETFLOW_HOST_ENGINE_ENGINE_TEST_UTIL_H_
#define ASSETFLOW_HOST_ENGINE_ENGINE_TEST_UTIL_H_

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/executor.h"
#include "engine/retry.h"
#include "eventlog/event_log.h"
#include "graph/asset_graph.h"
#include "graph/selection.h"
#include "manifest/manifest_loader.h"
#include "plugin/plugin_registry.h"

namespace af::testing {

namespace fs = std::filesystem;

class TempHome {
 public:
  TempHome() {
    char tmpl[] = "/tmp/af_engine_test.XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempHome() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return "<absent>";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every file under `dir`, relative, sorted (to catch stray temp files).
inline std::vector<std::string> FilesUnder(const fs::path& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

// Timestamps advance 1 ms per call; Sleep records the delay and returns at once.
class FakeClock : public Clock {
 public:
  int64_t NowMs() override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_ms_++;
  }
  // Returns at once, but time passes as if it had slept.
  void Sleep(double seconds, const std::atomic<bool>*) override {
    std::lock_guard<std::mutex> lock(mu_);
    sleeps.push_back(seconds);
    now_ms_ += static_cast<int64_t>(seconds * 1000);
  }
  std::vector<double> sleeps;

 private:
  std::mutex mu_;
  int64_t now_ms_ = 1700000000000;
};

class FixedRandom : public RandomSource {
 public:
  explicit FixedRandom(double v) : value(v) {}
  double Next() override { return value; }
  double value;
};

// A workspace over a manifest text, with its own event log in `home`. `extra_plugins`: more
// plugin files (absolute paths) to load after examples and fs_io.
class TestEnv {
 public:
  TestEnv(const std::string& yaml, const std::string& home,
          const std::vector<std::string>& extra_plugins = {})
      : home_(home) {
    registry_ = std::make_unique<PluginRegistry>();
    std::vector<std::string> files = {std::string(AF_PLUGIN_DIR) + "/examples.so",
                                      std::string(AF_PLUGIN_DIR) + "/fs_io.so"};
    files.insert(files.end(), extra_plugins.begin(), extra_plugins.end());
    for (const std::string& file : files) {
      if (!registry_->LoadFile(file)) throw std::runtime_error("cannot load plugin " + file);
    }
    ManifestLoader loader([home](const std::string& v) -> std::optional<std::string> {
      if (v == "ASSETFLOW_HOME") return home;
      return std::nullopt;
    });
    if (!loader.ParseText(yaml, "test.yaml") || !loader.Resolve(registry_->Catalog(), &defs_))
      throw std::runtime_error("manifest: " + FormatDiagnostics(loader.diagnostics()));
    auto graph = AssetGraph::Build(defs_);
    if (!graph.ok()) throw std::runtime_error("graph: " + graph.status().message());
    graph_.emplace(std::move(*graph));
    auto log = EventLog::Open(home);
    if (!log.ok()) throw std::runtime_error("event log: " + log.status().message());
    log_ = std::move(*log);
  }

  // Runs the selection expression; `options.selection` is filled from it.
  RunResult Run(const std::string& select, RunOptions options = {}) {
    auto selected = SelectAssets(*graph_, select);
    if (!selected.ok()) throw std::runtime_error("selection: " + selected.status().message());
    options.selection = *selected;
    options.selection_text = select;
    if (options.parallelism == 0) options.parallelism = 2;
    Executor executor(*graph_, *registry_, *log_, home_);
    auto result = executor.Run(options);
    if (!result.ok()) throw std::runtime_error("run: " + result.status().message());
    return *result;
  }
  // "TYPE asset" lines of the run's stored events, in order (run-level events: "TYPE").
  std::vector<std::string> EventLines(const std::string& run_id) {
    std::vector<std::string> out;
    for (const EventRecord& e : log_->RunEvents(run_id))
      out.push_back(e.asset_key.empty() ? e.type : e.type + " " + e.asset_key);
    return out;
  }
  std::vector<EventRecord> Events(const std::string& run_id, const std::string& type) {
    std::vector<EventRecord> out;
    for (EventRecord& e : log_->RunEvents(run_id))
      if (e.type == type) out.push_back(std::move(e));
    return out;
  }
  std::string Stored(const std::string& key) const { return ReadFile(home_ + "/storage/" + key); }
  size_t Index(const std::string& key) const { return defs_.IndexOf(key).value(); }

  EventLog& log() { return *log_; }
  const AssetGraph& graph() const { return *graph_; }
  PluginRegistry& registry() { return *registry_; }
  const Definitions& defs() const { return defs_; }

 private:
  std::string home_;
  std::unique_ptr<PluginRegistry> registry_;
  Definitions defs_;
  std::optional<AssetGraph> graph_;
  std::unique_ptr<EventLog> log_;
};

}  // namespace af::testing

#endif
