// A real `assetflow serve` for a test: started on a free port (--port 0) on a temp home,
// its URL read from what it prints, stopped with SIGTERM (and waited for) at the end.
#ifndef AF_TESTS_SERVER_SERVE_PROCESS_H
#define AF_TESTS_SERVER_SERVE_PROCESS_H

#include <httplib.h>

#include <thread>

#include "support/cli_process.h"

namespace af_test {

struct ServeProcess {
  Child child;
  std::string url;  // as printed: "http://127.0.0.1:PORT/" (+ "?token=...")
  int port = 0;

  ServeProcess(const std::string& dir, const std::string& home, const std::string& manifest,
               std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {AF_ASSETFLOW, "--home", home, "--manifest", manifest,
                                     "--plugin-dir", AF_PLUGIN_DIR, "serve", "--port", "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    child = Spawn(argv, dir + "/serve.out", dir + "/serve.err");
    const std::string marker = "assetflow serve: ";
    for (int i = 0; i < 200 && url.empty(); ++i) {
      const std::string out = ReadFile(child.out_path);
      const size_t at = out.find(marker);
      const size_t eol = at == std::string::npos ? at : out.find('\n', at);
      if (eol != std::string::npos) url = out.substr(at + marker.size(), eol - at - marker.size());
      if (url.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    REQUIRE_MESSAGE(!url.empty(), "serve did not start: " << ReadFile(child.err_path));
    const size_t colon = url.find(':', 7);
    port = std::stoi(url.substr(colon + 1));
  }

  ~ServeProcess() {
    ::kill(child.pid, SIGTERM);
    Result r = WaitAtMost(child, 20);
    CHECK_MESSAGE(r.exit_code == 0, "serve exit " << r.exit_code << ": " << r.err);
  }

  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(20, 0);
    return c;
  }
};

// The headers the UI sends with every POST.
inline httplib::Headers UiPostHeaders(int port) {
  return {{"X-Assetflow", "1"},
          {"Sec-Fetch-Site", "same-origin"},
          {"Origin", "http://127.0.0.1:" + std::to_string(port)}};
}

}  // namespace af_test

#endif
