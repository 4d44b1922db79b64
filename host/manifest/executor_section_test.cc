// The top-level `executor:` and an asset's `resources:` (the Slurm executor's): values parse
// into ExecutorDef / JobResources; every mistake is one exact diagnostic.
#include <doctest/doctest.h>

#include "manifest/manifest_loader.h"
#include "manifest/manifest_test_util.h"

namespace af {
namespace {

TEST_CASE("executor: and resources: parse; unset, they are empty") {
  ManifestLoader loader;
  REQUIRE(loader.ParseText(R"(
executor:
  type: slurm
  max_jobs: 20
  poll_interval: 2s
  exit_grace: 1m
  heartbeat_timeout: 90
  infra_retries: 0
  resources: {cpus: 1, mem: 512M, time: "10:00", partition: debug, extra: [--constraint=fast, --exclusive]}
assets:
  big:
    type: examples/constant
    resources: {cpus: 4, mem: 2G, time: 1-00:00:00, account: lab, qos: high, gres: "gpu:1"}
  plain: {type: examples/constant}
)",
                           "m.yaml"));
  Definitions defs;
  REQUIRE(loader.Resolve(testing::TestCatalog(), &defs));
  const ExecutorDef& e = defs.executor;
  CHECK(e.type == "slurm");
  CHECK(e.max_jobs == 20);
  CHECK(e.poll_interval_seconds == 2);
  CHECK(e.exit_grace_seconds == 60);
  CHECK(e.heartbeat_timeout_seconds == 90);
  CHECK(e.infra_retries == 0);
  CHECK(e.location.ToString() == "m.yaml:2:1");
  CHECK(e.resources.cpus == 1);
  CHECK(e.resources.mem == "512M");
  CHECK(e.resources.time == "10:00");
  CHECK(e.resources.partition == "debug");
  CHECK(e.resources.extra == std::vector<std::string>{"--constraint=fast", "--exclusive"});
  REQUIRE(defs.FindAsset("big")->details().resources.has_value());
  const JobResources& big = *defs.FindAsset("big")->details().resources;
  CHECK(big.cpus == 4);
  CHECK(big.mem == "2G");
  CHECK(big.time == "1-00:00:00");
  CHECK(big.account == "lab");
  CHECK(big.qos == "high");
  CHECK(big.gres == "gpu:1");
  CHECK(big.location.ToString() == "m.yaml:13:5");
  CHECK_FALSE(defs.FindAsset("plain")->details().resources.has_value());
}

TEST_CASE("no executor: section: nothing set") {
  ManifestLoader loader;
  REQUIRE(loader.ParseText("assets:\n  a: {type: examples/constant}\n", "m.yaml"));
  Definitions defs;
  REQUIRE(loader.Resolve(testing::TestCatalog(), &defs));
  CHECK(defs.executor.type.empty());
  CHECK(defs.executor.infra_retries == -1);
  CHECK(defs.executor.location.line == 0);
}

const testing::ErrorCase kCases[] = {
    {"unknown keys, with suggestions",
     R"(executor:
  type: slurm
  max_job: 3
  resources: {cpu: 2}
assets:
  a: {type: examples/constant, resources: {partiton: debug}}
)",
     R"(m.yaml:3:3: error: unknown key 'max_job' in executor (did you mean 'max_jobs'?)
m.yaml:4:15: error: unknown key 'cpu' in resources of executor (did you mean 'cpus'?)
m.yaml:6:44: error: unknown key 'partiton' in resources of asset 'a' (did you mean 'partition'?)
)"},
    {"an unknown executor type",
     R"(executor: {type: slurmm}
)",
     R"(m.yaml:1:18: error: expected 'in_process', 'multiprocess' or 'slurm' for 'type' of executor, got 'slurmm' (did you mean 'slurm'?)
)"},
    {"bad values",
     R"(executor: {max_jobs: 0, poll_interval: never, infra_retries: -1}
assets:
  a: {type: examples/constant, resources: {cpus: 1.5, mem: lots, time: "1:2:3:4", qos: "a b"}}
)",
     R"(m.yaml:1:22: error: expected a positive integer for 'max_jobs' of executor, got '0'
m.yaml:1:40: error: expected a duration greater than 0 (seconds, or like '500ms', '5s', '2m', '1h') for 'poll_interval' of executor, got 'never'
m.yaml:1:62: error: expected a non-negative integer for 'infra_retries' of executor, got '-1'
m.yaml:3:50: error: expected a positive integer for 'cpus' of the resources of asset 'a', got '1.5'
m.yaml:3:60: error: expected a memory size like '512M' or '2G' for 'mem' of the resources of asset 'a', got 'lots'
m.yaml:3:72: error: expected a Slurm time limit ('30' minutes, '10:00', '1:00:00', '1-00:00:00') for 'time' of the resources of asset 'a', got '1:2:3:4'
m.yaml:3:88: error: expected a name without spaces for 'qos' of the resources of asset 'a', got 'a b'
)"},
    {"extra sbatch options assetflow sets, or no option at all",
     R"(executor:
  resources: {extra: [--job-name=x, -o, "--wrap=ls", exclusive]}
)",
     R"(m.yaml:2:23: error: sbatch option '--job-name' in 'extra' of the resources of executor is set by assetflow itself
m.yaml:2:37: error: sbatch option '-o' in 'extra' of the resources of executor is set by assetflow itself
m.yaml:2:41: error: sbatch option '--wrap' in 'extra' of the resources of executor is set by assetflow itself
m.yaml:2:54: error: expected an sbatch option like '--constraint=fast' in 'extra' of the resources of executor, got 'exclusive'
)"},
    {"two executor sections",
     R"(executor: {type: slurm}
executor: {type: in_process}
)",
     R"(m.yaml:2:1: error: duplicate key 'executor' at the top level (first at m.yaml:1:1)
)"},
};

TEST_CASE("executor: and resources: mistakes") {
  const TypeCatalog catalog = testing::TestCatalog();
  for (const testing::ErrorCase& c : kCases) {
    INFO(std::string(c.name));
    CHECK(testing::Diagnose(c.yaml, catalog) == c.expected);
  }
}

}  // namespace
}  // namespace af
