// The "hostile" plugin: assets that break the plugin contract on purpose (they keep the host's
// pointers after returning, crash, exit, hang, eat memory), so the isolation tests
// (tests/isolation/) can prove that the engine contains them. Never load it outside tests.
#include <assetflow/cpp/plugin.hpp>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

namespace {

using assetflow::Context;

// A volatile store through a volatile null pointer: the compiler can neither drop the store
// nor turn it into a trap instruction, so the crash is a real SIGSEGV.
volatile int* volatile g_null = nullptr;

[[noreturn]] void Segfault() {
  *g_null = 42;
  std::abort();  // not reached
}

// Writes `value`, returns AF_OK at once, and leaves a thread behind that, once the call is over
// (or `delay_ms` later at most), keeps using the context and output stream the host said were
// valid only during the call.
void late_writer(Context& ctx) {
  ctx.write(ctx.config_string("value"));
  const af_context* kept_ctx = ctx.raw();
  const af_ostream* kept_out = ctx.output();
  const int64_t delay_ms = ctx.config_int("delay_ms");
  const int64_t writes = ctx.config_int("writes");
  std::thread([=] {
    // Late for sure: wait until the host has closed the call (its context then answers "" for
    // the asset key) or delay_ms passed — a host that never closes it gets written anyway.
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
    while (std::chrono::steady_clock::now() < until && *kept_ctx->api->asset_key(kept_ctx) != '\0')
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    for (int64_t i = 0; i < writes; ++i) {
      kept_out->write(kept_out, "LATE", 4);
      kept_ctx->api->log(kept_ctx, AF_LOG_ERROR, "LATE log");
      kept_ctx->api->add_metadata(kept_ctx, "late", AF_META_TEXT, "LATE");
      kept_ctx->api->set_error(kept_ctx, AF_ERR_FATAL, "LATE error");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }).detach();
}

void segfault(Context& ctx) {
  ctx.write("partial output before the crash");
  Segfault();
}

void abort_now(Context& ctx) {
  ctx.write("partial");
  std::abort();
}

// Each frame keeps a buffer alive across the recursive call and uses it afterwards, so the
// call cannot become a loop (no tail call) and the stack really overflows.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
__attribute__((noinline)) int64_t Recurse(int64_t depth) {
  volatile char frame[512];
  frame[depth % sizeof frame] = static_cast<char>(depth);
  return Recurse(depth + 1) + frame[(depth * 7) % sizeof frame];
}
#pragma GCC diagnostic pop

void stack_overflow(Context& ctx) {
  ctx.write("partial");
  ctx.metadata_int("never", Recurse(0));
}

void exit_now(Context& ctx) {
  ctx.write("partial");
  std::exit(static_cast<int>(ctx.config_int("code")));
}

void quick_exit_now(Context& ctx) {
  ctx.write("partial");
  std::quick_exit(static_cast<int>(ctx.config_int("code")));
}

// Ignores cancellation: never asks is_canceled, never returns.
void hang(Context&) {
  for (;;) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

// Allocates `mb` MiB and touches every page (so it is resident), holds it 5 s, writes "hogged".
void hog(Context& ctx) {
  const std::size_t size = static_cast<std::size_t>(ctx.config_int("mb")) << 20;
  std::unique_ptr<char[]> block(new char[size]);
  volatile char* p = block.get();
  for (std::size_t i = 0; i < size; i += 4096) p[i] = static_cast<char>(i >> 12);
  std::this_thread::sleep_for(std::chrono::seconds(5));
  ctx.write("hogged");
}

// Crashes (SIGSEGV) on attempts before `succeed_on`, then writes "ok": retries of isolated steps.
void crash_until(Context& ctx) {
  if (static_cast<int64_t>(ctx.attempt()) < ctx.config_int("succeed_on")) {
    ctx.write("partial");
    Segfault();
  }
  ctx.write("ok");
}

// Hostile bytes (config `hex`, decoded) where the host must not pass them on raw: the output
// plus, per `into`, a text metadata entry, a log line or the error message (then fails, fatal).
void bytes(Context& ctx) {
  const std::string hex = ctx.config_string("hex");
  std::string raw;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  const std::string into = ctx.config_string("into");
  ctx.write(raw);
  if (into == "metadata") ctx.metadata_text("text", raw);
  if (into == "log") ctx.log(AF_LOG_INFO, raw);
  if (into == "error") throw assetflow::FatalError(raw);
}

constexpr const char* kNoConfig = R"({"type":"object","additionalProperties":false})";
constexpr const char* kExitCode = R"({"type":"object","additionalProperties":false,"properties":{
  "code":{"type":"integer","minimum":0,"maximum":255,"default":0}}})";

}  // namespace

ASSETFLOW_ASSET(late_writer)
    .describe("Writes `value`, returns, then keeps writing/logging through the stale context")
    .version("1")
    .schema(R"({"type":"object","additionalProperties":false,"required":["value"],"properties":{
      "value":{"type":"string"},
      "delay_ms":{"type":"integer","minimum":0,"default":20},
      "writes":{"type":"integer","minimum":0,"default":50}}})");
ASSETFLOW_ASSET(segfault).describe("Writes a few bytes, then dereferences null").version("1").schema(kNoConfig);
ASSETFLOW_ASSET(abort_now).describe("Calls abort()").version("1").schema(kNoConfig);
ASSETFLOW_ASSET(stack_overflow).describe("Recurses until the stack overflows").version("1").schema(kNoConfig);
ASSETFLOW_ASSET(exit_now).describe("Calls exit(code)").version("1").schema(kExitCode);
ASSETFLOW_ASSET(quick_exit_now).describe("Calls quick_exit(code)").version("1").schema(kExitCode);
ASSETFLOW_ASSET(hang).describe("Sleeps forever, ignoring cancellation").version("1").schema(kNoConfig);
ASSETFLOW_ASSET(hog)
    .describe("Allocates and touches `mb` MiB, then sleeps 5 s")
    .version("1")
    .schema(R"({"type":"object","additionalProperties":false,"required":["mb"],"properties":{
      "mb":{"type":"integer","minimum":0}}})");
ASSETFLOW_ASSET(crash_until)
    .describe("Segfaults on attempts before `succeed_on`, then writes \"ok\"")
    .version("1")
    .schema(R"({"type":"object","additionalProperties":false,"required":["succeed_on"],"properties":{
      "succeed_on":{"type":"integer","minimum":0}}})");

ASSETFLOW_ASSET(bytes)
    .describe("Writes the bytes of `hex`, and puts them into metadata, a log line or its error")
    .version("1")
    .schema(R"({"type":"object","additionalProperties":false,"required":["hex"],"properties":{
      "hex":{"type":"string","pattern":"^([0-9a-fA-F]{2})*$"},
      "into":{"enum":["metadata","log","error","output"],"default":"output"}}})");

ASSETFLOW_PLUGIN("hostile", "1.0.0", "Assets that break the plugin contract, for isolation tests")
