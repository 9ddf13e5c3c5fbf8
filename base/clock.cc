#include "base/clock.h"

#include <thread>

namespace tablestore::base {

void CancelToken::Cancel() {
  MutexLock lock(&mu_);
  cancelled_.store(true, std::memory_order_release);
  cv_.SignalAll();
}

bool CancelToken::WaitUntil(std::chrono::steady_clock::time_point deadline) const {
  MutexLock lock(&mu_);
  while (!cancelled()) {
    if (std::chrono::steady_clock::now() >= deadline) return true;
    cv_.WaitUntil(deadline);
  }
  return false;
}

int64_t Clock::WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(WallNow().time_since_epoch())
      .count();
}

namespace {

class RealClock final : public Clock {
 public:
  SteadyTime Now() override { return std::chrono::steady_clock::now(); }
  WallTime WallNow() override { return std::chrono::system_clock::now(); }
  bool SleepUntil(SteadyTime deadline, const CancelToken* cancel) override {
    if (cancel != nullptr) return cancel->WaitUntil(deadline);
    std::this_thread::sleep_until(deadline);
    return true;
  }
};

}  // namespace

Clock* Clock::Real() {
  static RealClock* clock = new RealClock();  // never destroyed: used by detached threads
  return clock;
}

}  // namespace tablestore::base
