// Fixtures of the S3 tests: moto's server (tests/s3/moto_server.py) with SigV4 enforced, the
// assetflow CLI run as a real process against it, and boto3 (tests/s3/s3_check.py) as the
// independent client that checks what assetflow stored.
#ifndef AF_TESTS_S3_S3_FIXTURE_H
#define AF_TESTS_S3_S3_FIXTURE_H

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hackernews/replay_server.h"
#include "s3_io/s3_client.h"
#include "support/cli_process.h"

namespace s3_test {

inline const char* kBucket = "assetflow-test";

// moto on a free port of 127.0.0.1; every request after the bootstrap must be signed.
class MotoServer {
 public:
  MotoServer()
      : process_({"python3", MOTO_LAUNCHER, "--bucket", kBucket, "--bucket", "assetflow-bench"},
                 "ready ", 90) {
    std::stringstream fields(process_.ready_value());
    for (std::string f; fields >> f;) {
      const size_t eq = f.find('=');
      values_[f.substr(0, eq)] = f.substr(eq + 1);
    }
    port_ = std::stoi(values_.at("port"));
  }
  int port() const { return port_; }
  pid_t pid() const { return process_.pid(); }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& access_key() const { return values_.at("access_key"); }
  const std::string& secret_key() const { return values_.at("secret_key"); }

  // The environment an AWS client finds its settings in, for this server.
  void Export(const std::string& secret_override = "") const {
    ::setenv("AWS_ACCESS_KEY_ID", access_key().c_str(), 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", (secret_override.empty() ? secret_key() : secret_override).c_str(), 1);
    ::setenv("AWS_ENDPOINT_URL", endpoint().c_str(), 1);
    ::setenv("AWS_REGION", "us-east-1", 1);
    ::setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    ::unsetenv("AWS_SESSION_TOKEN");
    ::unsetenv("AWS_PROFILE");
    ::unsetenv("AWS_ENDPOINT_URL_S3");
  }

  // assetflow's own client, for polling the server while a test waits for a moment.
  std::unique_ptr<s3::Client> Client() const {
    s3::ClientConfig config;
    config.bucket = kBucket;
    config.endpoint_url = endpoint();
    config.virtual_addressing = false;
    config.max_attempts = 1;
    return std::make_unique<s3::Client>(config, s3::Credentials{access_key(), secret_key(), "", "test"});
  }

 private:
  hn_test::ChildProcess process_;
  std::map<std::string, std::string> values_;
  int port_ = 0;
};

// A result of a real process, with its peak RSS (KiB).
struct Run : af_test::Result {
  long max_rss_kb = 0;
};

inline Run RunProcess(const std::vector<std::string>& argv, const std::string& dir, double limit_s = 300) {
  static int n = 0;
  const std::string base = dir + "/proc" + std::to_string(++n);
  af_test::Child c = af_test::Spawn(argv, base + ".out", base + ".err");
  // wait4 for the child's rusage; a deadline as in af_test::WaitAtMost.
  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  rusage usage{};
  bool timed_out = false;
  while (::wait4(c.pid, &status, WNOHANG, &usage) == 0) {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > limit_s) {
      ::kill(c.pid, SIGKILL);
      ::wait4(c.pid, &status, 0, &usage);
      timed_out = true;
      break;
    }
    ::usleep(5000);
  }
  Run r;
  static_cast<af_test::Result&>(r) = af_test::Collect(c, status, 0, timed_out);
  r.max_rss_kb = usage.ru_maxrss;
  return r;
}

// boto3 through tests/s3/s3_check.py; its stdout (REQUIREs exit 0).
inline std::string Boto(const std::vector<std::string>& args, const std::string& dir) {
  std::vector<std::string> argv = {"/usr/bin/env", "python3", S3_CHECK};
  argv.insert(argv.end(), args.begin(), args.end());
  Run r = RunProcess(argv, dir, 120);
  INFO("s3_check " << args[0] << ": " << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

// One home, manifest and plugin dir for assetflow commands.
struct Workspace {
  af_test::TempDir dir{"af_s3"};
  std::string home = dir.path + "/home";
  std::string manifest = dir.path + "/manifest.yaml";

  void Write(const std::string& yaml) const {
    std::ofstream(manifest) << yaml;
  }
  Run Assetflow(std::vector<std::string> args, double limit_s = 300) const {
    std::vector<std::string> argv = {AF_ASSETFLOW, "--home", home, "--manifest", manifest,
                                     "--plugin-dir", AF_PLUGIN_DIR};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv, dir.path, limit_s);
  }
};

// The s3_io_manager resource of a manifest: `bucket` and `prefix` (a YAML double-quoted string).
inline std::string S3Resource(const std::string& name, const std::string& prefix,
                              const std::string& extra = "", const std::string& bucket = kBucket) {
  return "  " + name + ":\n    type: s3_io/s3_io_manager\n    config: { bucket: " + bucket +
         ", prefix: \"" + prefix + "\"" + (extra.empty() ? "" : ", " + extra) + " }\n";
}

// sha256 hex of `size` bytes of examples/bytes (byte i = i % 251).
std::string ExpectedBytesSha256(uint64_t size);

}  // namespace s3_test

#endif
