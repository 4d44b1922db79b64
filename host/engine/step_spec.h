// StepSpec: one attempt of one step as plain data, and its JSON form. Whatever runs the step
// (a worker thread of the host, `assetflow worker run-step` in a child process, a cluster job)
// needs nothing else: it loads the named plugin files (checking their sha256), binds the
// definition and the IO managers, and reports what it did as StepRecords (step_record.h).
//
// The JSON is one object (one line, so it can travel on a pipe):
//   {"run_id","step_key","attempt","asset_key","definition","code_version","config",
//    "io":{"resource","type","config"},
//    "inputs":[{"name","asset_key","io":{...},"data_version","spool_path"}],
//    "plugins":[{"name","path","sha256"}],"manifests_hash","home","spool_path",
//    "timeout_s","max_rss_mb"}
// where the configs are JSON objects. A spec may carry resolved secrets (an IO manager's
// credentials from ${VAR}): it is passed on a pipe or a 0600 file, never logged.
#ifndef ASSETFLOW_HOST_ENGINE_STEP_SPEC_H_
#define ASSETFLOW_HOST_ENGINE_STEP_SPEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace af {

// An IO-manager resource as a step uses it.
struct StepIoSpec {
  std::string resource_key;         // "io_manager"
  std::string type;                 // "fs_io/fs_io_manager"
  std::string config_json = "{}";   // validated, defaults filled
};

struct StepInputSpec {
  std::string name;       // what the plugin opens it by
  std::string asset_key;  // the upstream asset
  StepIoSpec io;          // the upstream's IO manager
  std::string data_version;  // the upstream version this attempt reads
  std::string spool_path;    // set: read this run's copy instead (write-only IO manager)
  bool observed_only = false;  // an observable source asset: a data version, nothing to read
};

struct PluginFileSpec {
  std::string name;    // the plugin's name ("fs_io")
  std::string path;    // absolute
  std::string sha256;  // of the file the host loaded; a worker refuses any other file
};

struct StepSpec {
  std::string run_id;
  std::string step_key;  // = the asset key today (one step per asset)
  uint32_t attempt = 1;  // 1-based
  std::string asset_key;
  std::string definition;  // "<plugin>/<definition>"
  std::string code_version;
  std::string config_json = "{}";
  StepIoSpec io;
  std::vector<StepInputSpec> inputs;    // sorted by name
  std::vector<PluginFileSpec> plugins;  // the files that define `definition` and the IO managers
  std::string manifests_hash;
  std::string home;        // $ASSETFLOW_HOME, absolute
  std::string spool_path;  // set: also copy the output there (children read it this run)
  double timeout_s = 0;    // 0: none
  int64_t max_rss_mb = 0;  // 0: none
};

std::string StepSpecToJson(const StepSpec& spec);
// InvalidArgument naming the first missing or mistyped field.
Expected<StepSpec> StepSpecFromJson(const std::string& json);

}  // namespace af

#endif
