#pragma once

#include <atomic>
#include <chrono>

#include "base/mutex.h"

namespace tablestore::base {

// A cancellation flag that sleepers wait on: Cancel() wakes every Clock::SleepUntil that
// was given this token. Thread-safe.
class CancelToken {
 public:
  CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  void Cancel();
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

  // Waits until `deadline` or cancellation. Returns false if cancelled.
  bool WaitUntil(std::chrono::steady_clock::time_point deadline) const;

 private:
  std::atomic<bool> cancelled_{false};
  mutable Mutex mu_;
  mutable CondVar cv_{&mu_};
};

// The time seam (LevelDB's Env, RocksDB's SystemClock). Implementations are thread-safe.
class Clock {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  using WallTime = std::chrono::system_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;

  // Monotonic time, for timeouts, intervals and backoff.
  virtual SteadyTime Now() = 0;
  // Wall-clock time, for request dates and timestamps.
  virtual WallTime WallNow() = 0;
  // Sleeps until `deadline`, returning early (false) when `cancel` (may be null) is
  // cancelled. Returns true when the deadline was reached.
  virtual bool SleepUntil(SteadyTime deadline, const CancelToken* cancel) = 0;

  bool SleepFor(Duration d, const CancelToken* cancel) { return SleepUntil(Now() + d, cancel); }

  // Milliseconds since the Unix epoch of WallNow().
  int64_t WallMillis();

  // The process-wide real clock. Never null; lives forever.
  static Clock* Real();
};

}  // namespace tablestore::base
