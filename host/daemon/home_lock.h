// One daemon per home: an exclusive flock on <home>/daemon.lock, held for the life of the
// HomeLock (the kernel drops it when the process dies, so a crash never leaves it stale). The
// file holds the holder's pid, for the message a second daemon prints.
#ifndef ASSETFLOW_HOST_DAEMON_HOME_LOCK_H_
#define ASSETFLOW_HOST_DAEMON_HOME_LOCK_H_

#include <memory>
#include <string>

#include "common/status.h"

namespace af {

class HomeLock {
 public:
  // Busy ("another assetflow daemon (pid N) is running on home H") if held elsewhere.
  static Expected<std::unique_ptr<HomeLock>> Acquire(const std::string& home);
  ~HomeLock();
  HomeLock(const HomeLock&) = delete;
  HomeLock& operator=(const HomeLock&) = delete;

 private:
  explicit HomeLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace af

#endif
