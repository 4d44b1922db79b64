#include "engine/worker_budget.h"

#include <doctest/doctest.h>

namespace af {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;

AddressSpace Space(uint64_t limit_mib, uint64_t used_mib) {
  return {limit_mib * kMiB, used_mib * kMiB, 8 * kMiB, 64 * kMiB, 16};
}

TEST_CASE("no address-space limit: every requested worker") {
  WorkerBudget b = BudgetWorkers(300, Space(0, 200));
  CHECK(b.workers == 300);
  CHECK(b.note.empty());
}

TEST_CASE("a limit with room: every requested worker") {
  // 4 workers: 4 x (8 + 64) = 288 MiB <= (2048 - 248) / 2 = 900 MiB.
  WorkerBudget b = BudgetWorkers(4, Space(2048, 248));
  CHECK(b.workers == 4);
  CHECK(b.note.empty());
}

TEST_CASE("a tight limit caps the workers at half of what is left, and says so") {
  // Left 1230 MiB, room 615: 8 workers cost 8 x 72 = 576 <= 615, 9 cost 648 > 615.
  WorkerBudget b = BudgetWorkers(300, Space(1430, 200));
  CHECK(b.workers == 8);
  CHECK(b.note ==
        "running 8 of 300 worker threads: the address-space limit of 1430 MiB leaves room for 8 "
        "(8 MiB stacks, 64 MiB malloc arenas; half of the 1230 MiB left kept for the steps)");
}

TEST_CASE("past glibc's arena limit a worker costs only its stack") {
  // Room 1500 MiB: 16 arenas (1024) + n x 8 <= 1500 -> n = 59.
  WorkerBudget b = BudgetWorkers(300, Space(3200, 200));
  CHECK(b.workers == 59);
}

TEST_CASE("never below one worker, even with nothing left") {
  CHECK(BudgetWorkers(300, Space(100, 200)).workers == 1);
  CHECK(BudgetWorkers(0, Space(0, 0)).workers == 1);
}

TEST_CASE("this process's figures are read") {
  AddressSpace s = ThisProcessAddressSpace();
  CHECK(s.used_bytes > 0);
  CHECK(s.stack_bytes > 0);
  CHECK(s.max_arenas > 0);
}

}  // namespace
}  // namespace af
