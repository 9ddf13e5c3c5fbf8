#pragma once

// The restart loop behind TunnelDaemon, over the TunnelDataApi seam (so it is testable
// without HTTP).

#include <chrono>
#include <memory>
#include <random>
#include <string>

#include "base/clock.h"
#include "base/mutex.h"
#include "tablestore/tunnel/tunnel_worker.h"
#include "tunnel/worker/tunnel_data_api.h"
#include "tunnel/worker/worker.h"

namespace tablestore::tunnel {

// Runs Workers one after another: after a recoverable end (network, heartbeat timeout,
// OTSResourceGone, a failed Connect) it waits RestartDelay (random, growing with failures in
// a row, within [restart_delay_min, restart_delay_max]) and connects again; it returns OK after
// Stop(), or the first fatal error with its code and a message naming the remedy. Thread-safe:
// Run() on one thread, Stop() from any. `api` must outlive the runner.
class DaemonRunner {
 public:
  DaemonRunner(TunnelDataApi* api, std::string tunnel_id, TunnelWorkerConfig config);

  base::Status Run();
  void Stop();

  // Workers started so far (1 + restarts).
  int workers_started();

 private:
  TunnelDataApi* const api_;
  const std::string tunnel_id_;
  TunnelWorkerConfig config_;
  base::CancelToken stop_;

  base::Mutex mu_;
  Worker* current_ GUARDED_BY(mu_) = nullptr;
  bool running_ GUARDED_BY(mu_) = false;
  int workers_started_ GUARDED_BY(mu_) = 0;
};

// Delay before the reconnect that follows `failures` (>= 1) worker ends in a row: uniform in
// [min, min(max, base * 2^failures)] with base = max(min, 100 ms) ("full jitter" under a
// growing ceiling). The first reconnect is quick (default 100–200 ms); a service that keeps
// failing sees about one Connect per `max / 2` on average, from many clients spread out.
std::chrono::milliseconds RestartDelay(int failures, std::chrono::milliseconds min,
                                       std::chrono::milliseconds max, std::mt19937_64& rng);

// A worker that ran at least this long counts as healthy: the next failure starts the
// delays again from the first.
inline constexpr std::chrono::seconds kHealthyWorkerLife{30};

// Adds the remedy to a fatal status (same code): "tunnel 'T' cannot continue ...".
base::Status DescribeFatal(const std::string& tunnel_id, const base::Status& status);

}  // namespace tablestore::tunnel
