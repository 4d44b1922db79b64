// Test fixtures for the hackernews plugin: real servers as child processes (hn-replay, or any
// program that announces its port on stdout), the plugin loaded from its built .so, and a plain
// HTTP GET for /stats.
#ifndef TESTS_HACKERNEWS_REPLAY_SERVER_H
#define TESTS_HACKERNEWS_REPLAY_SERVER_H

#include <assetflow/assetflow.h>

#include <string>
#include <sys/types.h>
#include <vector>

namespace hn_test {

// A child process that prints a line starting with `ready_prefix` on stdout once it serves (an
// empty prefix: don't wait); the destructor kills it. Throws std::runtime_error if that line
// doesn't come within `ready_timeout_s` seconds.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& ready_prefix,
               int ready_timeout_s = 10);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // The rest of the ready line after the prefix, e.g. the port.
  const std::string& ready_value() const { return ready_value_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string ready_value_;
};

// Starts `hn-replay --data <HN_DATA_DIR>/<set> --port 0 <args...>` and waits for its
// `listening on <port>` line; the destructor kills it. Throws std::runtime_error if it does not
// come up within 10 s.
class ReplayServer {
 public:
  explicit ReplayServer(const std::string& set, const std::vector<std::string>& args = {});

  int port() const { return port_; }
  // "http://127.0.0.1:<port>/v0", what the plugin's base_url takes.
  std::string base_url() const;
  // "https://127.0.0.1:<port>/v0", for a server started with --tls-cert/--tls-key.
  std::string https_url() const;
  // A counter of /stats ("requests", "faults_500", "drops", "max_in_flight", ...).
  uint64_t stat(const char* name) const;

 private:
  ChildProcess process_;
  int port_ = 0;
};

// A temporary directory with a throwaway self-signed certificate for 127.0.0.1 (cert.pem,
// key.pem), made by the openssl CLI; removed by the destructor. Throws if openssl fails.
struct TlsDir {
  TlsDir();
  ~TlsDir();
  TlsDir(const TlsDir&) = delete;
  TlsDir& operator=(const TlsDir&) = delete;
  std::string path;
  std::string cert() const { return path + "/cert.pem"; }
  std::string key() const { return path + "/key.pem"; }
};

// A port that was free on 127.0.0.1 a moment ago, for servers that can't pick their own.
int free_port();
// Waits until 127.0.0.1:`port` accepts connections; throws after 10 s.
void wait_for_port(int port);

// The GET body of `url` (libcurl, no retries); throws on a transport error or non-200.
std::string http_get(const std::string& url);

// The hackernews plugin's entry, from the built hackernews.so (loaded once, never unloaded).
const af_plugin_entry* plugin_entry();

}  // namespace hn_test

#endif
