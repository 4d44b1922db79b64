#include "engine/call_cell.h"

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace af {

void CallGate::Close() {
  closed_.store(true);
  while (inflight_.load() != 0) std::this_thread::yield();
}

void* AllocateCellMemory(std::size_t size, std::size_t align) {
  // One block per thread at a time, so steps on different workers never contend.
  constexpr std::size_t kBlock = 64 * 1024;
  thread_local char* next = nullptr;
  thread_local std::size_t left = 0;
  std::uintptr_t p = reinterpret_cast<std::uintptr_t>(next);
  std::size_t pad = (align - p % align) % align;
  if (next == nullptr || pad + size > left) {
    next = static_cast<char*>(std::malloc(kBlock));  // never freed: see call_cell.h
    if (next == nullptr) throw std::bad_alloc();
    left = kBlock;
    p = reinterpret_cast<std::uintptr_t>(next);
    pad = (align - p % align) % align;
  }
  void* cell = next + pad;
  next += pad + size;
  left -= pad + size;
  return cell;
}

}  // namespace af
