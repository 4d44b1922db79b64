// The "fs_io" plugin: IO managers that store assets as files, written through the SDK like any
// third party's plugin.
//   fs_io_manager  stores asset "a/b/c" at <base_dir>/a/b/c (Dagster's fs_io_manager layout);
//                  reads it back; wipe deletes it.
//   file_writer    writes an asset to one configured path (the seed's HackerNewsIOManager);
//                  write-only: loading from it is a clear error.
// Both write atomically through AtomicFileWriter. Stateless: safe on any number of threads.
#include <assetflow/cpp/plugin.hpp>

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

class FsIoManager : public assetflow::IoManager {
 public:
  std::unique_ptr<assetflow::Writer> open_writer(Context& ctx) override {
    return std::make_unique<fs_io::AtomicFileWriter>(PathOf(ctx), Durable(ctx));
  }
  std::unique_ptr<assetflow::Reader> open_reader(Context& ctx) override {
    return std::make_unique<fs_io::FileReader>(PathOf(ctx), ctx.asset_key());
  }
  void wipe(Context& ctx) override { fs_io::RemoveFileAndEmptyParents(PathOf(ctx), BaseDir(ctx)); }

 private:
  static std::string BaseDir(const Context& ctx) {
    return ctx.has_config("base_dir") ? ctx.config_string("base_dir") : ctx.home_dir() + "/storage";
  }
  static std::string PathOf(const Context& ctx) { return StoragePath(BaseDir(ctx), ctx.asset_key()); }
};

class FileWriter : public assetflow::IoManager {
 public:
  std::unique_ptr<assetflow::Writer> open_writer(Context& ctx) override {
    return std::make_unique<fs_io::AtomicFileWriter>(ctx.config_string("path"), Durable(ctx));
  }
  std::unique_ptr<assetflow::Reader> open_reader(Context& ctx) override {
    throw Error(AF_ERR_UNSUPPORTED,
                "file_writer is a write-only IO manager: " + ctx.asset_key() +
                    " cannot be loaded from it; materialize it in the same run as its downstream "
                    "assets, or give it an io_manager that can load");
  }
  void wipe(Context& ctx) override {
    const std::string path = ctx.config_string("path");
    // Stops at the file's own directory: the user's directories stay.
    fs_io::RemoveFileAndEmptyParents(path, std::filesystem::path(path).parent_path().string());
  }
};

}  // namespace

ASSETFLOW_IO_MANAGER(fs_io_manager, FsIoManager)
    .describe("Stores each asset as a file at <base_dir>/<key segments>; atomic writes")
    .schema(R"({"type":"object","additionalProperties":false,"properties":{
      "base_dir":{"type":"string","minLength":1,
                  "description":"Root directory; default: $ASSETFLOW_HOME/storage"},
      "fsync":{"type":"boolean","default":true,
               "description":"fsync the file and its directory on commit"}}})");

ASSETFLOW_IO_MANAGER(file_writer, FileWriter)
    .describe("Writes an asset to one file path (write-only); atomic writes")
    .schema(R"({"type":"object","additionalProperties":false,"required":["path"],"properties":{
      "path":{"type":"string","minLength":1,
              "description":"Destination file, relative to the working directory"},
      "fsync":{"type":"boolean","default":true,
               "description":"fsync the file and its directory on commit"}}})");

ASSETFLOW_PLUGIN("fs_io", "1.0.0", "Filesystem IO managers: fs_io_manager and file_writer")
