// Examples of data versions a plugin supplies itself (Dagster's DataVersion), instead of the hash
// of the stored bytes the host computes otherwise (README.md):
//   observe_file        an observable source asset: observes a file outside assetflow (its size
//                       and modification time) and stores nothing; downstream assets go stale
//                       only when the file changed.
//   versioned_constant  writes `value`, with `version` as its data version.
#include <assetflow/cpp/plugin.hpp>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace {

using assetflow::Context;

void observe_file(Context& ctx) {
  const std::string path = ctx.config_string("path");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw assetflow::Error(errno == ENOENT ? AF_ERR_NOT_FOUND : AF_ERR_IO,
                           "cannot observe '" + path + "': " + std::strerror(errno));
  const long long mtime_ns =
      static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  ctx.data_version("size " + std::to_string(st.st_size) + ", mtime " + std::to_string(mtime_ns));
  ctx.metadata_int("bytes", static_cast<int64_t>(st.st_size));
}

void versioned_constant(Context& ctx) {
  ctx.write(ctx.config_string("value"));
  ctx.data_version(ctx.config_string("version"));
}

}  // namespace

ASSETFLOW_ASSET(observe_file)
    .observable()
    .describe("Observable source: a file's size and modification time as its data version")
    .version("1")
    .schema(R"({"type":"object","additionalProperties":false,"required":["path"],"properties":{
      "path":{"type":"string","minLength":1}}})");

ASSETFLOW_ASSET(versioned_constant)
    .describe("Writes `value` with `version` as its data version (not the bytes' hash)")
    .version("1")
    .output("text/plain")
    .schema(R"({"type":"object","additionalProperties":false,"required":["version"],"properties":{
      "value":{"type":"string","default":""},
      "version":{"type":"string","minLength":1}}})");
