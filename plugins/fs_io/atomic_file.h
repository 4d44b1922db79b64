// AtomicFileWriter: writes a file so that a reader sees either the previous version or the
// whole new one, never a prefix. The bytes go to a temp file created (O_CREAT|O_EXCL) in the
// destination's directory; commit fsyncs it, renames it over the destination (atomic within a
// filesystem) and fsyncs the directory so the rename survives a crash; abort unlinks it.
//
// Shared by both IO managers of the fs_io plugin. One writer per materialization, used on one
// thread. Errors are thrown as assetflow::Error(AF_ERR_IO, "<what> '<path>': <strerror>").
#ifndef ASSETFLOW_PLUGINS_FS_IO_ATOMIC_FILE_H_
#define ASSETFLOW_PLUGINS_FS_IO_ATOMIC_FILE_H_

#include <assetflow/cpp/plugin.hpp>

#include <cstdint>
#include <string>

namespace fs_io {

class AtomicFileWriter : public assetflow::Writer {
 public:
  // Creates the destination's missing parent directories and the temp file. `durable` = fsync
  // the file before the rename and the directory after it.
  AtomicFileWriter(std::string path, bool durable);
  ~AtomicFileWriter() override;  // aborts unless committed
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, std::size_t size) override;
  // Publishes the file; attaches metadata "path" (absolute) and "bytes".
  void commit(assetflow::Context& ctx) override;
  void abort() noexcept override;

  const std::string& temp_path() const { return temp_path_; }

 private:
  std::string path_, temp_path_;
  bool durable_;
  int fd_ = -1;
  uint64_t bytes_ = 0;
};

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
