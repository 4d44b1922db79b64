// `assetflow daemon [--once] [--tick S] [--grace S]`: the daemon library (daemon/daemon.h)
// behind signals. SIGINT/SIGTERM once: no new runs, running ones get --grace seconds to
// finish, then are canceled; exit 0. Twice: cancel at once. A second daemon on the same home
// exits 2 with the holder's pid.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/engine_cli.h"
#include "clock/clock.h"
#include "common/json_field.h"
#include "daemon/daemon.h"

namespace af {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_force{false};

void OnStopSignal(int) {
  static const char kStop[] =
      "assetflow daemon: stopping: no new runs; waiting for running ones (again to cancel them)\n";
  if (!g_stop.exchange(true)) {
    ssize_t ignored = ::write(STDERR_FILENO, kStop, sizeof kStop - 1);
    (void)ignored;
    return;
  }
  g_force.store(true);
}

struct DaemonArgs {
  bool once = false;
  double tick_s = 30;
  double grace_s = 30;
  int jobs = 0;
};

int RunDaemon(const GlobalOptions& options, const DaemonArgs& args) {
  if (std::string e = ClockEnvironmentError(); !e.empty()) {
    std::cerr << "error: " << e << "\n";
    return kExitUsage;
  }
  DaemonOptions d;
  d.workspace = ToWorkspaceOptions(options, false);
  d.tick_s = args.tick_s;
  d.grace_s = args.grace_s;
  d.parallelism = args.jobs;
  const bool json = options.log_format == "json";
  d.log = [json](const std::string& line) {
    if (json) {
      // "<time> <text>": the time is the first word.
      const size_t space = line.find(' ');
      rapidjson::StringBuffer buffer;
      rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
      w.StartObject();
      JsonField(w, "time", line.substr(0, space));
      JsonField(w, "message", space == std::string::npos ? "" : line.substr(space + 1));
      w.EndObject();
      std::cerr << buffer.GetString() << std::endl;
    } else {
      std::cerr << line << std::endl;
    }
  };
  struct sigaction sa {};
  sa.sa_handler = &OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  Diagnostics diagnostics;
  auto daemon = Daemon::Start(d, &diagnostics);
  for (const Diagnostic& diag : diagnostics)
    std::cerr << (diag.severity == Diagnostic::Severity::kWarning ? "warning: " : "")
              << diag.ToString() << "\n";
  if (!daemon.ok()) {
    if (diagnostics.empty()) std::cerr << "error: " << daemon.status().message() << "\n";
    return kExitUsage;
  }
  int code = kExitOk;
  if (args.once) {
    (*daemon)->Tick();
    (*daemon)->WaitIdle();
    // Shutdown records and alerts on the states the runs left, without launching again.
    (*daemon)->Shutdown(&g_force);
    if ((*daemon)->stats().failed_jobs > 0) code = kExitRunFailure;
  } else {
    (*daemon)->Run(g_stop, &g_force);
  }
  if ((*daemon)->stats().abandoned) {
    // Steps that did not stop still run on threads of this process (see materialize).
    std::cout.flush();
    std::cerr.flush();
    std::_Exit(code);
  }
  return code;
}

}  // namespace

void AddDaemonCommand(CLI::App& app, const GlobalOptions* options, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "daemon", "Keep assets fresh: run schedules and freshness refreshes, alert, hot-reload");
  auto args = std::make_shared<DaemonArgs>();
  cmd->add_flag("--once", args->once, "Run one tick, wait for its runs, exit (1 if one failed)");
  cmd->add_option("--tick", args->tick_s, "Seconds between ticks (default 30)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--grace", args->grace_s,
                  "Seconds running runs get to finish after SIGTERM/SIGINT before they are "
                  "canceled (default 30)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-j,--jobs", args->jobs, "Steps run at once per run (default: the cores)")
      ->check(CLI::PositiveNumber);
  cmd->callback([options, exit_code, args] { *exit_code = RunDaemon(*options, *args); });
}

}  // namespace af
