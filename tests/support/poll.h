#pragma once

#include <chrono>
#include <thread>

namespace tablestore::testing {

// Calls `pred` every `interval` until it returns true or `timeout` has passed; returns
// whether it did (the last call is made after the deadline). For waiting on background work
// (a replicator applying, an emulator loading) with a generous deadline instead of checking
// once.
template <class Pred>
bool PollUntil(std::chrono::milliseconds timeout, Pred pred,
               std::chrono::milliseconds interval = std::chrono::milliseconds(50)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(interval);
  }
  return pred();
}

}  // namespace tablestore::testing
