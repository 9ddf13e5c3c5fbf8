#include "tests/support/fake_clock.h"

namespace tablestore::testing {

FakeClock::FakeClock(int64_t wall_start_ms)
    : steady_start_(std::chrono::steady_clock::time_point(std::chrono::hours(1))),
      wall_start_(std::chrono::system_clock::time_point(std::chrono::milliseconds(wall_start_ms))) {}

base::Clock::SteadyTime FakeClock::Now() {
  base::MutexLock lock(&mu_);
  return steady_start_ + offset_;
}

base::Clock::WallTime FakeClock::WallNow() {
  base::MutexLock lock(&mu_);
  return wall_start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(offset_);
}

bool FakeClock::SleepUntil(SteadyTime deadline, const base::CancelToken* cancel) {
  if (cancel != nullptr && cancel->cancelled()) return false;
  base::MutexLock lock(&mu_);
  ++sleep_calls_;
  SteadyTime now = steady_start_ + offset_;
  if (deadline > now) {
    slept_ += deadline - now;
    offset_ += deadline - now;
  }
  return true;
}

void FakeClock::Advance(Duration d) {
  base::MutexLock lock(&mu_);
  offset_ += d;
}

base::Clock::Duration FakeClock::total_slept() {
  base::MutexLock lock(&mu_);
  return slept_;
}

int FakeClock::sleep_calls() {
  base::MutexLock lock(&mu_);
  return sleep_calls_;
}

}  // namespace tablestore::testing
