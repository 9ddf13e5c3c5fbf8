#include "tunnel/emulator/fault_injector.h"

namespace tablestore::tunnel::emulator {

void FaultInjector::Set(const FaultSettings& settings) {
  base::MutexLock lock(&mu_);
  settings_ = settings;
  rng_.seed(settings.seed);
  active_ = settings.http_5xx + settings.server_unavailable + settings.reset + settings.slow +
                settings.truncate + settings.corrupt >
            0;
}

FaultSettings FaultInjector::settings() {
  base::MutexLock lock(&mu_);
  return settings_;
}

Fault FaultInjector::Next(uint64_t* detail) {
  base::MutexLock lock(&mu_);
  if (!active_) return Fault::kNone;
  // 53 random bits → [0, 1).
  double r = static_cast<double>(rng_() >> 11) * (1.0 / 9007199254740992.0);
  *detail = rng_();
  const std::pair<double, Fault> table[] = {
      {settings_.http_5xx, Fault::kHttp5xx},   {settings_.server_unavailable, Fault::kServerUnavailable},
      {settings_.reset, Fault::kReset},        {settings_.slow, Fault::kSlow},
      {settings_.truncate, Fault::kTruncate},  {settings_.corrupt, Fault::kCorrupt}};
  double acc = 0;
  for (const auto& [rate, fault] : table) {
    acc += rate;
    if (r < acc) return fault;
  }
  return Fault::kNone;
}

void FaultInjector::Count(Fault f) {
  base::MutexLock lock(&mu_);
  switch (f) {
    case Fault::kHttp5xx: ++counts_.http_5xx; break;
    case Fault::kServerUnavailable: ++counts_.server_unavailable; break;
    case Fault::kReset: ++counts_.reset; break;
    case Fault::kSlow: ++counts_.slow; break;
    case Fault::kTruncate: ++counts_.truncate; break;
    case Fault::kCorrupt: ++counts_.corrupt; break;
    case Fault::kNone: break;
  }
}

FaultCounts FaultInjector::counts() {
  base::MutexLock lock(&mu_);
  return counts_;
}

}  // namespace tablestore::tunnel::emulator
