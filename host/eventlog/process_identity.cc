#include "eventlog/process_identity.h"

#include <signal.h>

#include <cerrno>
#include <fstream>
#include <sstream>

namespace af {

namespace {

std::string BootId() {
  static const std::string boot_id = [] {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id;
  }();
  return boot_id;
}

struct ProcStat {
  std::string state;       // field 3: "R", "S", ... "Z" (exited, not yet reaped)
  std::string start_time;  // field 22: start time after boot, in clock ticks
};

// Fields are counted after the command name, which is in parentheses and may itself hold
// spaces or ')'. Empty fields when the process or /proc is not there.
ProcStat ReadProcStat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream fields(stat.substr(close + 1));
  ProcStat result;
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(fields >> field)) return {};
    if (i == 3) result.state = field;
  }
  result.start_time = field;
  return result;
}

}  // namespace

std::string ProcessIdentity(pid_t pid) {
  const std::string boot_id = BootId();
  const std::string start = ReadProcStat(pid).start_time;
  if (boot_id.empty() || start.empty()) return "";
  return boot_id + ":" + start;
}

bool ProcessGone(pid_t pid, const std::string& identity) {
  if (pid <= 0) return false;
  // EPERM: the pid exists, under another user.
  if (kill(pid, 0) != 0 && errno == ESRCH) return true;
  const ProcStat stat = ReadProcStat(pid);
  if (stat.state == "Z") return true;  // exited; only its parent has not reaped it yet
  if (identity.empty() || stat.start_time.empty() || BootId().empty()) return false;
  return BootId() + ":" + stat.start_time != identity;
}

}  // namespace af
