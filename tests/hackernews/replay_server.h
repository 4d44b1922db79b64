// Test fixtures for the hackernews plugin: a real hn-replay child process on a free port, the
// plugin loaded from its built .so, and a plain HTTP GET for /stats.
#ifndef TESTS_HACKERNEWS_REPLAY_SERVER_H
#define TESTS_HACKERNEWS_REPLAY_SERVER_H

#include <assetflow/assetflow.h>

#include <string>
#include <sys/types.h>
#include <vector>

namespace hn_test {

// Starts `hn-replay --data <HN_DATA_DIR>/<set> --port 0 <args...>` and waits for its
// `listening on <port>` line; the destructor kills it. Throws std::runtime_error if it does not
// come up within 10 s.
class ReplayServer {
 public:
  explicit ReplayServer(const std::string& set, const std::vector<std::string>& args = {});
  ~ReplayServer();
  ReplayServer(const ReplayServer&) = delete;
  ReplayServer& operator=(const ReplayServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>/v0", what the plugin's base_url takes.
  std::string base_url() const;
  // A counter of /stats ("requests", "faults_500", "drops", "max_in_flight", ...).
  uint64_t stat(const char* name) const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// The GET body of `url` (libcurl, no retries); throws on a transport error or non-200.
std::string http_get(const std::string& url);

// The hackernews plugin's entry, from the built hackernews.so (loaded once, never unloaded).
const af_plugin_entry* plugin_entry();

}  // namespace hn_test

#endif
