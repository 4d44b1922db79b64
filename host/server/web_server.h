// WebServer: `assetflow serve`. The workspace (reloadable), one EventLog for the process, the
// layout cache, the runs it launched, the JSON API and the embedded UI behind HttpServer and
// the security policy (security.h).
//
// API (JSON; every POST needs the CSRF headers of security.h):
//   GET  /api/health                      {"ok":true,"ui":"full"|"plain"}
//   GET  /api/assets                      every asset: status, cause, last materialization
//   GET  /api/assets/<key>                one asset: causes, metadata, artifact, history
//   GET  /api/graph[?expand=g,h|*]        the layout (groups collapsed by default)
//   GET  /api/runs[?limit=N]              newest first
//   GET  /api/runs/<id>                   the run and its steps
//   GET  /api/runs/<id>/events?after=N    events with id > N (the polling cursor)
//   GET  /api/runs/<id>/stream            the same as an event stream (Last-Event-ID resumes)
//   GET  /api/stream                      every run's events, for live status (Last-Event-ID)
//   GET  /api/artifacts/<id>              an asset's stored value, by the id /api/assets gave
//   POST /api/materialize                 {"all"|"select"|"assets", "missing","stale","failed",
//                                          "with_upstream"} -> 202 {"run_id"}
//   POST /api/runs/<id>/cancel            a run this server launched
//   POST /api/reload                      re-reads manifests and plugins
// Everything else is the UI (exact paths, from memory) or 404.
#ifndef ASSETFLOW_HOST_SERVER_WEB_SERVER_H_
#define ASSETFLOW_HOST_SERVER_WEB_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "common/status.h"
#include "workspace/workspace.h"

namespace af {

struct ServeOptions {
  WorkspaceOptions workspace;
  std::string host = "127.0.0.1";
  int port = 8765;  // 0: a free port
  // Host names accepted in the Host header besides the loopback names and `host`.
  std::vector<std::string> allowed_hosts;
  // Off loopback a token is always required (generated when empty); on loopback only when set.
  std::string token;
  double heartbeat_s = 15;
  int parallelism = 0;  // of each run; <= 0: the cores
};

class WebServer {
 public:
  // Loads the workspace, opens the event log (ending runs whose process died) and binds.
  // Diagnostics of the workspace are in `*diagnostics` (warnings on success).
  static Expected<std::unique_ptr<WebServer>> Start(const ServeOptions& options,
                                                    Diagnostics* diagnostics);
  ~WebServer();

  int port() const;
  // "http://127.0.0.1:8765/", with "?token=..." when a token is required.
  std::string url() const;
  // Serves until Stop (from another thread or a signal handler's thread).
  void Serve();
  void Stop();

  struct State;

 private:
  WebServer() = default;
  std::unique_ptr<State> state_;
};

}  // namespace af

#endif
