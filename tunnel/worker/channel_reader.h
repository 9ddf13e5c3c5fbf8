#pragma once

// One reader per OPEN channel (tunnel-protocol.md §5.4, §5.7; design.md rules 3 and 8).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/mutex.h"
#include "tablestore/tunnel/tunnel_worker.h"
#include "tunnel/worker/bounded_queue.h"
#include "tunnel/worker/channel_checkpointer.h"
#include "tunnel/worker/fair_semaphore.h"
#include "tunnel/worker/poll_backoff.h"
#include "tunnel/worker/tunnel_data_api.h"

namespace tablestore::tunnel {

struct ChannelReaderOptions {
  std::string tunnel_id;
  std::string client_id;
  std::string channel_id;
  uint64_t generation = 0;
  int read_ahead_pages = 2;
  int max_page_failures = 10;
  std::chrono::milliseconds checkpoint_interval{10'000};
  std::chrono::milliseconds stream_backoff_initial{20};
  double stream_backoff_multiplier = 5;
  std::chrono::milliseconds stream_backoff_max{1'000};
  std::chrono::milliseconds page_retry_initial{50};
  std::chrono::milliseconds page_retry_max{2'000};
};

// Reads one channel from its start position to its end, a stop request or an error:
//   start = CheckpointStore::Load if it has a token, else GetCheckpoint's token (the
//   sequence number always comes from GetCheckpoint); `finished` → TERMINATED at once.
//   Pages are fetched up to `read_ahead_pages` ahead on a fetcher thread (0: inline) and
//   handed to ChannelProcessor::Process one by one, empty pages included. After each
//   processed page the checkpointer may send a server Checkpoint; a `finished` page ends
//   the channel with a forced `finished` checkpoint, then TERMINATED.
//   Stream channels sleep between reads (PollBackoff) unless the page was full.
//   kDataLoss from ReadRecords: the same token is re-read with backoff; after
//   `max_page_failures` consecutive failures the reader ends kFatal naming channel, token
//   and reason. A Process error (kAborted included) ends the reader kClosed: the batch is
//   never skipped, the channel is re-read from the checkpoint store / server checkpoint.
//
// Thread-safe: Start/RequestStop/Join from the owner; `done` runs once on the reader
// thread, as its last action touching the processor. `api`, `store` (may be null),
// `factory`, `semaphore` (may be null) and `clock` must outlive the reader.
class ChannelReader {
 public:
  enum class StopMode {
    kGraceful,  // finish the batch in Process, flush the checkpoint, report CLOSE
    kDrop,      // the channel was taken away: no checkpoint, no report
  };
  enum class End {
    kTerminated,  // report TERMINATED (last batch processed, `finished` checkpointed)
    kClosed,      // report CLOSE (stopped, or an error the channel survives elsewhere)
    kDropped,     // report nothing
    kFatal,       // the run must stop (status says why)
    kClientGone,  // OTSResourceGone: the worker must reconnect
  };
  struct Outcome {
    End end = End::kClosed;
    base::Status status;
  };
  using DoneCallback = std::function<void(const ChannelReader&, const Outcome&)>;

  ChannelReader(ChannelReaderOptions options, TunnelDataApi* api, CheckpointStore* store,
                ChannelProcessorFactory* factory, FairSemaphore* semaphore, base::Clock* clock,
                DoneCallback done);
  ~ChannelReader();  // RequestStop(kDrop) and Join
  ChannelReader(const ChannelReader&) = delete;
  ChannelReader& operator=(const ChannelReader&) = delete;

  void Start();
  // kDrop overrides an earlier kGraceful. Interrupts sleeps and waits at once.
  void RequestStop(StopMode mode);
  void Join();

  const std::string& channel_id() const { return options_.channel_id; }
  uint64_t generation() const { return options_.generation; }
  // Number of pages processed successfully (for tests and logs).
  int64_t pages_processed() const { return pages_processed_.load(); }

  static const char* EndName(End end);

 private:
  // One fetched page, or the error that ended fetching; holds a parallelism slot.
  struct Fetched {
    std::string token_in;
    base::Result<ReadRecordsResult> page;
    bool is_stream = false;
    FairSemaphore::Permit permit;
    base::Clock::SteadyTime read_at{};  // when the ReadRecords call was sent
  };

  void Run();
  Outcome ReadChannel(ChannelContext& context);
  // The channel's data is done: EnsureDurable, `finished` checkpoint unless the service
  // already has it, then kTerminated.
  Outcome FinishChannel(bool server_finished);
  Outcome Classify(const base::Status& status, const char* operation);
  // Fetch state machine: next page (with sleeps and page re-reads), nullopt when stopped.
  std::optional<Fetched> FetchNext();
  void FetchLoop();
  void StopFetcher();
  // Page recycling: the record vector of a processed page is kept (one spare at most) and
  // the next fetch decodes into it, reusing its rows' vectors and strings (most of the
  // decode cost). Pages larger than kMaxRecycledPageBytes on the wire are not kept.
  std::vector<Record> TakeSpareRecords();
  void RecycleRecords(std::vector<Record> records, size_t wire_bytes);
  static constexpr size_t kMaxRecycledPageBytes = 4 << 20;
  bool stopping() const { return cancel_.cancelled(); }
  StopMode stop_mode();

  const ChannelReaderOptions options_;
  TunnelDataApi* const api_;
  CheckpointStore* const store_;
  ChannelProcessorFactory* const factory_;
  FairSemaphore* const semaphore_;
  base::Clock* const clock_;
  const DoneCallback done_;

  base::CancelToken cancel_;
  std::atomic<int64_t> pages_processed_{0};
  ChannelCheckpointer checkpointer_;
  std::unique_ptr<BoundedQueue<Fetched>> queue_;  // set before the fetcher starts

  // Fetch state (fetcher thread, or the reader thread when read_ahead_pages == 0).
  std::string fetch_token_;
  bool fetch_done_ = false;
  PollBackoff stream_backoff_;
  PollBackoff retry_backoff_;
  std::chrono::milliseconds sleep_before_next_{0};

  base::Mutex mu_;
  bool drop_ GUARDED_BY(mu_) = false;

  base::Mutex spare_mu_;
  std::vector<std::vector<Record>> spare_records_ GUARDED_BY(spare_mu_);

  std::thread thread_;
  std::thread fetcher_;
};

}  // namespace tablestore::tunnel
