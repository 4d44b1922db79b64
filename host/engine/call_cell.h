// Call cells: the af_context, af_ostream and af_istream structs that the host hands a plugin.
//
// The ABI says a plugin must not keep them past the call; a buggy or hostile plugin does anyway
// (a thread that writes after materialize returned). So each one lives in a cell that is
//   - never reused: its memory belongs to no later call, so a late write through it can never
//     reach another step's output (cells are carved from blocks that are never freed: ~48
//     bytes per cell, a few cells per step, for the life of the process), and
//   - closed when the call ends: every service and stream behind it refuses from then on, and
//     Close() waits for calls already inside to leave, so the host may free what the cell
//     pointed to right after.
// Thread-safe: Enter/Leave from any thread, Close from the owner's.
#ifndef ASSETFLOW_HOST_ENGINE_CALL_CELL_H_
#define ASSETFLOW_HOST_ENGINE_CALL_CELL_H_

#include <atomic>
#include <cstddef>
#include <new>
#include <type_traits>

namespace af {

class CallGate {
 public:
  // True when the cell is open; the caller must then Leave() once.
  bool Enter() {
    inflight_.fetch_add(1);
    if (!closed_.load()) return true;
    inflight_.fetch_sub(1);
    return false;
  }
  void Leave() { inflight_.fetch_sub(1); }
  // Refuses every later Enter and waits until no call is inside. Idempotent.
  void Close();

 private:
  std::atomic<int> inflight_{0};
  std::atomic<bool> closed_{false};
};

// RAII admission: `if (GateScope g{gate}) { ...use the cell's target... }`.
class GateScope {
 public:
  explicit GateScope(CallGate& gate) : gate_(gate), open_(gate.Enter()) {}
  ~GateScope() {
    if (open_) gate_.Leave();
  }
  GateScope(const GateScope&) = delete;
  GateScope& operator=(const GateScope&) = delete;
  explicit operator bool() const { return open_; }

 private:
  CallGate& gate_;
  bool open_;
};

// `value` is what the plugin sees; it comes first, so a pointer to it is a pointer to the cell.
template <class T>
struct Cell {
  T value;
  CallGate gate;
  static Cell* Of(const T* v) { return reinterpret_cast<Cell*>(const_cast<T*>(v)); }
};

// Memory for one cell, never freed. Thread-safe.
void* AllocateCellMemory(std::size_t size, std::size_t align);

template <class T>
Cell<T>* NewCell() {
  static_assert(std::is_trivially_destructible_v<T>);
  return new (AllocateCellMemory(sizeof(Cell<T>), alignof(Cell<T>))) Cell<T>{};
}

}  // namespace af

#endif
