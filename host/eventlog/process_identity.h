// Telling whether the process that made an asset claim is still running. A pid alone is not
// enough: after a crash and reboot, or simply after enough processes, the same pid belongs
// to someone else, and a claim would then look held forever. So a claim also records the
// process's identity, "<boot id>:<start time in clock ticks>" from /proc, and a pid whose
// identity differs is another process. Internal to eventlog.
#ifndef ASSETFLOW_HOST_EVENTLOG_PROCESS_IDENTITY_H_
#define ASSETFLOW_HOST_EVENTLOG_PROCESS_IDENTITY_H_

#include <sys/types.h>

#include <string>

namespace af {

// The identity of live process `pid`, or "" when it does not exist or /proc cannot tell
// (then only the pid is compared).
std::string ProcessIdentity(pid_t pid);

// True when the process that recorded (`pid`, `identity`) on this host is certainly gone:
// no such pid, or a pid now owned by a process with another identity. An empty `identity`
// falls back to the pid check alone.
bool ProcessGone(pid_t pid, const std::string& identity);

}  // namespace af

#endif
