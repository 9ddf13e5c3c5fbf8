#pragma once

#include <cstdint>
#include <optional>

#include "base/mutex.h"

namespace tablestore::tunnel::emulator {

// The emulator clock (contracts.md §3): the real wall clock plus an offset accumulated
// through Advance(), or a fixed time that only Advance() moves. Never goes backwards. It
// drives retention, expiry, STS expiry and server timestamps; heartbeat timeouts and
// request-date skew use real time instead. Thread-safe.
class EmulatorClock {
 public:
  explicit EmulatorClock(std::optional<int64_t> fixed_ms = std::nullopt);

  // Milliseconds since the Unix epoch.
  int64_t NowMs();
  // Microseconds since the Unix epoch (stream sequence timestamps).
  int64_t NowMicros();
  // REQUIRES: delta_ms >= 0. Returns the new NowMs().
  int64_t Advance(int64_t delta_ms);
  bool fixed() const { return fixed_.has_value(); }

 private:
  const std::optional<int64_t> fixed_;
  base::Mutex mu_;
  int64_t offset_us_ GUARDED_BY(mu_) = 0;
  int64_t last_us_ GUARDED_BY(mu_) = 0;
};

}  // namespace tablestore::tunnel::emulator
