#include "tunnel/emulator/emulator_clock.h"

#include <algorithm>
#include <chrono>

namespace tablestore::tunnel::emulator {

EmulatorClock::EmulatorClock(std::optional<int64_t> fixed_ms) : fixed_(fixed_ms) {}

int64_t EmulatorClock::NowMicros() {
  base::MutexLock lock(&mu_);
  int64_t base_us;
  if (fixed_) {
    base_us = *fixed_ * 1000;
  } else {
    base_us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  }
  last_us_ = std::max(last_us_, base_us + offset_us_);
  return last_us_;
}

int64_t EmulatorClock::NowMs() { return NowMicros() / 1000; }

int64_t EmulatorClock::Advance(int64_t delta_ms) {
  {
    base::MutexLock lock(&mu_);
    if (delta_ms > 0) offset_us_ += delta_ms * 1000;
  }
  return NowMs();
}

}  // namespace tablestore::tunnel::emulator
