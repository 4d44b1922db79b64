// SlurmClient against shim commands (real shell scripts standing in for sbatch/squeue/scancel,
// whose behaviour a test must choose: a transient failure, a malformed answer). The real
// cluster is exercised by tests/slurm.
#include "slurm/slurm_client.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "slurm/slurm_runner.h"

namespace af {
namespace {

namespace fs = std::filesystem;

struct ShimDir {
  fs::path dir;
  ShimDir() {
    char t[] = "/tmp/af-slurm-shim-XXXXXX";
    dir = ::mkdtemp(t);
  }
  ~ShimDir() { fs::remove_all(dir); }
  void Write(const std::string& name, const std::string& body) {
    const fs::path p = dir / name;
    std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
    ::chmod(p.c_str(), 0755);
  }
  std::string Read(const std::string& name) {
    std::ifstream in(dir / name);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

SubmitBackoff Fast() { return SubmitBackoff{3, 0.01, 0.02}; }

TEST_CASE("sbatch: the job id of --parsable, a transient error retried, others not") {
  ShimDir shim;
  const std::string d = shim.dir.string();
  SUBCASE("parsable output, with and without a cluster name") {
    shim.Write("sbatch", "echo \"$@\" > " + d + "/args; echo '42;afx'");
    SlurmClient client(CommandRunner(d), Fast());
    auto id = client.Submit({"--no-requeue", "--wrap=true"});
    REQUIRE(id.ok());
    CHECK(*id == "42");
    CHECK(shim.Read("args") == "--parsable --no-requeue --wrap=true\n");
  }
  SUBCASE("a transient error, then success: retried") {
    shim.Write("sbatch",
               "if [ -e " + d + "/once ]; then echo 7; exit 0; fi; touch " + d +
                   "/once; echo 'sbatch: error: Batch job submission failed: Socket timed out "
                   "on send/recv operation' >&2; exit 1");
    SlurmClient client(CommandRunner(d), Fast());
    auto id = client.Submit({});
    REQUIRE(id.ok());
    CHECK(*id == "7");
  }
  SUBCASE("transient every time: the last error, after the tries") {
    shim.Write("sbatch", "echo x >> " + d + "/count; echo 'sbatch: error: Unable to contact slurm "
                         "controller (connect failure)' >&2; exit 1");
    SlurmClient client(CommandRunner(d), Fast());
    auto id = client.Submit({});
    REQUIRE_FALSE(id.ok());
    CHECK(id.status().message() ==
          "sbatch exited with status 1: sbatch: error: Unable to contact slurm controller "
          "(connect failure) (after 3 tries)");
    CHECK(shim.Read("count") == "x\nx\nx\n");
  }
  SUBCASE("a permanent error: not retried") {
    shim.Write("sbatch", "echo x >> " + d + "/count; echo 'sbatch: error: invalid partition "
                         "specified: nope' >&2; exit 1");
    SlurmClient client(CommandRunner(d), Fast());
    auto id = client.Submit({});
    REQUIRE_FALSE(id.ok());
    CHECK(id.status().message() ==
          "sbatch exited with status 1: sbatch: error: invalid partition specified: nope");
    CHECK(shim.Read("count") == "x\n");
  }
  SUBCASE("no job id printed") {
    shim.Write("sbatch", "echo 'Submitted batch job 5'");
    SlurmClient client(CommandRunner(d), Fast());
    auto id = client.Submit({});
    REQUIRE_FALSE(id.ok());
    CHECK(id.status().message() == "sbatch printed no job id: 'Submitted batch job 5'");
  }
  SUBCASE("no sbatch at all") {
    SlurmClient client(CommandRunner(d), Fast());
    auto id = client.Submit({});
    REQUIRE_FALSE(id.ok());
    CHECK(id.status().message().find("cannot run " + d + "/sbatch") == 0);
  }
}

TEST_CASE("squeue: one call for all names; a failed call is an error, not an empty queue") {
  ShimDir shim;
  const std::string d = shim.dir.string();
  shim.Write("squeue", "echo \"$@\" > " + d + "/args; printf '12|RUNNING|n2\\n13|PENDING|\\n"
                       "11|NODE_FAIL|n1\\n'");
  SlurmClient client(CommandRunner(d), Fast());
  auto q = client.Queue({"af-aaaaaaaa", "af-bbbbbbbb"});
  REQUIRE(q.ok());
  REQUIRE(q->size() == 3);
  CHECK(q->at("12").state == "RUNNING");
  CHECK(q->at("12").node == "n2");
  CHECK(q->at("13").state == "PENDING");
  CHECK(q->at("13").node == "");
  CHECK(q->at("11").state == "NODE_FAIL");
  CHECK(shim.Read("args") ==
        "--noheader --states=all --format=%i|%T|%N --name=af-aaaaaaaa,af-bbbbbbbb\n");

  shim.Write("squeue", "echo 'slurm_load_jobs error: Unable to contact slurm controller' >&2; "
                       "exit 1");
  auto down = client.Queue({"af-aaaaaaaa"});
  REQUIRE_FALSE(down.ok());
  CHECK(down.status().message() == "squeue exited with status 1: slurm_load_jobs error: "
                                   "Unable to contact slurm controller");
}

TEST_CASE("sbatch arguments: resources over the defaults, the asset's limits, excluded nodes") {
  SlurmOptions o;
  o.executable = "/opt/af/assetflow";
  o.defaults.cpus = 1;
  o.defaults.partition = "debug";
  o.defaults.extra = {"--constraint=fast"};
  JobResources big;
  big.cpus = 4;
  big.mem = "2G";
  big.qos = "high";
  big.extra = {"--exclusive"};
  o.per_asset["big"] = big;
  o.bin_dir = "/nonexistent";
  SlurmRunner runner(o);
  StepSpec spec;
  spec.run_id = "0123456789abcdef";
  spec.asset_key = "big";
  spec.timeout_s = 90;
  const std::string dir = "/s/runs/r/steps/big/a1";
  CHECK(runner.SubmitArgs(spec, dir, {"n2", "n3"}) ==
        std::vector<std::string>{
            "--no-requeue", "--job-name=af-01234567", "--comment=big", "--ntasks=1",
            "--cpus-per-task=4", "--mem=2G", "--time=2", "--partition=debug", "--qos=high",
            "--constraint=fast", "--exclusive", "--exclude=n2,n3", "--chdir=" + dir,
            "--output=" + dir + "/slurm-%j.log",
            "--wrap=exec '/opt/af/assetflow' worker run-step '" + dir +
                "/spec.json' --attempt-dir '" + dir + "'"});
  spec.asset_key = "small";
  spec.timeout_s = 0;
  spec.max_rss_mb = 300;
  CHECK(runner.SubmitArgs(spec, dir, {}) ==
        std::vector<std::string>{
            "--no-requeue", "--job-name=af-01234567", "--comment=small", "--ntasks=1",
            "--cpus-per-task=1", "--mem=300M", "--partition=debug", "--constraint=fast",
            "--chdir=" + dir, "--output=" + dir + "/slurm-%j.log",
            "--wrap=exec '/opt/af/assetflow' worker run-step '" + dir +
                "/spec.json' --attempt-dir '" + dir + "'"});
}

}  // namespace
}  // namespace af
