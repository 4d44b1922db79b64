// The "fs_io" plugin: IO managers that store assets as files, written through the SDK like any
// third party's plugin.
//   fs_io_manager  stores asset "a/b/c" at <base_dir>/a/b/c (Dagster's fs_io_manager layout);
//                  reads it back; wipe deletes it.
//   file_writer    writes an asset to one configured path (the seed's HackerNewsIOManager);
//                  write-only: loading from it is a clear error.
// Both write atomically through AtomicFileWriter. Stateless: safe on any number of threads.
#include <assetflow/cpp/plugin.hpp>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "atomic_file.h"

namespace {

using assetflow::Context;
using assetflow::Error;

// fsync is on unless the config says otherwise: a materialization that survives a crash of the
// process but not of the machine would silently break "the previous version stays".
bool Durable(const Context& ctx) { return !ctx.has_config("fsync") || ctx.config_bool("fsync"); }

// <base_dir>/<segments of the asset key>. The host validates keys; refusing "." and ".." here
// too keeps a hand-written context from escaping base_dir.
std::string StoragePath(const std::string& base_dir, const std::string& asset_key) {
  std::string path = base_dir;
  std::size_t start = 0;
  while (start <= asset_key.size()) {
    std::size_t end = asset_key.find('/', start);
    if (end == std::string::npos) end = asset_key.size();
    const std::string segment = asset_key.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..")
      throw Error(AF_ERR_INVALID_ARGUMENT, "asset key '" + asset_key + "' is not a valid path");
    path += "/" + segment;
    start = end + 1;
  }
  return path;
}

// What both managers share: where an asset's file goes and how it is written, staged,
// published and swept. A subclass says where the file is and which folder holds the temp files
// of a run.
class FileIoManager : public assetflow::IoManager {
 public:
  std::unique_ptr<assetflow::Writer> open_writer(Context& ctx) override {
    const std::string path = PathOf(ctx);
    return std::make_unique<fs_io::AtomicFileWriter>(path, Durable(ctx), TempOf(ctx, path));
  }
  bool stages() const override { return true; }
  void publish(Context& ctx) override {
    const std::string path = PathOf(ctx);
    if (!fs_io::PublishStaged(TempOf(ctx, path), path))
      throw Error(AF_ERR_NOT_FOUND, "nothing staged for '" + ctx.asset_key() + "' at '" + path + "'");
  }
  void discard(Context& ctx) noexcept override {
    try {
      const std::string path = PathOf(ctx);
      ::unlink(TempOf(ctx, path).c_str());
    } catch (...) {  // an invalid key never had a temp file
    }
  }
  void sync(Context& ctx) override {
    if (Durable(ctx)) fs_io::SyncFilesystem(RootOf(ctx));
  }
  void sweep(Context& ctx) override { fs_io::SweepRun(RootOf(ctx), ctx.run_id(), RecursiveSweep()); }

 protected:
  virtual std::string PathOf(const Context& ctx) const = 0;
  // The folder under which this manager's files (and so its temp files) are.
  virtual std::string RootOf(const Context& ctx) const = 0;
  virtual bool RecursiveSweep() const = 0;

 private:
  // Named by (run, attempt) when the host runs the call, so that a recovering host finds it.
  static std::string TempOf(const Context& ctx, const std::string& path) {
    const std::string run = ctx.run_id();
    return run.empty() ? std::string() : fs_io::StagedPath(path, run, ctx.attempt());
  }
};

class FsIoManager : public FileIoManager {
 public:
  std::unique_ptr<assetflow::Reader> open_reader(Context& ctx) override {
    return std::make_unique<fs_io::FileReader>(PathOf(ctx), ctx.asset_key());
  }
  void wipe(Context& ctx) override { fs_io::RemoveFileAndEmptyParents(PathOf(ctx), RootOf(ctx)); }

 private:
  std::string RootOf(const Context& ctx) const override {
    return ctx.has_config("base_dir") ? ctx.config_string("base_dir") : ctx.home_dir() + "/storage";
  }
  std::string PathOf(const Context& ctx) const override {
    return StoragePath(RootOf(ctx), ctx.asset_key());
  }
  bool RecursiveSweep() const override { return true; }
};

class FileWriter : public FileIoManager {
 public:
  bool write_only() const override { return true; }
  std::unique_ptr<assetflow::Reader> open_reader(Context& ctx) override {
    throw Error(AF_ERR_UNSUPPORTED,
                "file_writer is a write-only IO manager: " + ctx.asset_key() +
                    " cannot be loaded from it; materialize it in the same run as its downstream "
                    "assets, or give it an io_manager that can load");
  }
  void wipe(Context& ctx) override {
    // Stops at the file's own directory: the user's directories stay.
    fs_io::RemoveFileAndEmptyParents(PathOf(ctx), RootOf(ctx));
  }

 private:
  std::string PathOf(const Context& ctx) const override { return ctx.config_string("path"); }
  std::string RootOf(const Context& ctx) const override {
    const std::string parent = std::filesystem::path(PathOf(ctx)).parent_path().string();
    return parent.empty() ? "." : parent;
  }
  bool RecursiveSweep() const override { return false; }
};

}  // namespace

ASSETFLOW_IO_MANAGER(fs_io_manager, FsIoManager)
    .describe("Stores each asset as a file at <base_dir>/<key segments>; atomic writes")
    .schema(R"({"type":"object","additionalProperties":false,"properties":{
      "base_dir":{"type":"string","minLength":1,
                  "description":"Root directory; default: $ASSETFLOW_HOME/storage"},
      "fsync":{"type":"boolean","default":true,
               "description":"make each materialization durable: one filesystem sync per batch of assets"}}})");

ASSETFLOW_IO_MANAGER(file_writer, FileWriter)
    .describe("Writes an asset to one file path (write-only); atomic writes")
    .schema(R"({"type":"object","additionalProperties":false,"required":["path"],"properties":{
      "path":{"type":"string","minLength":1,
              "description":"Destination file, relative to the working directory"},
      "fsync":{"type":"boolean","default":true,
               "description":"make each materialization durable: one filesystem sync per batch of assets"}}})");

ASSETFLOW_PLUGIN("fs_io", "1.0.0", "Filesystem IO managers: fs_io_manager and file_writer")
