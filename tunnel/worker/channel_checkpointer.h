#pragma once

// Server checkpoints of one channel (tunnel-protocol.md §5.5, design.md rule 3).

#include <chrono>
#include <cstdint>
#include <string>

#include "base/clock.h"
#include "tablestore/base/status.h"
#include "tablestore/tunnel/tunnel_worker.h"
#include "tunnel/worker/tunnel_data_api.h"

namespace tablestore::tunnel {

// Sends the newest *processed* token to the service, at most once per `interval` (plus
// forced flushes when a channel finishes or closes), keeping the sequence number:
// next = GetCheckpoint's value + 1, incremented after every accepted Checkpoint. On
// OTSSequenceNumberNotMatch (kAborted) it re-reads the number with GetCheckpoint and retries.
// `store->EnsureDurable()` is called before every Checkpoint, so the service is never told
// about a position that is not durable locally. Unlike the Go SDK it does not re-send an
// unchanged token.
//
// Thread-compatible (one reader thread). `api`, `store` (may be null) and `clock` must
// outlive this object.
class ChannelCheckpointer {
 public:
  ChannelCheckpointer(TunnelDataApi* api, CheckpointStore* store, base::Clock* clock,
                      std::chrono::milliseconds interval, std::string tunnel_id,
                      std::string client_id, std::string channel_id);

  // Starts from the service's checkpoint (GetCheckpoint's answer).
  void Start(const CheckpointInfo& server);

  // `token` has been processed. Sends it if `interval` has passed since the last send (or
  // attempt). Errors are those of Flush; the token stays pending for a later attempt.
  base::Status Offer(const std::string& token);

  // Sends the pending token now, if any. Errors: EnsureDurable's (with context "checkpoint
  // store"), or the service's Checkpoint/GetCheckpoint error.
  base::Status Flush();

  bool has_pending() const { return !pending_.empty() && pending_ != sent_; }
  const std::string& sent_token() const { return sent_; }
  int64_t next_sequence() const { return next_seq_; }
  int checkpoints_sent() const { return sent_count_; }

 private:
  static constexpr int kMaxSequenceRecoveries = 3;

  TunnelDataApi* const api_;
  CheckpointStore* const store_;
  base::Clock* const clock_;
  const std::chrono::milliseconds interval_;
  const std::string tunnel_id_;
  const std::string client_id_;
  const std::string channel_id_;

  int64_t next_seq_ = 1;
  std::string sent_;     // last token the service accepted (or returned)
  std::string pending_;  // newest processed token
  base::Clock::SteadyTime last_attempt_{};
  int sent_count_ = 0;
};

}  // namespace tablestore::tunnel
