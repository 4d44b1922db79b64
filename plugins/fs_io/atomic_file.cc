#include "atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace fs_io {
namespace {

namespace fs = std::filesystem;

// Errors the same call would meet again (a directory where a file should be, permissions, a
// read-only file system, a name too long) are fatal; the rest (ENOSPC, EIO, EMFILE...) may
// clear up, so the asset's retry policy applies. ENOSPC is retryable on purpose: space is
// often freed within minutes, and the retry delay and deadline bound the cost.
bool IsPermanent(int err) {
  switch (err) {
    case EISDIR: case ENOTDIR: case EACCES: case EPERM: case EROFS: case ENAMETOOLONG:
    case ELOOP: case EINVAL: case EFBIG:
      return true;
    default:
      return false;
  }
}

[[noreturn]] void ThrowIo(const std::string& what, const std::string& path, int err) {
  throw assetflow::Error(IsPermanent(err) ? AF_ERR_FATAL : AF_ERR_IO,
                         what + " '" + path + "': " + std::strerror(err));
}

// Makes the last rename in `dir` durable. Some filesystems refuse fsync on a directory
// (EINVAL); the rename is still atomic there, so that is not an error.
void SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) ThrowIo("cannot open directory", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL && err != EROFS) ThrowIo("cannot fsync directory", dir, err);
}

std::string ParentOf(const std::string& path) {
  fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

std::string StagedPath(const std::string& path, const std::string& run_id, uint32_t attempt) {
  const fs::path p(path);
  const std::string dir = ParentOf(path);
  return dir + "/." + p.filename().string() + ".af-" + run_id + "-" + std::to_string(attempt) +
         ".tmp";
}

AtomicFileWriter::AtomicFileWriter(std::string path, bool durable, std::string temp_path)
    : path_(std::move(path)), temp_path_(std::move(temp_path)), durable_(durable) {
  const std::string dir = ParentOf(path_);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) ThrowIo("cannot create directory", dir, ec.value());
  if (!temp_path_.empty()) {
    // Named by (run, attempt): a leftover of the same attempt of a dead process is replaced.
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      const int err = errno;
      temp_path_.clear();
      ThrowIo("cannot create temp file for", path_, err);
    }
    return;
  }
  // Hidden, unique per process and writer; O_EXCL makes a collision with another process (or a
  // stale temp file from a crash) a retry with the next number, never a shared file.
  static std::atomic<uint64_t> counter{0};
  const std::string base = fs::path(path_).filename().string();
  for (int tries = 0; fd_ < 0; ++tries) {
    temp_path_ = dir + "/." + base + "." + std::to_string(::getpid()) + "." +
                 std::to_string(counter.fetch_add(1)) + ".tmp";
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0 && (errno != EEXIST || tries > 100)) ThrowIo("cannot create", temp_path_, errno);
  }
}

AtomicFileWriter::~AtomicFileWriter() { abort(); }

void AtomicFileWriter::write(const void* data, std::size_t size) {
  if (fd_ < 0) throw assetflow::Error(AF_ERR_IO, "write after commit or abort of '" + path_ + "'");
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowIo("cannot write", temp_path_, errno);
    }
    p += n;
    size -= static_cast<std::size_t>(n);
    bytes_ += static_cast<uint64_t>(n);
  }
}

void AtomicFileWriter::Close() {
  if (fd_ < 0) throw assetflow::Error(AF_ERR_IO, "commit after abort of '" + path_ + "'");
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) {
    int err = errno;
    ::unlink(temp_path_.c_str());
    ThrowIo("cannot close", temp_path_, err);
  }
}

void AtomicFileWriter::AddMetadata(assetflow::Context& ctx) const {
  std::error_code ec;
  fs::path absolute = fs::absolute(path_, ec);
  ctx.metadata("path", AF_META_PATH, ec ? path_ : absolute.lexically_normal().string());
  ctx.metadata_int("bytes", static_cast<int64_t>(bytes_));
}

void AtomicFileWriter::commit(assetflow::Context& ctx) {
  if (durable_ && fd_ >= 0 && ::fsync(fd_) != 0) ThrowIo("cannot fsync", temp_path_, errno);
  Close();
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    ::unlink(temp_path_.c_str());
    ThrowIo("cannot rename temp file to", path_, err);
  }
  temp_path_.clear();
  if (durable_) SyncDirectory(ParentOf(path_));
  AddMetadata(ctx);
}

void AtomicFileWriter::stage(assetflow::Context& ctx) {
  Close();
  temp_path_.clear();  // kept: PublishStaged or the host's discard takes it from here
  AddMetadata(ctx);
}

void AtomicFileWriter::abort() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }
}

bool PublishStaged(const std::string& temp_path, const std::string& path) {
  if (::rename(temp_path.c_str(), path.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  ThrowIo("cannot rename staged file to", path, errno);
}

void SyncFilesystem(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return;
    ThrowIo("cannot open directory", dir, errno);
  }
  int rc = ::syncfs(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) ThrowIo("cannot sync the filesystem of", dir, err);
}

void SweepRun(const std::string& dir, const std::string& run_id, bool recursive) {
  const std::string marker = ".af-" + run_id + "-";
  auto sweep = [&](const fs::path& p) {
    const std::string name = p.filename().string();
    if (name.size() > 4 && name[0] == '.' && name.find(marker) != std::string::npos &&
        name.compare(name.size() - 4, 4, ".tmp") == 0)
      ::unlink(p.c_str());
  };
  std::error_code ec;
  if (recursive) {
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_regular_file(ec)) sweep(it->path());
  } else {
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_regular_file(ec)) sweep(it->path());
  }
}

FileReader::FileReader(const std::string& path, const std::string& asset_key) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    if (errno == ENOENT)
      throw assetflow::Error(AF_ERR_NOT_FOUND,
                             "asset '" + asset_key + "' is not stored at '" + path + "'");
    ThrowIo("cannot open", path, errno);
  }
  // open() succeeds on a directory and read() then fails with EISDIR: say it here, once.
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw assetflow::FatalError("asset '" + asset_key + "' cannot be read: '" + path +
                                "' is " + (S_ISDIR(st.st_mode) ? "a directory" : "not a regular file") +
                                ", not a stored asset");
  }
}

FileReader::~FileReader() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t FileReader::read(void* buffer, std::size_t size) {
  for (;;) {
    ssize_t n = ::read(fd_, buffer, size);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) ThrowIo("cannot read", path_, errno);
  }
}

void RemoveFileAndEmptyParents(const std::string& path, const std::string& stop_dir) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) ThrowIo("cannot delete", path, errno);
  const fs::path stop = fs::path(stop_dir).lexically_normal();
  for (fs::path dir = fs::path(path).parent_path().lexically_normal();
       !dir.empty() && dir != stop && dir != dir.root_path(); dir = dir.parent_path()) {
    if (::rmdir(dir.c_str()) != 0) break;  // not empty (or gone): stop climbing
  }
}

}  // namespace fs_io
