// AtomicFileWriter: writes a file so that a reader sees either the previous version or the
// whole new one, never a prefix. The bytes go to a hidden temp file in the destination's
// directory. Then either
//   commit: fsync it (durable mode), rename it over the destination (atomic within a
//           filesystem), fsync the directory; or
//   stage:  close it and leave it under its name; PublishStaged renames it later, and
//           SyncFilesystem makes a whole batch durable with one syncfs.
// abort unlinks it.
//
// The temp name is derived from the (run id, attempt) of the call when the host gives a run
// id, so that another process (a host recovering a crashed run) can find it again: see
// StagedPath and SweepRun. Shared by both IO managers of the fs_io plugin. One writer per
// materialization, used on one thread. Errors are thrown as
// assetflow::Error(AF_ERR_IO, "<what> '<path>': <strerror>").
#ifndef ASSETFLOW_PLUGINS_FS_IO_ATOMIC_FILE_H_
#define ASSETFLOW_PLUGINS_FS_IO_ATOMIC_FILE_H_

#include <assetflow/cpp/plugin.hpp>

#include <cstdint>
#include <string>

namespace fs_io {

// "<dir>/.<name>.af-<run_id>-<attempt>.tmp" for destination "<dir>/<name>"; the run id is
// host-made (a UUID), never a path.
std::string StagedPath(const std::string& path, const std::string& run_id, uint32_t attempt);

class AtomicFileWriter : public assetflow::Writer {
 public:
  // Creates the destination's missing parent directories and the temp file: `temp_path`, or a
  // unique name of this process when empty. `durable` = commit fsyncs the file before the
  // rename and the directory after it.
  AtomicFileWriter(std::string path, bool durable, std::string temp_path = "");
  ~AtomicFileWriter() override;  // aborts unless committed or staged
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, std::size_t size) override;
  // Publishes the file; attaches metadata "path" (absolute) and "bytes".
  void commit(assetflow::Context& ctx) override;
  // Closes the temp file and keeps it (no fsync: see SyncFilesystem); same metadata.
  void stage(assetflow::Context& ctx) override;
  void abort() noexcept override;

  const std::string& temp_path() const { return temp_path_; }

 private:
  void Close();
  void AddMetadata(assetflow::Context& ctx) const;

  std::string path_, temp_path_;
  bool durable_;
  int fd_ = -1;
  uint64_t bytes_ = 0;
};

// Renames a staged temp file over `path`. False when `temp_path` does not exist (nothing
// staged, or published already); throws on any other error.
bool PublishStaged(const std::string& temp_path, const std::string& path);
// Flushes the whole filesystem that holds `dir` (syncfs): every staged file and rename so far.
// A missing `dir` is nothing to flush.
void SyncFilesystem(const std::string& dir);
// Deletes the temp files that run `run_id` left in `dir` (and below it when `recursive`).
void SweepRun(const std::string& dir, const std::string& run_id, bool recursive);

// Streams a stored file; NOT_FOUND (with the asset key in the message) when it does not exist.
class FileReader : public assetflow::Reader {
 public:
  FileReader(const std::string& path, const std::string& asset_key);
  ~FileReader() override;
  std::size_t read(void* buffer, std::size_t size) override;

 private:
  std::string path_;
  int fd_ = -1;
};

// Deletes `path` (absent is fine), then the directories between it and `stop_dir` that it left
// empty, so wiping "a/b/c" does not leave "a/b/" behind.
void RemoveFileAndEmptyParents(const std::string& path, const std::string& stop_dir);

}  // namespace fs_io

#endif
