#pragma once

// The worker side of the public tunnel API, shaped like the official Go SDK's quick start:
// TunnelWorkerConfig, ChannelContext, ChannelProcessor, SimpleProcessFactory, TunnelDaemon.
// The replicator is built on exactly this API.

#include <any>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tablestore/base/result.h"
#include "tablestore/base/row.h"
#include "tablestore/tunnel/tunnel_client.h"

namespace tablestore::tunnel {

// A record as delivered to processors: action, primary key, cells (each with op and cell
// timestamp, values typed exactly), sequence info (absent for base data), origin columns.
using Record = base::RowChange;

// Where a batch comes from. `token_in` is the position the page was read from and
// `token_out` the position after it ("finished" when the channel ended with this page).
struct ChannelContext {
  std::string tunnel_id;
  std::string client_id;
  std::string channel_id;
  std::string trace_id;  // unique per batch, for logs
  std::string token_in;
  std::string token_out;
  // True when the page was not full (may_more_record false): the channel had nothing more
  // at the time of the read. Processors are called for empty pages too (their token_out
  // still advances the position).
  bool caught_up = false;
  // When the ReadRecords call that returned this page was sent (steady clock): a caught-up
  // page says the channel had nothing more at some moment after this.
  std::chrono::steady_clock::time_point read_at{};
  bool is_stream = false;  // stream channel (its tokens carry an iterator)
  std::any custom_value;   // SimpleProcessFactory::custom_value
};

// Processes the batches of one channel. Called from that channel's reader thread only
// (never concurrently for one channel; different channels run in parallel).
class ChannelProcessor {
 public:
  virtual ~ChannelProcessor() = default;
  // OK: the batch is done; the checkpoint may pass it. Any error: the batch is retried
  // (the channel is re-read from the last checkpoint); the checkpoint never passes it.
  // kAborted means "token_in did not match the stored checkpoint" (a duplicate or
  // out-of-order batch): the channel restarts from the checkpoint store's token.
  virtual base::Status Process(const ChannelContext& context, std::vector<Record>& records) = 0;
  // The channel is closing (given up, finished, or the worker stops).
  virtual void Shutdown(const ChannelContext& /*context*/) {}
};

class ChannelProcessorFactory {
 public:
  virtual ~ChannelProcessorFactory() = default;
  virtual std::unique_ptr<ChannelProcessor> NewProcessor(const ChannelContext& context) = 0;
};

// The Go SDK's SimpleProcessFactory: a process callback, an optional shutdown callback and
// a custom value handed to both through ChannelContext.
class SimpleProcessFactory : public ChannelProcessorFactory {
 public:
  using ProcessFunc = std::function<base::Status(const ChannelContext&, std::vector<Record>&)>;
  using ShutdownFunc = std::function<void(const ChannelContext&)>;

  explicit SimpleProcessFactory(ProcessFunc process, ShutdownFunc shutdown = nullptr,
                                std::any custom_value = {});
  std::unique_ptr<ChannelProcessor> NewProcessor(const ChannelContext& context) override;

 private:
  ProcessFunc process_;
  ShutdownFunc shutdown_;
  std::any custom_value_;
};

// Where a channel's start position comes from and how progress becomes durable.
// The default (null in the config) keeps checkpoints in the service, as the SDKs do.
// The replicator's store keeps them in the mirror. Implementations are thread-safe.
class CheckpointStore {
 public:
  virtual ~CheckpointStore() = default;
  // The locally stored token of a channel, or nullopt to use the service's GetCheckpoint.
  virtual base::Result<std::optional<std::string>> Load(const std::string& tunnel_id,
                                                        const std::string& channel_id) = 0;
  // Returns once everything processed so far is durable. Called before the worker sends
  // the service a Checkpoint or reports a channel TERMINATED.
  virtual base::Status EnsureDurable() { return base::Status::Ok(); }
  // Called right after Connect, before the first heartbeat (design.md rule 5), and after a
  // clean Shutdown with an empty client id.
  virtual base::Status OnClientId(const std::string& /*tunnel_id*/,
                                  const std::string& /*client_id*/) {
    return base::Status::Ok();
  }
};

// The Go SDK's TunnelWorkerConfig knobs under C++ names. Defaults are documented in
// docs/worker.md; Validate() rejects nonsense values.
struct TunnelWorkerConfig {
  std::shared_ptr<ChannelProcessorFactory> processor_factory;  // required
  std::shared_ptr<CheckpointStore> checkpoint_store;           // null: service checkpoints

  std::chrono::milliseconds heartbeat_interval{30'000};
  std::chrono::milliseconds heartbeat_timeout{300'000};
  std::string client_tag;        // empty: the host name
  int max_channel_parallel = 0;  // 0: unlimited
  std::chrono::milliseconds checkpoint_interval{10'000};
  int read_ahead_pages = 2;  // pages fetched ahead of the one being processed
  // Stream channel polling backoff (§5.7): starts at `stream_backoff_initial`, multiplied
  // by `stream_backoff_multiplier` on each non-full page, capped at `stream_backoff_max`;
  // a full page (may_more_record) resets it and reads again at once.
  std::chrono::milliseconds stream_backoff_initial{20};
  double stream_backoff_multiplier = 5;
  std::chrono::milliseconds stream_backoff_max{1'000};
  // Identical decode failures of one page before the run stops (design.md rule 8).
  int max_page_failures = 10;
  // Delay before re-reading a page that failed to decode: doubles up to the max.
  std::chrono::milliseconds page_retry_initial{50};
  std::chrono::milliseconds page_retry_max{2'000};
  // A channel that finishes or closes locally triggers an early heartbeat this long after
  // the first such event (so several are sent together), instead of waiting for the
  // interval. Zero: at once.
  std::chrono::milliseconds early_heartbeat_debounce{50};
  // Daemon restart delay range after a recoverable failure: a random delay whose ceiling
  // doubles with each failure in a row (from 200 ms), within [min, max].
  std::chrono::milliseconds restart_delay_min{100};
  std::chrono::milliseconds restart_delay_max{2'000};
  base::Clock* clock = nullptr;  // null: the real clock

  base::Status Validate() const;
};

// Runs workers for one tunnel until Stop() or a fatal error, restarting the worker after
// recoverable failures (new Connect). Fatal: expired tunnel / trimmed data (kOutOfRange),
// permission or authentication failure, invalid parameter.
class TunnelDaemon {
 public:
  // `client` must outlive the daemon.
  TunnelDaemon(TunnelClient* client, std::string tunnel_id, TunnelWorkerConfig config);
  ~TunnelDaemon();
  TunnelDaemon(const TunnelDaemon&) = delete;
  TunnelDaemon& operator=(const TunnelDaemon&) = delete;

  // Blocks. Returns OK after Stop() (readers stopped, in-flight batches finished or
  // abandoned without checkpoint, final checkpoints sent, Shutdown called), or the fatal
  // error.
  base::Status Run();
  // Thread-safe; may be called before, during or after Run().
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tablestore::tunnel
