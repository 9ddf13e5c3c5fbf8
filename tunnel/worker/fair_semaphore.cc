#include "tunnel/worker/fair_semaphore.h"

#include <algorithm>

namespace tablestore::tunnel {

FairSemaphore::Permit FairSemaphore::Acquire(const base::CancelToken* cancel) {
  if (limit_ <= 0) return Permit();  // unlimited: nothing to hold
  base::MutexLock lock(&mu_);
  const uint64_t ticket = next_ticket_++;
  waiters_.push_back(ticket);
  while (!(waiters_.front() == ticket && in_use_ < limit_)) {
    if (cancel != nullptr && cancel->cancelled()) {
      waiters_.erase(std::find(waiters_.begin(), waiters_.end(), ticket));
      cv_.SignalAll();  // the next in line may be servable now
      return Permit();
    }
    cv_.Wait();
  }
  waiters_.pop_front();
  ++in_use_;
  cv_.SignalAll();
  return Permit(this);
}

void FairSemaphore::WakeAll() {
  base::MutexLock lock(&mu_);
  cv_.SignalAll();
}

int FairSemaphore::in_use() {
  base::MutexLock lock(&mu_);
  return in_use_;
}

void FairSemaphore::ReleaseOne() {
  base::MutexLock lock(&mu_);
  --in_use_;
  cv_.SignalAll();
}

}  // namespace tablestore::tunnel
