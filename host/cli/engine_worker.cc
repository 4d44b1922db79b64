// `assetflow worker run-step`: one step from a spec (engine/child_process_runner.h), its
// records to a fd or a file; what the host runs in child processes, not for people.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "engine/child_process_runner.h"

namespace af {

void AddRunStepCommand(CLI::App* worker, int* exit_code) {
  auto* step = worker->add_subcommand(
      "run-step", "Run one step from a spec (a file, or - for the first line of stdin)");
  auto spec = std::make_shared<std::string>();
  auto records_fd = std::make_shared<int>(3);
  auto records_file = std::make_shared<std::string>();
  step->add_option("spec", *spec, "Step spec JSON file, or - (stdin)")->required();
  step->add_option("--records-fd", *records_fd, "Descriptor to write the records to (default 3)");
  step->add_option("--records", *records_file, "File to write the records to instead");
  auto host_pid = std::make_shared<pid_t>(0);
  step->add_option("--host-pid", *host_pid,
                   "The host process that supervises this worker: the worker is killed when it "
                   "ends (the child-process runner's; not for cluster jobs)");
  auto attempt_dir = std::make_shared<std::string>();
  step->add_option("--attempt-dir", *attempt_dir,
                   "A cluster attempt's folder: records to its events.jsonl, and the heartbeat, "
                   "claim and result.json files");
  step->callback([exit_code, spec, records_fd, records_file, attempt_dir, host_pid] {
    if (*host_pid > 0) {
      // SIGKILL when the thread that spawned this worker ends, which is the host's thread
      // supervising the step (it outlives the worker unless the host dies). The second check
      // covers a host that died before prctl took effect.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != *host_pid) std::_Exit(kExitUsage);
    }
    int fd = *records_fd;
    WorkerFiles files;
    if (!attempt_dir->empty()) {
      files = WorkerFilesIn(*attempt_dir);
      *records_file = WorkerRecordsIn(*attempt_dir);
    }
    if (!records_file->empty()) {
      fd = ::open(records_file->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0) {
        std::cerr << "assetflow worker: cannot write records to '" << *records_file << "'\n";
        *exit_code = kExitUsage;
        return;
      }
    }
    const int code = RunWorkerStep(*spec, fd, files);
    // A plugin may have left threads running: end without destructors under them.
    std::cout.flush();
    std::cerr.flush();
    std::_Exit(code);
  });
}

}  // namespace af
