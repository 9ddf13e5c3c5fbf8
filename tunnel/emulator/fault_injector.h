#pragma once

// Seeded fault injection for /tunnel/* requests (contracts.md §3 PUT /admin/faults). One
// draw per request picks at most one fault. Thread-safe.

#include <cstdint>
#include <random>

#include "base/mutex.h"
#include "tunnel/emulator/emulator_options.h"

namespace tablestore::tunnel::emulator {

enum class Fault { kNone, kHttp5xx, kServerUnavailable, kReset, kSlow, kTruncate, kCorrupt };

class FaultInjector {
 public:
  FaultInjector() = default;

  // Replaces the settings and restarts the random sequence from `settings.seed`.
  // REQUIRES: rates within [0, 1] summing to at most 1 (checked by the caller).
  void Set(const FaultSettings& settings);
  FaultSettings settings();

  // Draws the fault of the next request, and a random value for its details.
  Fault Next(uint64_t* detail);
  // Counts a fault that was actually applied.
  void Count(Fault f);
  FaultCounts counts();

 private:
  base::Mutex mu_;
  FaultSettings settings_ GUARDED_BY(mu_);
  bool active_ GUARDED_BY(mu_) = false;
  std::mt19937_64 rng_ GUARDED_BY(mu_);
  FaultCounts counts_ GUARDED_BY(mu_);
};

}  // namespace tablestore::tunnel::emulator
