// assetflow SDK: header-only C++17 layer over the C ABI.
//
// Write an asset as an ordinary function and register it in one line:
//
//     #include <assetflow/cpp/plugin.hpp>
//     static void greeting(assetflow::Context& ctx) {
//       ctx.write("hello, " + ctx.config_string("name"));
//     }
//     ASSETFLOW_ASSET(greeting).describe("Says hello").schema(R"({"type":"object", ...})");
//     ASSETFLOW_PLUGIN("examples", "1.0.0", "Example assets");
//
// Everything here is compiled into the plugin with hidden visibility and lives in a versioned
// inline namespace, so two plugins built against different SDKs never share a symbol. Nothing
// C++ crosses the boundary: trampolines are noexcept and turn any exception into a status plus
// a message through af_host_api.set_error.
#ifndef ASSETFLOW_CPP_PLUGIN_HPP
#define ASSETFLOW_CPP_PLUGIN_HPP

#include <assetflow/assetflow.h>
#include <assetflow/cpp/context.hpp>

#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if __cplusplus < 201703L && !(defined(_MSVC_LANG) && _MSVC_LANG >= 201703L)
#error "assetflow/cpp/plugin.hpp needs C++17"
#endif
#if AF_ABI_MAJOR != 1
#error "this C++ layer is written for ABI major 1"
#endif

namespace assetflow {
inline namespace abi_v1 {

// A writer opened by an IoManager: bytes in, then commit() or abort(). write() throws to fail
// (an Error, or any std::exception: `throw std::system_error(errno, std::generic_category())`);
// the host shows its what() in the step's failure ("No space left on device").
class Writer {
 public:
  virtual ~Writer() = default;
  virtual void write(const void* data, std::size_t size) = 0;
  // Makes the data visible atomically; may add metadata through ctx.
  virtual void commit(Context& ctx) = 0;
  // Discards the data; must not throw.
  virtual void abort() noexcept = 0;
  // ABI 1.1, for IO managers whose stages() is true: keeps the data aside, not visible, under
  // the name that ctx's (asset key, run id, attempt) gives; may add metadata through ctx.
  virtual void stage(Context& ctx) {
    (void)ctx;
    throw Error(AF_ERR_UNSUPPORTED, "this writer cannot stage");
  }
};
// read() throws to fail, as Writer::write.
class Reader {
 public:
  virtual ~Reader() = default;
  // Bytes read, 0 at end.
  virtual std::size_t read(void* buffer, std::size_t size) = 0;
};

namespace detail {
// What the stream trampolines keep per open writer or reader: the object and the last
// failure: its text, which get_error hands out (valid until the next call on the stream), and
// its status, which abort_writer reports through set_error so that the host can tell a
// retryable failure (ENOSPC) from one retrying cannot fix (EISDIR, EFBIG).
template <class T>
struct Stream {
  std::unique_ptr<T> object;
  std::string error;
  af_status status = AF_OK;
};
template <class T, class F>
int64_t stream_call(Stream<T>* stream, F&& body) noexcept {
  try {
    return body();
  } catch (const Error& e) {
    stream->status = e.status();
    try {
      stream->error = e.what();
    } catch (...) {
    }
  } catch (const std::exception& e) {
    stream->status = AF_ERR_IO;
    try {
      stream->error = e.what();
    } catch (...) {
    }
  } catch (...) {
    stream->status = AF_ERR_IO;
    stream->error.assign("unknown exception");
  }
  return -1;
}
}  // namespace detail

// Base of a C++ IO manager. One instance per definition, shared by all threads: methods must be
// thread-safe (keep per-call state in the Writer/Reader).
class IoManager {
 public:
  virtual ~IoManager() = default;
  virtual std::unique_ptr<Writer> open_writer(Context& ctx) = 0;
  virtual std::unique_ptr<Reader> open_reader(Context& ctx) {
    (void)ctx;
    throw Error(AF_ERR_UNSUPPORTED, "this IO manager is write-only");
  }
  // Deletes the stored asset. The default cannot: it says so (AF_ERR_UNSUPPORTED), and the
  // host reports "cannot wipe" rather than "wiped".
  virtual void wipe(Context& ctx) {
    (void)ctx;
    throw Error(AF_ERR_UNSUPPORTED, "this IO manager does not implement wipe()");
  }
  // Stores but cannot load (AF_IO_MANAGER_WRITE_ONLY): open_reader is not overridden.
  virtual bool write_only() const { return false; }

  // Two-phase commit (ABI 1.1; see af_io_manager_descriptor): return true and implement
  // Writer::stage, publish and discard. publish throws Error(AF_ERR_NOT_FOUND) when nothing is
  // staged under ctx's (asset key, run id, attempt).
  virtual bool stages() const { return false; }
  virtual void publish(Context& ctx) {
    (void)ctx;
    throw Error(AF_ERR_UNSUPPORTED, "this IO manager does not stage");
  }
  virtual void discard(Context& ctx) noexcept { (void)ctx; }
  // Makes what this process staged or published durable; removes what run ctx.run_id() left.
  virtual void sync(Context& ctx) { (void)ctx; }
  virtual void sweep(Context& ctx) { (void)ctx; }
  // `assetflow check --probe` (ABI 1.1): return true and implement probe, which throws when
  // the storage is unreachable or refuses the credentials.
  virtual bool probes() const { return false; }
  virtual void probe(Context& ctx) { (void)ctx; }
};

using AssetFunction = void (*)(Context&);

// One registered definition; the descriptor's strings point into this object, which lives in
// the registry (a deque: addresses are stable) until the plugin is unloaded.
struct Definition {
  std::string name, description, config_schema, code_version, media_type;
  Definition& describe(std::string d) { description = std::move(d); return *this; }
  // The config's JSON Schema (see af_asset_descriptor.config_schema).
  Definition& schema(std::string s) { config_schema = std::move(s); return *this; }
  Definition& version(std::string v) { code_version = std::move(v); return *this; }
  Definition& output(std::string m) { media_type = std::move(m); return *this; }

 protected:
  static const char* opt(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }
};

struct AssetDefinition : Definition {
  struct DeclaredInput {
    std::string name, description;
    bool optional;
    af_input_declaration decl;
  };
  AssetFunction fn = nullptr;
  af_asset_descriptor desc{};
  uint32_t flags = 0;
  bool declares_inputs = false;
  std::deque<DeclaredInput> inputs;  // a deque: decl addresses stay put
  std::vector<const af_input_declaration*> input_ptrs;
  // An observable source asset (AF_ASSET_OBSERVABLE): fn calls ctx.data_version() and writes
  // nothing.
  AssetDefinition& observable() {
    flags |= AF_ASSET_OBSERVABLE;
    return *this;
  }
  // Declares an input (af_input_declaration): `assetflow check` then refuses a manifest that
  // omits a required one or names one not declared. Without any input() or no_inputs() call the
  // definition declares nothing and any `inputs:` are accepted (as in ABI 1.0).
  AssetDefinition& input(std::string input_name, std::string input_description = "",
                         bool optional = false) {
    declares_inputs = true;
    inputs.push_back({std::move(input_name), std::move(input_description), optional, {}});
    return *this;
  }
  AssetDefinition& optional_input(std::string input_name, std::string input_description = "") {
    return input(std::move(input_name), std::move(input_description), /*optional=*/true);
  }
  // Declares that the definition takes no inputs.
  AssetDefinition& no_inputs() {
    declares_inputs = true;
    return *this;
  }
  // Definition's setters, returning this type so that input() may follow them.
  AssetDefinition& describe(std::string d) { Definition::describe(std::move(d)); return *this; }
  AssetDefinition& schema(std::string s) { Definition::schema(std::move(s)); return *this; }
  AssetDefinition& version(std::string v) { Definition::version(std::move(v)); return *this; }
  AssetDefinition& output(std::string m) { Definition::output(std::move(m)); return *this; }

  const af_asset_descriptor* descriptor() {
    input_ptrs.clear();
    for (DeclaredInput& in : inputs) {
      in.decl.struct_size = sizeof(af_input_declaration);
      in.decl.name = in.name.c_str();
      in.decl.description = opt(in.description);
      in.decl.flags = in.optional ? AF_INPUT_OPTIONAL : 0u;
      input_ptrs.push_back(&in.decl);
    }
    desc.input_count = static_cast<uint32_t>(input_ptrs.size());
    // A non-NULL list, even empty, is a declaration; data() of an empty vector may be NULL.
    static const af_input_declaration* const kNone[1] = {nullptr};
    desc.inputs = !declares_inputs ? nullptr : input_ptrs.empty() ? kNone : input_ptrs.data();
    desc.struct_size = sizeof(af_asset_descriptor);
    desc.name = name.c_str();
    desc.description = opt(description);
    desc.config_schema = opt(config_schema);
    desc.code_version = opt(code_version);
    desc.output_media_type = opt(media_type);
    desc.user_data = this;
    desc.materialize = &materialize_trampoline;
    desc.flags = flags;
    return &desc;
  }
  static af_status materialize_trampoline(const af_asset_descriptor* self,
                                          const af_context* ctx) noexcept {
    return detail::guarded(ctx, [&] {
      Context c(ctx);
      static_cast<AssetDefinition*>(self->user_data)->fn(c);
    });
  }
};

struct IoManagerDefinition : Definition {
  std::unique_ptr<IoManager> impl;
  af_io_manager_descriptor desc{};

  const af_io_manager_descriptor* descriptor() {
    desc.struct_size = sizeof(af_io_manager_descriptor);
    desc.name = name.c_str();
    desc.description = opt(description);
    desc.config_schema = opt(config_schema);
    desc.user_data = this;
    desc.open_writer = &open_writer;
    desc.commit_writer = &commit_writer;
    desc.abort_writer = &abort_writer;
    desc.open_reader = &open_reader;
    desc.close_reader = &close_reader;
    desc.wipe = &wipe;
    if (impl->stages()) {
      desc.stage_writer = &stage_writer;
      desc.publish = &publish;
      desc.discard = &discard;
    }
    desc.sync = &sync;
    desc.sweep = &sweep;
    desc.flags = impl->write_only() ? AF_IO_MANAGER_WRITE_ONLY : 0u;
    if (impl->probes()) desc.probe = &probe;
    return &desc;
  }

 private:
  static IoManager& self_of(const af_io_manager_descriptor* d) {
    return *static_cast<IoManagerDefinition*>(d->user_data)->impl;
  }
  using WriterStream = detail::Stream<Writer>;
  using ReaderStream = detail::Stream<Reader>;
  static int64_t write_cb(const af_ostream* s, const void* data, uint64_t size) noexcept {
    auto* w = static_cast<WriterStream*>(s->ctx);
    return detail::stream_call(w, [&] {
      w->object->write(data, static_cast<std::size_t>(size));
      return static_cast<int64_t>(size);
    });
  }
  static const char* write_error_cb(const af_ostream* s) noexcept {
    return static_cast<WriterStream*>(s->ctx)->error.c_str();
  }
  static int64_t read_cb(const af_istream* s, void* data, uint64_t size) noexcept {
    auto* r = static_cast<ReaderStream*>(s->ctx);
    return detail::stream_call(r, [&] {
      return static_cast<int64_t>(r->object->read(data, static_cast<std::size_t>(size)));
    });
  }
  static const char* read_error_cb(const af_istream* s) noexcept {
    return static_cast<ReaderStream*>(s->ctx)->error.c_str();
  }
  // Takes the writer back from a stream the host returns (commit, stage, abort).
  static std::unique_ptr<Writer> take_writer(af_ostream* w) noexcept {
    std::unique_ptr<WriterStream> stream(static_cast<WriterStream*>(w->ctx));
    w->ctx = nullptr;
    return stream ? std::move(stream->object) : nullptr;
  }
  static af_status open_writer(const af_io_manager_descriptor* d, const af_context* ctx,
                               af_ostream* out) noexcept {
    return detail::guarded(ctx, [&] {
      Context c(ctx);
      auto stream = std::make_unique<WriterStream>();
      stream->object = self_of(d).open_writer(c);
      out->ctx = stream.release();
      out->write = &write_cb;
      out->get_error = &write_error_cb;
    });
  }
  static af_status commit_writer(const af_io_manager_descriptor*, const af_context* ctx,
                                 af_ostream* w) noexcept {
    std::unique_ptr<Writer> writer = take_writer(w);
    af_status s = detail::guarded(ctx, [&] {
      Context c(ctx);
      writer->commit(c);
    });
    if (s != AF_OK) writer->abort();
    return s;
  }
  static af_status stage_writer(const af_io_manager_descriptor*, const af_context* ctx,
                                af_ostream* w) noexcept {
    std::unique_ptr<Writer> writer = take_writer(w);
    af_status s = detail::guarded(ctx, [&] {
      Context c(ctx);
      writer->stage(c);
    });
    if (s != AF_OK) writer->abort();
    return s;
  }
  static af_status publish(const af_io_manager_descriptor* d, const af_context* ctx) noexcept {
    return detail::guarded(ctx, [&] {
      Context c(ctx);
      self_of(d).publish(c);
    });
  }
  static void discard(const af_io_manager_descriptor* d, const af_context* ctx) noexcept {
    Context c(ctx);
    self_of(d).discard(c);
  }
  static af_status sync(const af_io_manager_descriptor* d, const af_context* ctx) noexcept {
    return detail::guarded(ctx, [&] {
      Context c(ctx);
      self_of(d).sync(c);
    });
  }
  static af_status sweep(const af_io_manager_descriptor* d, const af_context* ctx) noexcept {
    return detail::guarded(ctx, [&] {
      Context c(ctx);
      self_of(d).sweep(c);
    });
  }
  static af_status probe(const af_io_manager_descriptor* d, const af_context* ctx) noexcept {
    return detail::guarded(ctx, [&] {
      Context c(ctx);
      self_of(d).probe(c);
    });
  }
  static void abort_writer(const af_io_manager_descriptor*, const af_context* ctx,
                           af_ostream* w) noexcept {
    auto* stream = static_cast<WriterStream*>(w->ctx);
    if (stream && ctx && stream->status != AF_OK)
      ctx->api->set_error(ctx, stream->status,
                          stream->error.empty() ? "the write failed" : stream->error.c_str());
    std::unique_ptr<Writer> writer = take_writer(w);
    if (writer) writer->abort();
  }
  static af_status open_reader(const af_io_manager_descriptor* d, const af_context* ctx,
                               af_istream* out) noexcept {
    return detail::guarded(ctx, [&] {
      Context c(ctx);
      auto stream = std::make_unique<ReaderStream>();
      stream->object = self_of(d).open_reader(c);
      out->ctx = stream.release();
      out->read = &read_cb;
      out->get_error = &read_error_cb;
    });
  }
  static void close_reader(const af_io_manager_descriptor*, const af_context*,
                           af_istream* r) noexcept {
    delete static_cast<ReaderStream*>(r->ctx);
    r->ctx = nullptr;
  }
  static af_status wipe(const af_io_manager_descriptor* d, const af_context* ctx) noexcept {
    return detail::guarded(ctx, [&] {
      Context c(ctx);
      self_of(d).wipe(c);
    });
  }
};

// The plugin's definitions. Filled during static initialization (before dlopen returns) and
// read-only afterwards; function-local statics avoid the static-init-order problem.
// What a plugin's init hook is told (af_host_info, copied).
struct HostInfo {
  uint16_t abi_major = 0, abi_minor = 0;
  std::string host_version, plugin_path;
  const af_host_info* raw = nullptr;  // valid during the hook only
};
using InitHook = void (*)(const HostInfo&);  // throws to refuse the plugin, with what()
using DeinitHook = void (*)();

struct Registry {
  std::vector<InitHook> init_hooks;
  std::vector<DeinitHook> deinit_hooks;
  std::deque<AssetDefinition> assets;
  std::deque<IoManagerDefinition> io_managers;
  std::vector<const af_asset_descriptor*> asset_ptrs;
  std::vector<const af_io_manager_descriptor*> io_ptrs;
  af_plugin_entry entry{};

  static Registry& get() {
    static Registry r;
    return r;
  }
  AssetDefinition& add_asset(const char* name, AssetFunction fn) {
    assets.emplace_back();
    assets.back().name = name;
    assets.back().fn = fn;
    return assets.back();
  }
  template <class T>
  IoManagerDefinition& add_io_manager(const char* name) {
    io_managers.emplace_back();
    io_managers.back().name = name;
    io_managers.back().impl = std::make_unique<T>();
    return io_managers.back();
  }
  // Builds the C entry; called from the exported entry function (the host calls it once).
  const af_plugin_entry* build(const char* plugin_name, const char* version,
                               const char* description) noexcept {
    try {
      if (entry.magic == AF_PLUGIN_MAGIC) return &entry;
      for (auto& a : assets) asset_ptrs.push_back(a.descriptor());
      for (auto& m : io_managers) io_ptrs.push_back(m.descriptor());
      entry.struct_size = sizeof(af_plugin_entry);
      entry.abi_major = AF_ABI_MAJOR;
      entry.abi_minor = needed_minor();
      entry.init = &init_trampoline;
      entry.deinit = &deinit_trampoline;
      entry.name = plugin_name;
      entry.version = version;
      entry.toolchain = toolchain();
      entry.description = description;
      entry.asset_count = static_cast<uint32_t>(asset_ptrs.size());
      entry.assets = asset_ptrs.data();
      entry.io_manager_count = static_cast<uint32_t>(io_ptrs.size());
      entry.io_managers = io_ptrs.data();
      entry.magic = AF_PLUGIN_MAGIC;
      return &entry;
    } catch (...) {
      return nullptr;
    }
  }
  // The oldest ABI minor whose hosts run this plugin as written: 1 when it needs a 1.1 host
  // to honour something (an init hook, an observable asset), else 0, whatever the headers'
  // minor; at least AF_PLUGIN_ABI_MINOR when the plugin defined that (entry.h).
  uint16_t needed_minor() const {
    uint16_t minor = 0;
#ifdef AF_PLUGIN_ABI_MINOR_DECLARED
    minor = AF_PLUGIN_ABI_MINOR;
#endif
    if (!init_hooks.empty() && minor < 1) minor = 1;
    for (const auto& a : assets)
      if ((a.flags & AF_ASSET_OBSERVABLE) != 0 && minor < 1) minor = 1;
    return minor;
  }
  static af_status AF_ABI init_trampoline(const af_host_info* host) noexcept {
    try {
      HostInfo info;
      info.abi_major = host->abi_major;
      info.abi_minor = host->abi_minor;
      info.host_version = host->host_version ? host->host_version : "";
      info.plugin_path = host->plugin_path ? host->plugin_path : "";
      info.raw = host;
      for (InitHook hook : get().init_hooks) hook(info);
      return AF_OK;
    } catch (const Error& e) {
      host->set_error(host, e.what());
      return e.status() == AF_OK ? AF_ERR_FATAL : e.status();
    } catch (const std::exception& e) {
      host->set_error(host, e.what());
    } catch (...) {
      host->set_error(host, "unknown exception in the plugin's init");
    }
    return AF_ERR_FATAL;
  }
  static void AF_ABI deinit_trampoline() noexcept {
    for (auto it = get().deinit_hooks.rbegin(); it != get().deinit_hooks.rend(); ++it) {
      try {
        (*it)();
      } catch (...) {
      }
    }
  }
  static const char* toolchain() noexcept {
#if defined(_LIBCPP_VERSION)
    return AF_COMPILER_ID " / libc++ " AF_STRINGIFY(_LIBCPP_VERSION);
#elif defined(__GLIBCXX__)
    return AF_COMPILER_ID " / libstdc++ " AF_STRINGIFY(__GLIBCXX__);
#else
    return AF_COMPILER_ID;
#endif
  }
};

}  // namespace abi_v1
}  // namespace assetflow

#define ASSETFLOW_CAT_(a, b) a##b
#define ASSETFLOW_CAT(a, b) ASSETFLOW_CAT_(a, b)

// Registers `fn` (void fn(assetflow::Context&)) as asset definition `fn`; chain .describe(),
// .schema(), .version(), .output().
#define ASSETFLOW_ASSET(fn)                                               \
  static ::assetflow::AssetDefinition& ASSETFLOW_CAT(assetflow_asset_, fn) = \
      ::assetflow::Registry::get().add_asset(#fn, &fn)

// Registers class `cls` (derived from assetflow::IoManager) as IO-manager definition `name`.
#define ASSETFLOW_IO_MANAGER(name, cls)                                       \
  static ::assetflow::Definition& ASSETFLOW_CAT(assetflow_io_, name) = \
      ::assetflow::Registry::get().add_io_manager<cls>(#name)

// Runs `fn` (void fn(const assetflow::HostInfo&)) when the host starts the plugin; throwing
// refuses the plugin and the host shows what(). Makes the plugin need ABI 1.1.
#define ASSETFLOW_PLUGIN_INIT(fn)                                           \
  static const bool ASSETFLOW_CAT(assetflow_init_, fn) =                    \
      (::assetflow::Registry::get().init_hooks.push_back(&fn), true)
// Runs `fn` (void fn()) when the host is done with the plugin.
#define ASSETFLOW_PLUGIN_DEINIT(fn)                                         \
  static const bool ASSETFLOW_CAT(assetflow_deinit_, fn) =                  \
      (::assetflow::Registry::get().deinit_hooks.push_back(&fn), true)

// Defines the plugin's one exported symbol. Use once per plugin.
#define ASSETFLOW_PLUGIN(name, version, description)                                  \
  extern "C" AF_EXPORT const af_plugin_entry* assetflow_plugin_entry(void) {         \
    return ::assetflow::Registry::get().build(name, version, description);           \
  }

#endif
