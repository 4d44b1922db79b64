// `assetflow serve [--port N] [--host H]`: the web UI and its JSON API (host/server). Prints
// the URL it serves (with the token, once, when one is required), then serves until SIGINT
// or SIGTERM; runs launched from the UI that are still going are canceled and waited for.
#include <signal.h>

#include <iostream>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "server/security.h"
#include "server/web_server.h"

namespace af {
namespace {

struct ServeArgs {
  std::string host = "127.0.0.1";
  int port = 8765;
  std::vector<std::string> allow_hosts;
  double heartbeat_s = 15;
  int jobs = 0;
};

int RunServe(const GlobalOptions& options, const ServeArgs& args) {
  ServeOptions serve;
  serve.workspace = ToWorkspaceOptions(options, false);
  serve.host = args.host;
  serve.port = args.port;
  serve.allowed_hosts = args.allow_hosts;
  serve.heartbeat_s = args.heartbeat_s;
  serve.parallelism = args.jobs;
  if (const char* token = std::getenv("ASSETFLOW_TOKEN"); token && *token) serve.token = token;

  // The signals are taken by a thread that waits for them (sigwait), so that stopping the
  // server runs on a normal thread; every other thread inherits the blocked mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a client that hangs up mid-stream is not our death

  Diagnostics diagnostics;
  auto server = WebServer::Start(serve, &diagnostics);
  for (const Diagnostic& d : diagnostics) std::cerr << d.ToString() << "\n";
  if (!server.ok()) {
    std::cerr << "error: " << server.status().message() << "\n";
    return kExitUsage;
  }
  if (!IsLoopbackHost(args.host)) {
    std::cerr << "note: serving on " << args.host
              << ", beyond this machine: every request needs the token in the URL below\n";
  }
  std::cout << "assetflow serve: " << (*server)->url() << std::endl;

  WebServer* raw = server->get();
  std::thread waiter([raw, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    raw->Stop();
  });
  raw->Serve();
  std::cerr << "assetflow serve: stopping\n";
  server->reset();  // cancels the UI's runs and waits for them
  if (waiter.joinable()) {
    // Serve may also end without a signal (the listener failed): wake the waiter.
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
  }
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, const GlobalOptions* options, int* exit_code) {
  auto* cmd = app.add_subcommand("serve", "Serve the web UI: the asset graph, runs, live logs");
  auto args = std::make_shared<ServeArgs>();
  cmd->add_option("--port", args->port, "Port (0: a free one; default 8765)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--host", args->host,
                  "Address to bind (default 127.0.0.1; any other requires the printed token)");
  cmd->add_option("--allow-host", args->allow_hosts,
                  "Another name the Host header may carry (repeatable; e.g. a DNS name)");
  cmd->add_option("--heartbeat", args->heartbeat_s, "Seconds between event-stream heartbeats")
      ->check(CLI::Range(0.05, 3600.0));
  cmd->add_option("-j,--jobs", args->jobs, "Worker threads of each run (default: the cores)");
  cmd->callback([options, exit_code, args] { *exit_code = RunServe(*options, *args); });
}

}  // namespace af
