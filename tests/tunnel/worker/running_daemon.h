#pragma once

// Runs a daemon (TunnelDaemon or DaemonRunner: anything with Run() and Stop()) on its own
// thread for a test; Stop()s it and waits when destroyed. Thread-compatible.

#include <chrono>
#include <future>
#include <optional>
#include <utility>

#include "tablestore/base/status.h"

namespace tablestore::tunnel::testing {

template <typename Daemon>
class RunningDaemon {
 public:
  template <typename... Args>
  explicit RunningDaemon(Args&&... args) : daemon_(std::forward<Args>(args)...) {
    result_ = std::async(std::launch::async, [this] { return daemon_.Run(); });
  }
  ~RunningDaemon() {
    daemon_.Stop();
    if (result_.valid()) result_.wait();
  }
  RunningDaemon(const RunningDaemon&) = delete;
  RunningDaemon& operator=(const RunningDaemon&) = delete;

  base::Status StopAndWait() {
    daemon_.Stop();
    return result_.get();
  }
  // Waits (bounded) for Run to return by itself.
  std::optional<base::Status> WaitEnd(std::chrono::milliseconds limit) {
    if (result_.wait_for(limit) != std::future_status::ready) return std::nullopt;
    return result_.get();
  }
  Daemon& daemon() { return daemon_; }

 private:
  Daemon daemon_;
  std::future<base::Status> result_;
};

}  // namespace tablestore::tunnel::testing
