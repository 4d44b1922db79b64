#include "engine/worker_budget.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace af {

namespace {

constexpr uint64_t kMiB = 1024 * 1024;

// What `workers` threads reserve: a stack each, and an arena each until glibc's limit.
uint64_t Cost(size_t workers, const AddressSpace& s) {
  return workers * s.stack_bytes + std::min(workers, s.max_arenas) * s.arena_bytes;
}

}  // namespace

WorkerBudget BudgetWorkers(size_t requested, const AddressSpace& s) {
  WorkerBudget budget{std::max<size_t>(1, requested), ""};
  if (s.limit_bytes == 0 || budget.workers == 1) return budget;
  const uint64_t left = s.limit_bytes > s.used_bytes ? s.limit_bytes - s.used_bytes : 0;
  const uint64_t room = left / 2;
  if (Cost(budget.workers, s) <= room) return budget;
  size_t fit = 1;  // the largest count that fits (Cost grows with the count): binary search
  size_t lo = 1, hi = budget.workers;
  while (lo <= hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (Cost(mid, s) <= room) {
      fit = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  budget.note = "running " + std::to_string(fit) + " of " + std::to_string(budget.workers) +
                " worker threads: the address-space limit of " +
                std::to_string(s.limit_bytes / kMiB) + " MiB leaves room for " +
                std::to_string(fit) + " (" + std::to_string(s.stack_bytes / kMiB) +
                " MiB stacks, " + std::to_string(s.arena_bytes / kMiB) +
                " MiB malloc arenas; half of the " + std::to_string(left / kMiB) +
                " MiB left kept for the steps)";
  budget.workers = fit;
  return budget;
}

AddressSpace ThisProcessAddressSpace() {
  AddressSpace s;
  rlimit limit{};
  if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    s.limit_bytes = limit.rlim_cur;
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  uint64_t pages = 0;
  if (std::ifstream statm("/proc/self/statm"); statm >> pages) s.used_bytes = pages * page;
  pthread_attr_t attr;
  size_t stack = 8 * kMiB;
  if (pthread_getattr_default_np(&attr) == 0) {
    pthread_attr_getstacksize(&attr, &stack);
    pthread_attr_destroy(&attr);
  }
  s.stack_bytes = stack;
  s.arena_bytes = 64 * kMiB;  // glibc's HEAP_MAX_SIZE on 64-bit
  const char* env = std::getenv("MALLOC_ARENA_MAX");
  const long configured = env != nullptr ? std::strtol(env, nullptr, 10) : 0;
  s.max_arenas = configured > 0 ? static_cast<size_t>(configured)
                                : 8 * std::max(1u, std::thread::hardware_concurrency());
  return s;
}

}  // namespace af
