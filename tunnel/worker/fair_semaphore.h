#pragma once

// MaxChannelParallel (tunnel-protocol.md §5.8): a FIFO counting semaphore, so channels take
// turns instead of a busy one starving the others.

#include <cstdint>
#include <deque>
#include <utility>

#include "base/clock.h"
#include "base/mutex.h"

namespace tablestore::tunnel {

// Thread-safe. A limit of 0 means unlimited (Acquire never waits).
class FairSemaphore {
 public:
  // A held slot; released when destroyed. Movable. The semaphore must outlive it.
  class Permit {
   public:
    Permit() = default;
    Permit(Permit&& other) noexcept : sem_(std::exchange(other.sem_, nullptr)) {}
    Permit& operator=(Permit&& other) noexcept {
      if (this != &other) {
        Release();
        sem_ = std::exchange(other.sem_, nullptr);
      }
      return *this;
    }
    ~Permit() { Release(); }
    void Release() {
      if (sem_ != nullptr) std::exchange(sem_, nullptr)->ReleaseOne();
    }
    bool held() const { return sem_ != nullptr; }

   private:
    friend class FairSemaphore;
    explicit Permit(FairSemaphore* sem) : sem_(sem) {}
    FairSemaphore* sem_ = nullptr;
  };

  explicit FairSemaphore(int limit) : limit_(limit) {}
  FairSemaphore(const FairSemaphore&) = delete;
  FairSemaphore& operator=(const FairSemaphore&) = delete;

  // Waits for a slot in arrival order. Returns an empty Permit when unlimited or when
  // `cancel` is cancelled (callers check their token; whoever cancels a waiter must then
  // call WakeAll()).
  Permit Acquire(const base::CancelToken* cancel);
  // Wakes every waiter so that cancelled ones return.
  void WakeAll();

  int in_use();

 private:
  void ReleaseOne();

  const int limit_;
  base::Mutex mu_;
  base::CondVar cv_{&mu_};
  int in_use_ GUARDED_BY(mu_) = 0;
  uint64_t next_ticket_ GUARDED_BY(mu_) = 0;
  std::deque<uint64_t> waiters_ GUARDED_BY(mu_);  // tickets in arrival order
};

}  // namespace tablestore::tunnel
