#include "engine/in_process_runner.h"

#include "common/fatal_signal.h"
#include "engine/step.h"

namespace af {
namespace {

// Log and progress calls of the plugin, as records.
class RecordingListener : public CallListener {
 public:
  explicit RecordingListener(StepRecordSink& sink) : sink_(sink) {}
  void OnLog(const std::string&, af_log_level level, const char* message) override {
    StepRecord r;
    r.kind = StepRecord::Kind::kLog;
    r.level = level;
    r.message = message;
    sink_.OnRecord(r);
  }
  void OnProgress(const std::string&, uint64_t done, uint64_t total) override {
    StepRecord r;
    r.kind = StepRecord::Kind::kProgress;
    r.done = done;
    r.total = total;
    sink_.OnRecord(r);
  }

 private:
  StepRecordSink& sink_;
};

// What FatalSignalScope calls on exit() in a plugin call: the control's handler, with words.
struct ExitContext {
  const StepControl* control;
  std::string plugin, asset;
};
void OnPluginExit(void* arg, int status) {
  const auto& c = *static_cast<const ExitContext*>(arg);
  if (!c.control->on_plugin_exit) return;
  c.control->on_plugin_exit("plugin '" + c.plugin + "' called " +
                            (status < 0 ? std::string("quick_exit()")
                                        : "exit(" + std::to_string(status) + ")") +
                            " while materializing '" + c.asset + "'");
}

void Fail(StepRecordSink& sink, af_status status, std::string message) {
  sink.OnRecord(FailureRecord(status, std::move(message)));
}

}  // namespace

Expected<const IoManagerRef*> IoResolver::Resolve(const StepIoSpec& io) {
  const std::string key = io.resource_key + '\n' + io.type + '\n' + io.config_json;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = refs_.find(key);
  if (it != refs_.end()) return it->second.get();
  auto ref = std::make_unique<IoManagerRef>(io.config_json);
  ref->resource_key = io.resource_key;
  ref->type = io.type;
  ref->desc = registry_.FindIoManager(io.type);
  if (!ref->desc)
    return Status::NotFound("IO manager '" + io.type + "' (resource '" + io.resource_key +
                            "') is not offered by any loaded plugin");
  return refs_.emplace(key, std::move(ref)).first->second.get();
}

void RunStepHere(const StepSpec& spec, const PluginRegistry& registry, IoResolver& io,
                 const StepControl& control, StepRecordSink& sink) {
  const af_asset_descriptor* plugin = registry.FindAsset(spec.definition);
  if (!plugin)
    return Fail(sink, AF_ERR_FATAL,
                "type '" + spec.definition + "' is not offered by any loaded plugin");
  auto out = io.Resolve(spec.io);
  if (!out.ok()) return Fail(sink, AF_ERR_FATAL, out.status().message());
  StepBinding b;
  for (const StepInputSpec& in : spec.inputs) {
    auto up = io.Resolve(in.io);
    if (!up.ok()) return Fail(sink, AF_ERR_FATAL, "input '" + in.name + "': " + up.status().message());
    b.inputs.push_back(InputSource{in.name, in.asset_key, (*up)->desc, &(*up)->config,
                                   in.spool_path, in.observed_only});
  }
  const ParsedConfig config(spec.config_json);
  RecordingListener listener(sink);
  b.asset_key = &spec.asset_key;
  b.plugin = plugin;
  b.config = &config;
  b.io = *out;
  b.run_id = &spec.run_id;
  b.home = &spec.home;
  b.cancel = control.cancel;
  b.listener = &listener;
  b.spool_path = spec.spool_path;
  b.observable = IsObservable(plugin);
  b.claim_commit = &control.claim_commit;
  AttemptResult result;
  {
    // While the plugin runs on this thread, a crash or exit() of it is named and recorded.
    ExitContext exit_context{&control, spec.definition.substr(0, spec.definition.find('/')),
                             spec.asset_key};
    FatalReport report;
    report.subject = "assetflow: plugin '" + exit_context.plugin + "' (" + spec.definition + ")";
    report.activity = "while materializing '" + spec.asset_key + "' in run " + spec.run_id;
    report.exit_status = 1;
    report.record_path = control.crash_note_path;
    report.on_exit = &OnPluginExit;
    report.on_exit_arg = &exit_context;
    FatalSignalScope guard(report);
    result = RunAttempt(b, spec.attempt);
  }
  sink.OnRecord(EndingRecord(result));
}

}  // namespace af
