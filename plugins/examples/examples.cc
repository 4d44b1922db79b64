// The "examples" plugin: small, deterministic asset definitions that the engine's tests and the
// benchmarks build pipelines from. Their behaviour is a contract (README.md): change it only
// together with every test that relies on it.
#include <assetflow/cpp/plugin.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using assetflow::Context;

// `value` repeated `repeat` times; metadata "length" is the number of bytes written.
void constant(Context& ctx) {
  const std::string value = ctx.config_string("value");
  const int64_t repeat = ctx.config_int("repeat");
  if (repeat < 1) throw assetflow::FatalError("config 'repeat' must be >= 1");
  for (int64_t i = 0; i < repeat; ++i) ctx.write(value);
  ctx.metadata_int("length", static_cast<int64_t>(value.size()) * repeat);
}

// Every input in input-name order, each followed by `separator`, then `suffix`. Inputs are
// streamed in chunks so a large upstream is never held in memory.
void concat(Context& ctx) {
  const std::string separator = ctx.config_string("separator");
  const std::string suffix = ctx.config_string("suffix");
  std::vector<char> buffer(64 * 1024);
  for (const std::string& name : ctx.input_names()) {
    assetflow::InputStream in = ctx.input(name);
    for (std::size_t n; (n = in.read(buffer.data(), buffer.size())) > 0;)
      ctx.write(std::string_view(buffer.data(), n));
    ctx.write(separator);
  }
  ctx.write(suffix);
}

// True (after writing "ok") when `succeed_on_attempt` > 0 and this is at least that attempt:
// the failing definitions below then succeed, so tests exercise retry policies exactly.
bool SucceededOnThisAttempt(Context& ctx) {
  const int64_t succeed_on = ctx.config_int("succeed_on_attempt");
  if (succeed_on <= 0 || static_cast<int64_t>(ctx.attempt()) < succeed_on) return false;
  ctx.write("ok");
  return true;
}

// Fails on purpose with an assetflow error status (retryable or fatal), until
// `succeed_on_attempt`.
void fail(Context& ctx) {
  if (SucceededOnThisAttempt(ctx)) return;
  const std::string message = ctx.config_string("message");
  if (ctx.config_string("mode") == "retryable") throw assetflow::RetryableError(message);
  throw assetflow::FatalError(message);
}

// Throws an ordinary std::runtime_error (the C++ layer returns AF_ERR_RETRYABLE), until
// `succeed_on_attempt`: the "any exception is retried" case.
void throws(Context& ctx) {
  if (SucceededOnThisAttempt(ctx)) return;
  throw std::runtime_error(ctx.config_string("message"));
}

// Throws assetflow::Failure(message, allow_retries) (Dagster's Failure), until
// `succeed_on_attempt`: with allow_retries false (the default here) the step is never retried.
void failure(Context& ctx) {
  if (SucceededOnThisAttempt(ctx)) return;
  throw assetflow::Failure(ctx.config_string("message"), ctx.config_bool("allow_retries"));
}

// Succeeds and writes nothing: an empty output.
void noop(Context&) {}

// Sleeps `ms` milliseconds in slices of at most 10 ms, stopping early on cancel, then writes
// "slept". Progress is reported in milliseconds; with `log_every_ms`, an info log line
// "slept N ms" at each multiple of it (a step's log stream for tests).
void sleep(Context& ctx) {
  using Clock = std::chrono::steady_clock;
  const int64_t ms = std::max<int64_t>(0, ctx.config_int("ms"));
  const int64_t log_every =
      ctx.has_config("log_every_ms") ? std::max<int64_t>(0, ctx.config_int("log_every_ms")) : 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::milliseconds(ms);
  int64_t logged = 0;
  for (auto now = Clock::now(); now < end; now = Clock::now()) {
    if (log_every > 0) {
      const int64_t slept =
          std::chrono::duration_cast<std::chrono::milliseconds>(now - start).count();
      for (; (logged + 1) * log_every <= slept; ++logged)
        ctx.info("slept " + std::to_string((logged + 1) * log_every) + " ms");
    }
    if (ctx.canceled()) throw assetflow::Error(AF_ERR_CANCELED, "canceled");
    std::this_thread::sleep_for(std::min<Clock::duration>(end - now, std::chrono::milliseconds(10)));
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    ctx.progress(static_cast<uint64_t>(ms - std::max<int64_t>(0, left.count())),
                 static_cast<uint64_t>(ms));
  }
  if (ctx.canceled()) throw assetflow::Error(AF_ERR_CANCELED, "canceled");
  ctx.write("slept");
}

// `size` bytes, byte i being i % 251 (a period prime to every power-of-two chunk size, so a
// misplaced chunk shows), written `chunk` bytes at a time with a cancel check per chunk.
void bytes(Context& ctx) {
  const int64_t size = ctx.config_int("size");
  const int64_t chunk = ctx.config_int("chunk");
  if (size < 0) throw assetflow::FatalError("config 'size' must be >= 0");
  if (chunk < 1) throw assetflow::FatalError("config 'chunk' must be >= 1");
  std::string buffer;
  for (int64_t offset = 0; offset < size; offset += chunk) {
    if (ctx.canceled()) throw assetflow::Error(AF_ERR_CANCELED, "canceled");
    const int64_t n = std::min(chunk, size - offset);
    buffer.resize(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i) buffer[static_cast<std::size_t>(i)] = static_cast<char>((offset + i) % 251);
    ctx.write(buffer);
    ctx.progress(static_cast<uint64_t>(offset + n), static_cast<uint64_t>(size));
  }
}

// Quotes its secret config everywhere a plugin can: a log line, a warning, metadata, and (with
// `fail`) its error; writes "ok". The host must mask the secrets in all of them (the schema
// marks `api_key` "x-assetflow-secret" and `password` "writeOnly").
void leaky(Context& ctx) {
  const std::string key = ctx.config_string("api_key");
  const std::string password = ctx.config_string("password");
  ctx.info("using api key " + key);
  ctx.warn("password is " + password);
  ctx.metadata_text("credentials", key + ":" + password);
  if (ctx.config_bool("fail")) throw assetflow::RetryableError("rejected key " + key);
  ctx.write("ok");
}

}  // namespace

ASSETFLOW_ASSET(constant)
    .describe("Writes `value` repeated `repeat` times")
    .version("1")
    .output("text/plain")
    .schema(R"({"type":"object","additionalProperties":false,"properties":{
      "value":{"type":"string","default":""},
      "repeat":{"type":"integer","minimum":1,"default":1}}})");

ASSETFLOW_ASSET(concat)
    .describe("Concatenates its inputs in name order, each followed by `separator`, then `suffix`")
    .version("1")
    .output("text/plain")
    .schema(R"({"type":"object","additionalProperties":false,"properties":{
      "separator":{"type":"string","default":"\n"},
      "suffix":{"type":"string","default":""}}})");

ASSETFLOW_ASSET(fail)
    .describe("Fails on purpose (retryable or fatal) until attempt `succeed_on_attempt`")
    .version("1")
    .output("text/plain")
    .schema(R"({"type":"object","additionalProperties":false,"properties":{
      "mode":{"type":"string","enum":["retryable","fatal"],"default":"fatal"},
      "message":{"type":"string","default":"failed on purpose"},
      "succeed_on_attempt":{"type":"integer","minimum":0,"default":0}}})");

ASSETFLOW_ASSET(noop).describe("Succeeds with an empty output").version("1");

ASSETFLOW_ASSET(sleep)
    .describe("Sleeps `ms` milliseconds (cancelable), then writes \"slept\"")
    .version("1")
    .output("text/plain")
    .schema(R"({"type":"object","additionalProperties":false,"properties":{
      "ms":{"type":"integer","minimum":0,"default":100},
      "log_every_ms":{"type":"integer","minimum":0,"default":0}}})");

ASSETFLOW_ASSET(bytes)
    .describe("Writes `size` bytes (byte i = i % 251) in `chunk`-byte writes")
    .version("1")
    .output("application/octet-stream")
    .schema(R"({"type":"object","additionalProperties":false,"properties":{
      "size":{"type":"integer","minimum":0,"default":0},
      "chunk":{"type":"integer","minimum":1,"default":65536}}})");

ASSETFLOW_ASSET(throws)
    .describe("Throws a std::runtime_error (retried) until attempt `succeed_on_attempt`")
    .version("1")
    .output("text/plain")
    .schema(R"({"type":"object","additionalProperties":false,"properties":{
      "message":{"type":"string","default":"thrown on purpose"},
      "succeed_on_attempt":{"type":"integer","minimum":0,"default":0}}})");

ASSETFLOW_ASSET(failure)
    .describe("Throws assetflow::Failure(message, allow_retries) until attempt `succeed_on_attempt`")
    .version("1")
    .output("text/plain")
    .schema(R"({"type":"object","additionalProperties":false,"properties":{
      "message":{"type":"string","default":"failed on purpose"},
      "allow_retries":{"type":"boolean","default":false},
      "succeed_on_attempt":{"type":"integer","minimum":0,"default":0}}})");

ASSETFLOW_ASSET(leaky)
    .describe("Quotes its secret config in logs, metadata and errors (redaction tests)")
    .version("1")
    .output("text/plain")
    .schema(R"({"type":"object","additionalProperties":false,"properties":{
      "api_key":{"type":"string","x-assetflow-secret":true,"default":""},
      "password":{"type":"string","writeOnly":true,"default":""},
      "fail":{"type":"boolean","default":false}}})");

ASSETFLOW_PLUGIN("examples", "1.0.0", "Deterministic example assets for tests and benchmarks")
