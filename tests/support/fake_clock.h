#pragma once

#include <chrono>

#include "base/clock.h"
#include "base/mutex.h"

namespace tablestore::testing {

// A Clock whose time moves only when told, or when someone sleeps: SleepUntil advances
// time to the deadline at once (RocksDB's mock clock), so backoff and interval logic run
// without real sleeps. Thread-safe.
class FakeClock final : public base::Clock {
 public:
  explicit FakeClock(int64_t wall_start_ms = 1'700'000'000'000);

  SteadyTime Now() override;
  WallTime WallNow() override;
  bool SleepUntil(SteadyTime deadline, const base::CancelToken* cancel) override;

  void Advance(Duration d);
  // Total time slept through SleepUntil (what a real clock would have waited).
  Duration total_slept();
  int sleep_calls();

 private:
  base::Mutex mu_;
  Duration offset_ GUARDED_BY(mu_){};
  Duration slept_ GUARDED_BY(mu_){};
  int sleep_calls_ GUARDED_BY(mu_) = 0;
  const SteadyTime steady_start_;
  const WallTime wall_start_;
};

}  // namespace tablestore::testing
