// InProcessRunner: runs a step on the calling thread, with the plugins this process loaded.
// The fastest runner, and the one with no protection from a plugin that crashes the process:
// a fatal signal or exit() in a plugin call is named (plugin, asset, run) on stderr and in
// the run's crash note, and handed to StepControl::on_plugin_exit; ChildProcessRunner is the
// one that contains crashes.
//
// Thread-safe: many attempts at once on different threads. The registry must outlive it.
#ifndef ASSETFLOW_HOST_ENGINE_IN_PROCESS_RUNNER_H_
#define ASSETFLOW_HOST_ENGINE_IN_PROCESS_RUNNER_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "engine/io_managers.h"
#include "engine/step_runner.h"
#include "plugin/plugin_registry.h"

namespace af {

// A spec's IO-manager resources resolved to `registry`'s descriptors, each once (by resource,
// type and config). Thread-safe; references stay valid as long as the resolver.
class IoResolver {
 public:
  explicit IoResolver(const PluginRegistry& registry) : registry_(registry) {}
  Expected<const IoManagerRef*> Resolve(const StepIoSpec& io);

 private:
  const PluginRegistry& registry_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<IoManagerRef>> refs_;
};

// Runs the attempt `spec` describes with `registry`'s definitions on this thread, reporting
// its records to `sink` (the ending one last): what InProcessRunner does, and what
// `assetflow worker run-step` does in its own process.
void RunStepHere(const StepSpec& spec, const PluginRegistry& registry, IoResolver& io,
                 const StepControl& control, StepRecordSink& sink);

class InProcessRunner : public StepRunner {
 public:
  explicit InProcessRunner(const PluginRegistry& registry) : registry_(registry), io_(registry) {}
  void Run(const StepSpec& spec, const StepControl& control, StepRecordSink& sink) override {
    RunStepHere(spec, registry_, io_, control, sink);
  }

 private:
  const PluginRegistry& registry_;
  IoResolver io_;
};

}  // namespace af

#endif
