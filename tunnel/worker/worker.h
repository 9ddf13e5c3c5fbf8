#pragma once

// One connection of a worker to a tunnel (tunnel-protocol.md §5): Connect, the heartbeat
// loop, the channel state machine and the channel readers, until Stop(), a fatal error or a
// failure that needs a new Connect. TunnelDaemon runs these one after another.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "tablestore/tunnel/tunnel_worker.h"
#include "tunnel/worker/channel_reader.h"
#include "tunnel/worker/channel_state_machine.h"
#include "tunnel/worker/fair_semaphore.h"
#include "tunnel/worker/tunnel_data_api.h"

namespace tablestore::tunnel {

struct WorkerOutcome {
  base::Status status;   // OK after a clean stop
  bool fatal = false;    // the daemon must not reconnect
  bool stopped = false;  // ended by Stop()
};

// True for codes that no reconnect can cure (tunnel expired or data trimmed, credentials,
// permission, invalid parameter, TLS/precondition failures).
bool IsFatalServiceCode(base::StatusCode code);

// Thread-safe: Run() on one thread, Stop() from any. `api` and everything in `config` must
// outlive the worker. REQUIRES: config.Validate() is OK.
class Worker {
 public:
  Worker(TunnelDataApi* api, std::string tunnel_id, const TunnelWorkerConfig& config);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Blocks until the worker ends. Clean stop: readers stop after their batch in progress,
  // processed positions are checkpointed, a last heartbeat reports the channels, Shutdown
  // is sent and CheckpointStore::OnClientId(tunnel, "") clears the recorded client id.
  WorkerOutcome Run();
  void Stop();

  std::string client_id();
  int heartbeats_sent();

 private:
  struct ReaderSlot {
    std::unique_ptr<ChannelReader> reader;
    bool done = false;
  };

  void OnReaderDone(const ChannelReader& reader, const ChannelReader::Outcome& outcome);
  void Execute(const std::vector<ChannelAction>& actions) REQUIRES(mu_);
  void StartReader(const std::string& channel_id, uint64_t generation) REQUIRES(mu_);
  bool HasLiveReader(const std::string& channel_id) REQUIRES(mu_);
  ChannelReader* FindLive(const std::string& channel_id, uint64_t generation) REQUIRES(mu_);
  // Joins finished readers and starts readers that waited for an old one to end.
  void Reap();
  void End(WorkerOutcome outcome) REQUIRES(mu_);
  void Wake() REQUIRES(mu_);
  void StopReaders(ChannelReader::StopMode mode);

  TunnelDataApi* const api_;
  const std::string tunnel_id_;
  const TunnelWorkerConfig config_;
  base::Clock* const clock_;
  FairSemaphore semaphore_;

  base::Mutex mu_;
  std::string client_id_ GUARDED_BY(mu_);
  bool stop_requested_ GUARDED_BY(mu_) = false;
  std::optional<WorkerOutcome> end_ GUARDED_BY(mu_);
  ChannelStateMachine channels_ GUARDED_BY(mu_);
  std::vector<ReaderSlot> readers_ GUARDED_BY(mu_);
  std::map<std::string, uint64_t> pending_starts_ GUARDED_BY(mu_);
  // Early heartbeat (debounced): set by the first local report since the last heartbeat.
  std::optional<base::Clock::SteadyTime> early_since_ GUARDED_BY(mu_);
  // Cancelled to wake the heartbeat loop; replaced before each wait.
  std::shared_ptr<base::CancelToken> wake_ GUARDED_BY(mu_);
  bool reap_needed_ GUARDED_BY(mu_) = false;  // a reader ended since the last Reap
  int heartbeats_ GUARDED_BY(mu_) = 0;
};

}  // namespace tablestore::tunnel
