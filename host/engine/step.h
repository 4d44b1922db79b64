// One attempt at materializing one asset: open the asset's IO-manager writer, hand the plugin a
// host output stream that tees every byte into a SHA-256 (the data version) and a byte count
// on its way to the writer, call materialize, close the plugin's context and stream (late
// writes are refused), then stage (an ABI 1.1 IO manager: the host publishes the version once
// its record is durable) or commit (an older one) on AF_OK, or abort on anything else, so the
// previous version stays. Inputs are opened lazily, by the plugin, straight from each
// upstream's IO-manager reader: nothing is copied or buffered by the host.
#ifndef ASSETFLOW_HOST_ENGINE_STEP_H_
#define ASSETFLOW_HOST_ENGINE_STEP_H_

#include <assetflow/assetflow.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/host_context.h"
#include "engine/io_managers.h"
#include "eventlog/event_log.h"

namespace af {

// Everything an attempt needs, resolved to descriptors; all borrowed, owned by the step runner
// for the whole attempt.
struct StepBinding {
  const std::string* asset_key = nullptr;
  const af_asset_descriptor* plugin = nullptr;
  const ParsedConfig* config = nullptr;
  const IoManagerRef* io = nullptr;
  std::vector<InputSource> inputs;  // sorted by name
  const std::string* run_id = nullptr;
  const std::string* home = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  CallListener* listener = nullptr;
  // When set, the output is also copied to this file, for downstream steps of the same run
  // that cannot load it through a write-only IO manager. Removed if the attempt fails.
  std::string spool_path;
  // An observable source asset (AF_ASSET_OBSERVABLE): no IO manager call, no output; the
  // plugin's data version is the result.
  bool observable = false;
  // Set: called once the output is complete, right before it is staged or committed; an
  // error aborts the output instead and fails the attempt with it. A cluster worker claims
  // its attempt here, so that an attempt the host gave up on never stores anything (fencing).
  const std::function<Status()>* claim_commit = nullptr;
};

struct AttemptResult {
  af_status status = AF_OK;
  std::string message;       // empty on success
  std::string data_version;  // sha256 hex of the committed bytes (success only)
  uint64_t bytes = 0;
  // Success only: the version is staged under (asset key, run id, attempt), not visible until
  // published (PublishStaged); false: it was committed, visible already.
  bool staged = false;
  // Success only: an observation (an observable source asset's data version; nothing stored).
  bool observed = false;
  std::vector<MetadataEntry> metadata;  // the plugin's, then the IO manager's commit metadata
  // Failure only: lost to the infrastructure (see StepRecord::infrastructure).
  bool infrastructure = false;
};

// Runs attempt number `attempt` (1-based). Never throws: an exception escaping a plugin (which
// the ABI forbids) becomes AF_ERR_FATAL with its message. [worker thread]
AttemptResult RunAttempt(const StepBinding& spec, uint32_t attempt);

}  // namespace af

#endif
