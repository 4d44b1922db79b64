// How many worker threads a run can start without exhausting the process's address space.
//
// Under an address-space limit (RLIMIT_AS: `ulimit -v`, prlimit, a batch system's memory cap)
// every worker costs its stack and, up to glibc's arena limit, a malloc arena of 64 MiB reserved
// when the thread first allocates. Starting threads until the OS refuses one leaves nothing for
// the steps themselves (a bad_alloc in a step, then a crash in code that cannot report it), so
// the executor asks for a budget first and keeps the refusal handling as the last resort.
#ifndef ASSETFLOW_HOST_ENGINE_WORKER_BUDGET_H_
#define ASSETFLOW_HOST_ENGINE_WORKER_BUDGET_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace af {

struct WorkerBudget {
  size_t workers = 0;
  // Why fewer than requested, for the run's log; "" when not capped.
  std::string note;
};

struct AddressSpace {
  uint64_t limit_bytes = 0;    // 0: no limit
  uint64_t used_bytes = 0;     // mapped now
  uint64_t stack_bytes = 0;    // one thread's stack
  uint64_t arena_bytes = 0;    // one malloc arena's reservation
  size_t max_arenas = 0;       // arenas glibc creates at most (besides the main one)
};

// Pure. Caps `requested` (>= 1) so that the workers' stacks and arenas take at most half of
// what the limit leaves: the other half stays for the steps' own allocations. Never below 1.
WorkerBudget BudgetWorkers(size_t requested, const AddressSpace& space);

// This process's figures: RLIMIT_AS, /proc/self/statm, the default thread stack size, and
// glibc's arena limit (MALLOC_ARENA_MAX when set, else 8 per CPU). [any thread]
AddressSpace ThisProcessAddressSpace();

}  // namespace af

#endif
