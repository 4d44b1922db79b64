// "cpp_store": an IO manager through the C++ layer that keeps what it stores in memory and
// overrides neither wipe() nor write error handling: the layer's defaults under test. Its
// writer throws std::system_error(ENOSPC) once "fail" was written, so the error text must
// travel through af_ostream.get_error.
#include <assetflow/cpp/plugin.hpp>

#include <cerrno>
#include <map>
#include <mutex>
#include <string>
#include <system_error>

namespace {

std::mutex mu;
std::map<std::string, std::string> stored;

class MemoryWriter : public assetflow::Writer {
 public:
  explicit MemoryWriter(std::string key) : key_(std::move(key)) {}
  void write(const void* data, std::size_t size) override {
    data_.append(static_cast<const char*>(data), size);
    if (data_.find("fail") != std::string::npos)
      throw std::system_error(ENOSPC, std::generic_category(), "cpp_store");
  }
  void commit(assetflow::Context&) override {
    std::lock_guard<std::mutex> lock(mu);
    stored[key_] = data_;
  }
  void abort() noexcept override {}

 private:
  std::string key_, data_;
};

class MemoryReader : public assetflow::Reader {
 public:
  explicit MemoryReader(std::string data) : data_(std::move(data)) {}
  std::size_t read(void* buffer, std::size_t size) override {
    const std::size_t n = std::min(size, data_.size() - pos_);
    data_.copy(static_cast<char*>(buffer), n, pos_);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  std::size_t pos_ = 0;
};

class CppStore : public assetflow::IoManager {
 public:
  std::unique_ptr<assetflow::Writer> open_writer(assetflow::Context& ctx) override {
    return std::make_unique<MemoryWriter>(ctx.asset_key());
  }
  std::unique_ptr<assetflow::Reader> open_reader(assetflow::Context& ctx) override {
    std::lock_guard<std::mutex> lock(mu);
    auto it = stored.find(ctx.asset_key());
    if (it == stored.end()) throw assetflow::Error(AF_ERR_NOT_FOUND, "never stored");
    return std::make_unique<MemoryReader>(it->second);
  }
};

}  // namespace

ASSETFLOW_IO_MANAGER(cpp_store, CppStore).describe("In memory; no wipe()");
ASSETFLOW_PLUGIN("cpp_store", "1.0.0", "The C++ layer's IO manager defaults")
