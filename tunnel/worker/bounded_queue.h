#pragma once

// The read-ahead queue between a channel's fetcher and its processing loop.

#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

#include "base/mutex.h"

namespace tablestore::tunnel {

// A blocking FIFO with a capacity; Close() wakes both sides for shutdown. Thread-safe.
template <class T>
class BoundedQueue {
 public:
  // REQUIRES: capacity >= 1.
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  // Blocks while full. Returns false (dropping `item`) once closed.
  bool Push(T item) {
    base::MutexLock lock(&mu_);
    while (!closed_ && items_.size() >= capacity_) cv_.Wait();
    if (closed_) return false;
    items_.push_back(std::move(item));
    cv_.SignalAll();
    return true;
  }

  // Blocks while empty. Returns nullopt once closed (items still queued are dropped).
  std::optional<T> Pop() {
    base::MutexLock lock(&mu_);
    while (!closed_ && items_.empty()) cv_.Wait();
    if (closed_) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    cv_.SignalAll();
    return item;
  }

  // Wakes every waiter; later Push/Pop fail at once. Queued items are destroyed.
  void Close() {
    std::deque<T> dropped;
    {
      base::MutexLock lock(&mu_);
      closed_ = true;
      dropped.swap(items_);
      cv_.SignalAll();
    }
  }

 private:
  const size_t capacity_;
  base::Mutex mu_;
  base::CondVar cv_{&mu_};
  bool closed_ GUARDED_BY(mu_) = false;
  std::deque<T> items_ GUARDED_BY(mu_);
};

}  // namespace tablestore::tunnel
