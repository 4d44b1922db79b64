#include "common/fatal_signal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace af {

struct FatalSignalScope::Lines {
  std::array<std::string, kFatalSignals.size()> on_signal;  // full lines, '\n' included
  std::string on_quick_exit;
  std::size_t exit_prefix_size = 0;  // exit_line starts with "<subject> called exit("
  std::string exit_suffix;           // ") <activity><hint>\n"
  // Scratch for the exit line: the prefix, then room for the status and the suffix. Written
  // only by the one thread that runs exit() (a second concurrent exit() is undefined anyway).
  mutable std::string exit_line;
  int exit_status = 2;
  std::string record_path;
  void (*on_exit)(void*, int) = nullptr;
  void* on_exit_arg = nullptr;
};

namespace {

using Lines = FatalSignalScope::Lines;

// The current scope of this thread; constinit so reading it in a handler needs no TLS wrapper.
constinit thread_local const Lines* t_current = nullptr;
std::atomic<const Lines*> g_fallback{nullptr};  // the newest open kProcess scope, or nullptr

std::mutex g_install_mu;
int g_open_scopes = 0;                                       // guarded by g_install_mu
std::vector<const Lines*> g_process_scopes;                  // open kProcess scopes, oldest first; guarded
struct sigaction g_previous[kFatalSignals.size()];           // written before handlers go live

const Lines* CurrentLines() {
  const Lines* l = t_current;
  return l != nullptr ? l : g_fallback.load(std::memory_order_acquire);
}

// Async-signal-safe.
void WriteAllTo(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

// Async-signal-safe: the line to stderr and to the scope's record file.
void Report(const Lines& lines, const char* p, std::size_t n) {
  WriteAllTo(STDERR_FILENO, p, n);
  if (lines.record_path.empty()) return;
  const int fd = ::open(lines.record_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return;
  WriteAllTo(fd, p, n);
  ::close(fd);
}

int SignalIndex(int sig) {
  for (std::size_t i = 0; i < kFatalSignals.size(); ++i)
    if (kFatalSignals[i] == sig) return static_cast<int>(i);
  return -1;
}

// Async-signal-safe. Writes the current line, then re-raises with the default action (with no
// current scope: with the action that was installed before the first scope).
void OnFatalSignal(int sig, siginfo_t*, void*) {
  const int i = SignalIndex(sig);
  const Lines* lines = CurrentLines();
  struct sigaction next = {};
  if (lines != nullptr && i >= 0) {
    Report(*lines, lines->on_signal[i].data(), lines->on_signal[i].size());
    next.sa_handler = SIG_DFL;
    sigemptyset(&next.sa_mask);
  } else if (i >= 0) {
    next = g_previous[i];
  }
  ::sigaction(sig, &next, nullptr);
  // The signal is blocked while this handler runs: it is delivered, with `next`, on return.
  ::raise(sig);
}

// Called by exit() with its status; async-signal-safe (exit() may be called from a handler).
void OnExit(int status, void*) {
  const Lines* lines = CurrentLines();
  if (lines == nullptr) return;
  char digits[16];
  int n = 0;
  unsigned v = status < 0 ? static_cast<unsigned>(-status) : static_cast<unsigned>(status);
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && n < 12);
  char* out = lines->exit_line.data() + lines->exit_prefix_size;
  if (status < 0) *out++ = '-';
  while (n > 0) *out++ = digits[--n];
  ::memcpy(out, lines->exit_suffix.data(), lines->exit_suffix.size());
  out += lines->exit_suffix.size();
  Report(*lines, lines->exit_line.data(), static_cast<std::size_t>(out - lines->exit_line.data()));
  if (lines->on_exit) lines->on_exit(lines->on_exit_arg, status);
  ::_exit(lines->exit_status);
}

void OnQuickExit() {
  const Lines* lines = CurrentLines();
  if (lines == nullptr) return;
  Report(*lines, lines->on_quick_exit.data(), lines->on_quick_exit.size());
  if (lines->on_exit) lines->on_exit(lines->on_exit_arg, -1);
  ::_exit(lines->exit_status);
}

// This thread's alternate signal stack, so a handler can run after a stack overflow.
struct AltStack {
  std::unique_ptr<char[]> memory;
  ~AltStack() {
    stack_t current = {};
    if (memory && ::sigaltstack(nullptr, &current) == 0 && current.ss_sp == memory.get()) {
      stack_t off = {};
      off.ss_flags = SS_DISABLE;
      ::sigaltstack(&off, nullptr);
    }
  }
};
thread_local AltStack t_alt_stack;

void EnsureAltStack() {
  if (t_alt_stack.memory) return;
  stack_t current = {};
  if (::sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE)) return;
  const std::size_t size = 64 * 1024 + static_cast<std::size_t>(SIGSTKSZ);
  auto memory = std::make_unique<char[]>(size);
  stack_t ss = {};
  ss.ss_sp = memory.get();
  ss.ss_size = size;
  if (::sigaltstack(&ss, nullptr) == 0) t_alt_stack.memory = std::move(memory);
}

void RetainHandlers(const Lines* process_lines) {
  std::lock_guard<std::mutex> lock(g_install_mu);
  if (process_lines != nullptr) {
    g_process_scopes.push_back(process_lines);
    g_fallback.store(process_lines, std::memory_order_release);
  }
  if (g_open_scopes++ > 0) return;
  // Registered anew whenever scopes start again: exit() runs the newest registrations first,
  // so the hook runs before the destructors of everything loaded since (a plugin's statics),
  // while what it calls may still use them. A hook with no current scope does nothing.
  ::on_exit(OnExit, nullptr);
  ::at_quick_exit(OnQuickExit);
  struct sigaction sa = {};
  sa.sa_sigaction = OnFatalSignal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  for (std::size_t i = 0; i < kFatalSignals.size(); ++i)
    ::sigaction(kFatalSignals[i], &sa, &g_previous[i]);
}

void ReleaseHandlers(const Lines* process_lines) {
  std::lock_guard<std::mutex> lock(g_install_mu);
  if (process_lines != nullptr) {
    std::erase(g_process_scopes, process_lines);
    g_fallback.store(g_process_scopes.empty() ? nullptr : g_process_scopes.back(),
                     std::memory_order_release);
  }
  if (--g_open_scopes > 0) return;
  for (std::size_t i = 0; i < kFatalSignals.size(); ++i)
    ::sigaction(kFatalSignals[i], &g_previous[i], nullptr);
}

}  // namespace

const char* KnownSignalName(int signal) {
  static constexpr const char* kNames[] = {
      nullptr,   "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",  "SIGTRAP", "SIGABRT", "SIGBUS",
      "SIGFPE",  "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
      "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG",
      "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR",  "SIGSYS"};
  if (signal <= 0 || signal >= static_cast<int>(sizeof kNames / sizeof kNames[0])) return nullptr;
  return kNames[signal];
}

FatalSignalScope::FatalSignalScope(const FatalReport& report, Reach reach)
    : lines_(new Lines), reach_(reach) {
  const std::string tail = report.activity + report.hint + "\n";
  for (std::size_t i = 0; i < kFatalSignals.size(); ++i) {
    const int sig = kFatalSignals[i];
    lines_->on_signal[i] = report.subject + " crashed " + report.activity + " (signal " +
                           std::to_string(sig) + ", " + KnownSignalName(sig) + ")" + report.hint +
                           "\n";
  }
  lines_->on_quick_exit = report.subject + " called quick_exit() " + tail;
  lines_->exit_line = report.subject + " called exit(";
  lines_->exit_prefix_size = lines_->exit_line.size();
  lines_->exit_suffix = ") " + tail;
  lines_->exit_line.resize(lines_->exit_prefix_size + 16 + lines_->exit_suffix.size());
  lines_->exit_status = report.exit_status;
  lines_->record_path = report.record_path;
  lines_->on_exit = report.on_exit;
  lines_->on_exit_arg = report.on_exit_arg;

  EnsureAltStack();
  RetainHandlers(reach_ == Reach::kProcess ? lines_ : nullptr);
  previous_thread_ = t_current;
  t_current = lines_;
}

FatalSignalScope::~FatalSignalScope() {
  t_current = previous_thread_;
  ReleaseHandlers(reach_ == Reach::kProcess ? lines_ : nullptr);
  delete lines_;
}

const std::string& FatalSignalScope::SignalLine(int signal) const {
  static const std::string kNone;
  const int i = SignalIndex(signal);
  return i < 0 ? kNone : lines_->on_signal[i];
}

}  // namespace af
