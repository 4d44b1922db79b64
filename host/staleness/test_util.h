// Test-only helpers for the staleness tests and the modules above it (workspace); not part of
// the library.
#ifndef ASSETFLOW_HOST_STALENESS_TEST_UTIL_H_
#define ASSETFLOW_HOST_STALENESS_TEST_UTIL_H_

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "eventlog/event_log.h"
#include "eventlog/hash.h"
#include "manifest/definitions.h"

namespace af::testing {

// Records what the engine records after a successful step of `def` at `time_ms` in `run_id`:
// the definition's versions and config, the data versions of the upstreams (as `log` has
// them now), and a successful attempt.
inline void RecordSuccess(EventLog& log, const AssetDef& def, const std::string& run_id,
                          int64_t time_ms, const std::string& data_version) {
  MaterializationRecord m;
  m.asset_key = def.key;
  m.run_id = run_id;
  m.time_ms = time_ms;
  m.data_version = data_version;
  m.code_version = def.code_version;
  RecordedConfig config =
      RecordConfig(def.config_json, def.unversioned_config_keys(), def.secret_config_keys());
  m.config_json = std::move(config.json);
  m.config_hash = std::move(config.hash);
  for (const InputDef& input : def.inputs) {
    auto upstream = log.LatestMaterialization(input.asset_key);
    if (upstream) m.upstream_data_versions[input.asset_key] = upstream->data_version;
  }
  REQUIRE(log.RecordMaterialization(m).ok());
  REQUIRE(log.RecordAttempt(def.key, {run_id, time_ms, false, ""}).ok());
}

// Records a failed attempt at `key`.
inline void RecordFailure(EventLog& log, const std::string& key, const std::string& run_id,
                          int64_t time_ms, const std::string& message) {
  REQUIRE(log.RecordAttempt(key, {run_id, time_ms, true, message}).ok());
}

}  // namespace af::testing

#endif
