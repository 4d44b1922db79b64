#include "engine/step.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>

#include "eventlog/hash.h"

namespace af {
namespace {

// The host's output stream: hashes and counts what the IO manager accepted, then forwards.
// Refuses writes once the run is canceled, so a plugin that does not poll is still stopped.
// The plugin sees it through a call cell, closed as soon as materialize returns.
struct TeeOutput {
  Cell<af_ostream>* cell = NewCell<af_ostream>();
  af_ostream* writer = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  int spool_fd = -1;  // optional copy for this run's downstream steps
  Sha256 hash;
  uint64_t bytes = 0;
  bool failed = false;
  std::string error;  // why the stream failed, from the IO manager's get_error (ABI 1.1)

  TeeOutput() {
    cell->value.ctx = this;
    cell->value.write = &TeeOutput::Write;
    cell->value.get_error = &TeeOutput::GetError;
  }
  ~TeeOutput() {
    cell->gate.Close();
    if (spool_fd >= 0) ::close(spool_fd);
  }
  bool Spool(const char* data, uint64_t size) {
    while (size > 0) {
      ssize_t n = ::write(spool_fd, data, size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data += n;
      size -= static_cast<uint64_t>(n);
    }
    return true;
  }

  static int64_t Write(const af_ostream* s, const void* data, uint64_t size) {
    Cell<af_ostream>* cell = Cell<af_ostream>::Of(s);
    GateScope open(cell->gate);
    if (!open) return -1;
    TeeOutput& t = *static_cast<TeeOutput*>(cell->value.ctx);
    if (t.failed || (t.cancel && t.cancel->load(std::memory_order_relaxed))) return -1;
    if (size == 0) return 0;
    int64_t n = t.writer->write(t.writer, data, size);
    if (n <= 0 || static_cast<uint64_t>(n) > size) {
      t.failed = true;
      // The host zeroed `writer` before open_writer: a 1.0 manager leaves get_error NULL.
      const char* why = t.writer->get_error ? t.writer->get_error(t.writer) : nullptr;
      t.error = why && *why ? why : "the IO manager's writer failed without saying why";
      return -1;
    }
    if (t.spool_fd >= 0 && !t.Spool(static_cast<const char*>(data), static_cast<uint64_t>(n))) {
      t.failed = true;
      t.error = std::string("writing this run's copy failed: ") + std::strerror(errno);
      return -1;
    }
    t.hash.Update(data, static_cast<size_t>(n));
    t.bytes += static_cast<uint64_t>(n);
    return n;
  }
  static const char* GetError(const af_ostream* s) {
    Cell<af_ostream>* cell = Cell<af_ostream>::Of(s);
    GateScope open(cell->gate);
    if (!open) return "the output stream is closed (its call returned)";
    return static_cast<TeeOutput*>(cell->value.ctx)->error.c_str();
  }
};

// The failure message, completed with the output stream's own error when the plugin's message
// does not carry it already (a 1.0 plugin only says "writing failed").
std::string WithStreamError(std::string message, const TeeOutput& tee) {
  if (tee.error.empty() || message.find(tee.error) != std::string::npos) return message;
  return message.empty() ? tee.error : message + ": " + tee.error;
}

// The plugin's message, completed with the reason an input could not be opened (the plugin
// usually only names the input) or a fallback when it gave none.
std::string FailureMessage(const HostCall& call, af_status status) {
  std::string message = call.error_message();
  if (!call.input_error().empty() &&
      message.find(call.input_error()) == std::string::npos) {
    message = message.empty() ? call.input_error() : message + ": " + call.input_error();
  }
  if (message.empty()) message = std::string("materialize returned ") + StatusName(status);
  return message;
}

// Calls the plugin's materialize with `call` (inputs bound, `tee` as the output, metadata to
// `result`), then closes the call and the stream: from then on what the plugin kept can reach
// neither this output (about to be staged) nor any later call.
af_status CallMaterialize(const StepBinding& spec, HostCall& call, TeeOutput& tee,
                          AttemptResult* result) {
  call.set_inputs(&spec.inputs);
  call.set_output(&tee.cell->value);
  call.set_metadata_sink(&result->metadata);
  af_status s;
  try {
    s = spec.plugin->materialize(spec.plugin, call.context());
  } catch (const std::exception& e) {  // a plugin broke the ABI contract; contain it here
    s = AF_ERR_FATAL;
    call.set_error(s, e.what());
  } catch (...) {
    s = AF_ERR_FATAL;
    call.set_error(s, "materialize threw an exception");
  }
  call.End();
  tee.cell->gate.Close();
  return s;
}

// An observable source asset: the plugin observes and reports a data version; its output
// stream refuses every write and no IO manager is called.
AttemptResult RunObservation(const StepBinding& spec, uint32_t attempt) {
  AttemptResult result;
  TeeOutput refusing;
  refusing.failed = true;
  HostCall call(*spec.asset_key, *spec.run_id, attempt, *spec.home, *spec.config, spec.cancel,
                spec.listener);
  af_status s = CallMaterialize(spec, call, refusing, &result);
  if (s == AF_OK && call.data_version().empty()) {
    s = AF_ERR_FATAL;
    call.set_error(s, "observable source asset '" + *spec.asset_key +
                          "' reported no data version (set_data_version)");
  }
  if (s != AF_OK) {
    result.status = s;
    result.message = FailureMessage(call, s);
    result.metadata.clear();
    return result;
  }
  result.data_version = call.data_version();
  result.observed = true;
  return result;
}

}  // namespace

AttemptResult RunAttempt(const StepBinding& spec, uint32_t attempt) {
  if (spec.observable) return RunObservation(spec, attempt);
  AttemptResult result;
  const af_io_manager_descriptor* io = spec.io->desc;
  HostCall io_call(*spec.asset_key, *spec.run_id, attempt, *spec.home, spec.io->config,
                   spec.cancel, spec.listener);
  TeeOutput tee;
  tee.cancel = spec.cancel;
  af_ostream writer{};
  af_status s = io->open_writer(io, io_call.context(), &writer);
  if (s != AF_OK) {
    result.status = s;
    result.message = "cannot store '" + *spec.asset_key + "' with " + spec.io->type + ": " +
                     (io_call.error_message().empty() ? StatusName(s) : io_call.error_message());
    return result;
  }
  tee.writer = &writer;
  if (!spec.spool_path.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(spec.spool_path).parent_path(), ec);
    tee.spool_fd = ::open(spec.spool_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (tee.spool_fd < 0) {
      io->abort_writer(io, io_call.context(), &writer);
      result.status = AF_ERR_IO;
      result.message = "cannot create this run's copy of '" + *spec.asset_key + "' at '" +
                       spec.spool_path + "': " + std::strerror(errno);
      return result;
    }
  }

  HostCall call(*spec.asset_key, *spec.run_id, attempt, *spec.home, *spec.config, spec.cancel,
                spec.listener);
  s = CallMaterialize(spec, call, tee, &result);

  if (s == AF_OK && tee.failed) {
    s = AF_ERR_IO;
    call.set_error(s, "the plugin returned success after its output stream failed");
  }
  if (s != AF_OK) {
    io->abort_writer(io, io_call.context(), &writer);
    if (tee.spool_fd >= 0) ::unlink(spec.spool_path.c_str());
    result.status = s;
    result.message = WithStreamError(FailureMessage(call, s), tee);
    // The plugin only saw its write fail; the IO manager may say why (SDK 1.2 writers report
    // it at abort): that reason, and whether retrying can help, are the step's.
    if (tee.failed && io_call.error_status() != AF_OK && !io_call.error_message().empty()) {
      result.status = io_call.error_status();
      result.message = "storing '" + *spec.asset_key + "' with " + spec.io->type +
                       " failed: " + io_call.error_message();
    }
    result.metadata.clear();
    return result;
  }
  if (spec.claim_commit && *spec.claim_commit) {
    const Status claimed = (*spec.claim_commit)();
    if (!claimed.ok()) {
      io->abort_writer(io, io_call.context(), &writer);
      if (tee.spool_fd >= 0) ::unlink(spec.spool_path.c_str());
      result.status = AF_ERR_FATAL;
      result.message = claimed.message();
      result.metadata.clear();
      return result;
    }
  }
  io_call.set_metadata_sink(&result.metadata);
  const IoManagerCalls calls = CallsOf(io);
  result.staged = calls.stages();
  s = result.staged ? calls.stage_writer(io, io_call.context(), &writer)
                    : io->commit_writer(io, io_call.context(), &writer);
  if (s != AF_OK) {
    result.status = s;
    result.staged = false;
    if (tee.spool_fd >= 0) ::unlink(spec.spool_path.c_str());
    result.message = "storing '" + *spec.asset_key + "' with " + spec.io->type + " failed: " +
                     (io_call.error_message().empty() ? StatusName(s) : io_call.error_message());
    result.metadata.clear();
    return result;
  }
  result.data_version = call.data_version().empty() ? tee.hash.FinalHex() : call.data_version();
  result.bytes = tee.bytes;
  return result;
}

}  // namespace af
