// FatalSignalScope: "while this scope is alive, a fatal event writes this prepared line first".
//
// A fatal event is a fatal signal (SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL) or a call of exit()
// / quick_exit() by code running inside the scope (typically a plugin's static constructor or
// entry). On a signal the process writes one line to stderr and then dies of the same signal
// (the default action, so the exit status still shows it); on exit() / quick_exit() it writes
// one line and ends with `FatalReport::exit_status` instead. The lines are formatted when the
// scope is constructed; the handlers only pick one and write(2) it, so they are
// async-signal-safe. _exit() and SIGKILL cannot be caught.
//
// Each thread has its own current scope (a thread_local pointer; scopes nest), and the newest
// open scope made with Reach::kProcess is the process-wide fallback, used when the event happens
// on a thread that has no scope of its own (a thread the plugin started, a signal sent with
// kill). Outside every scope, a fatal signal gets the action installed before the first scope.
//
// Handlers: installed once per busy period -- when the first scope of the process opens -- and
// the previous handlers restored when the last one closes, so code outside any scope sees the
// process's own dispositions. A reported signal is re-raised with SIG_DFL. Each thread that
// opens a scope gets an alternate signal stack (kept for the thread's life), so a stack overflow
// in the scope is reported too. The exit hooks (glibc on_exit, which sees the status, and
// at_quick_exit) are registered once and do nothing when no scope is current.
//
// Thread: scopes may be opened and closed on any thread, concurrently. Lifetime: a scope must
// be destroyed on the thread that created it, in LIFO order with that thread's other scopes. A
// signal on another thread that races with the end of a kProcess scope may read its text after
// it is freed; keep kProcess scopes around single-threaded phases (plugin loading).
#ifndef ASSETFLOW_HOST_COMMON_FATAL_SIGNAL_H_
#define ASSETFLOW_HOST_COMMON_FATAL_SIGNAL_H_

#include <csignal>

#include <array>
#include <string>

namespace af {

// What a fatal event inside a scope is reported as. The lines are
//   <subject> crashed <activity> (signal 6, SIGABRT)<hint>
//   <subject> called exit(3) <activity><hint>
//   <subject> called quick_exit() <activity><hint>
struct FatalReport {
  std::string subject;   // "assetflow: plugin file '/abs/bad.so'"
  std::string activity;  // "while loading"
  std::string hint;      // "; run 'assetflow check --isolate' to find every bad plugin", or ""
  int exit_status = 2;   // the process's status when code in the scope calls exit()/quick_exit()
  // When set, the line is also appended to this file (created 0600 if missing), so that the
  // next process can tell what happened to this one.
  std::string record_path;
  // When set, called on exit()/quick_exit() in the scope, after the line is written and before
  // the process ends with exit_status (quick_exit passes status -1). It runs on the exiting
  // thread while other threads still run: it may take locks no scope-holding thread holds
  // (the engine records the failed run with it). Not called for signals.
  void (*on_exit)(void* arg, int status) = nullptr;
  void* on_exit_arg = nullptr;
};

// The signals a scope reports, in this order.
inline constexpr std::array<int, 5> kFatalSignals = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL};

class FatalSignalScope {
 public:
  enum class Reach { kThisThread, kProcess };

  explicit FatalSignalScope(const FatalReport& report, Reach reach = Reach::kThisThread);
  ~FatalSignalScope();
  FatalSignalScope(const FatalSignalScope&) = delete;
  FatalSignalScope& operator=(const FatalSignalScope&) = delete;

  // The exact line (with its '\n') a fatal `signal` in this scope writes; "" for a signal that
  // is not handled. For tests and diagnostics.
  const std::string& SignalLine(int signal) const;

  // Internal: the prepared text, read by the handlers.
  struct Lines;

 private:
  Lines* lines_;  // owned; immutable once constructed
  const Lines* previous_thread_ = nullptr;
  Reach reach_;
};

// "SIGSEGV" for the standard signals 1..31, nullptr for others. Async-signal-safe.
const char* KnownSignalName(int signal);

}  // namespace af

#endif
