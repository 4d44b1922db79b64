#include "daemon/home_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace af {

Expected<std::unique_ptr<HomeLock>> HomeLock::Acquire(const std::string& home) {
  std::error_code ec;
  std::filesystem::create_directories(home, ec);
  const std::string path = home + "/daemon.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char pid[32] = {};
    ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    ::close(fd);
    if (err != EWOULDBLOCK)
      return Status::IoError("cannot lock " + path + ": " + std::strerror(err));
    std::string holder(pid, n > 0 ? static_cast<size_t>(n) : 0);
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return Status::Busy("another assetflow daemon" +
                        (holder.empty() ? std::string() : " (pid " + holder + ")") +
                        " is running on home " + home + " (one daemon per home; " + path +
                        " is locked)");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The lock holds regardless; only the message of a second daemon loses the pid.
  }
  return std::unique_ptr<HomeLock>(new HomeLock(fd));
}

HomeLock::~HomeLock() { ::close(fd_); }

}  // namespace af
