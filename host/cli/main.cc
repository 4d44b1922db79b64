// assetflow: the command-line entry. Parses global options, dispatches to one command; exit
// codes are 0 ok, 1 run failure, 2 usage or validation error (also for CLI parse errors).
#include <CLI/CLI.hpp>

#include <iostream>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "cli/commands.h"
#include "cli/isolate.h"

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // A fixed threshold: blocks of 1 MiB and more (a manifest's tree, a run's step tables) are
  // mapped on their own and go back to the system when freed. glibc's default raises the
  // threshold after each such free, so the next ones come from the heap and stay resident
  // after they are freed: ~8 MB of the 100,000-asset run's peak (issue 12). Fixing it also
  // stops the dynamic trim threshold, which glibc keeps at twice the mmap threshold: set so,
  // the heap's top is not given back and faulted in again for every smaller block freed.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  mallopt(M_TRIM_THRESHOLD, 2 << 20);
#endif
  CLI::App app{"assetflow: software-defined assets, native.\n"
               "Materializes the assets your manifests declare, with plugins you drop in."};
  app.set_version_flag("--version", "assetflow 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();

  af::GlobalOptions options;
  app.add_option("-m,--manifest", options.manifests,
                 "Manifest file or directory (repeatable; default: manifests/)");
  app.add_option("-p,--plugin-dir", options.plugin_dirs,
                 "Plugin directory to scan (repeatable; also $ASSETFLOW_PLUGIN_PATH)");
  app.add_option("--home", options.home,
                 "assetflow home (event log, default storage); default $ASSETFLOW_HOME or ./.assetflow");
  app.add_option("--log-format", options.log_format, "Event output: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("-q,--quiet", options.quiet, "Print only errors and results");

  int exit_code = af::kExitOk;
  af::AddPluginsCommand(app, &options, &exit_code);
  af::AddCheckCommand(app, &options, &exit_code);
  af::AddListCommand(app, &options, &exit_code);
  af::AddGraphCommand(app, &options, &exit_code);
  af::AddDescribeCommand(app, &options, &exit_code);
  af::AddNewCommand(app, &exit_code);
  CLI::App* worker = af::AddWorkerCommands(app, &exit_code);
#ifdef AF_HAVE_ENGINE
  af::AddEngineCommands(app, &options, &exit_code);
  af::AddRunStepCommand(worker, &exit_code);
  af::AddDaemonCommand(app, &options, &exit_code);
  af::AddServeCommand(app, &options, &exit_code);
  af::AddResumeCommand(app, &options, &exit_code);
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return af::ReportParseError(app, e, argc, argv);
  } catch (const std::exception& e) {  // the last line: no exception may abort the host
    std::cerr << "error: internal error: " << e.what() << "\n";
    return af::kExitRunFailure;
  }
  return exit_code;
}
