#pragma once
// Where a write waiting in a group-commit queue stands, with the futex its thread sleeps on.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace zt {

// Set once or twice by the batch's leader (the lead of the next batch, then committed), waited
// on by the write's own thread: one system call to sleep and one to wake, nothing more. The
// leader may still be waking it after the waiter has returned, so whoever holds one must keep it
// alive until both are done with it (shared ownership).
class WriteTurn {
 public:
  enum Value : uint32_t { waiting, lead, committed };

  void set(Value next) {
    value_.store(next, std::memory_order_release);
    syscall(SYS_futex, &value_, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }

  // Sleeps until the turn is no longer `waiting`; returns what it became.
  Value wait() {
    Value now;
    while ((now = value_.load(std::memory_order_acquire)) == waiting) {
      syscall(SYS_futex, &value_, FUTEX_WAIT_PRIVATE, waiting, nullptr, nullptr, 0);
    }
    return now;
  }

 private:
  std::atomic<Value> value_{waiting};
  static_assert(sizeof(std::atomic<Value>) == sizeof(uint32_t), "a futex is a 32-bit word");
};

}  // namespace zt
