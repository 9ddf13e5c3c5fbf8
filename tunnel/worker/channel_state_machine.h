#pragma once

// The client side of the channel state machine (tunnel-protocol.md §5.3), as a pure class:
// no I/O, no threads. The worker feeds it heartbeat answers and reader reports, and executes
// the actions it returns.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tablestore/tunnel/tunnel_client.h"

namespace tablestore::tunnel {

// What the worker must do with a channel's reader.
struct ChannelAction {
  enum class Kind {
    kStart,  // OPEN and no reader: start one with `generation`
    kStop,   // CLOSING: stop after the batch in progress, flush, then report CLOSE/TERMINATED
    kDrop,   // taken away (absent, CLOSE or TERMINATED from the server): stop now, no
             // checkpoint, no report
  };
  Kind kind;
  std::string channel_id;
  uint64_t generation;  // identifies one reader of the channel

  friend bool operator==(const ChannelAction&, const ChannelAction&) = default;
};

// Thread-compatible (the worker guards it with its mutex).
//
// Rules: the higher version wins (a server entry with the same or a higher version replaces
// the local one); channels absent from an answer are dropped; the client reports only
// CLOSE or TERMINATED, at version + 1, and only for a channel that was OPEN or CLOSING.
class ChannelStateMachine {
 public:
  enum class Phase { kNone, kRunning, kStopping };
  struct Entry {
    int64_t version = 0;
    ChannelStatus status = ChannelStatus::kOpen;
    Phase phase = Phase::kNone;
    uint64_t generation = 0;  // of the reader, when phase != kNone
  };

  // Merges a heartbeat answer and returns the reader actions: drops of absent channels
  // first, then the others, each group in channel-id order.
  // A CLOSING channel without a reader is reported CLOSE at once (no action).
  std::vector<ChannelAction> ApplyHeartbeat(const std::vector<ChannelState>& answer);

  // A reader of `generation` ended and reports `status` (kClose or kTerminated). Returns
  // true when the entry changed (to be sent with the next heartbeat); false when the channel
  // is gone, another reader owns it now, or the server already closed it.
  bool Report(const std::string& channel_id, uint64_t generation, ChannelStatus status);

  // A reader ended without a report (dropped, or the worker is going away).
  void ReaderGone(const std::string& channel_id, uint64_t generation);

  // True while `generation` is the channel's current running/stopping reader.
  bool IsCurrent(const std::string& channel_id, uint64_t generation) const;

  // Every tracked channel, for the heartbeat request (channel-id order).
  std::vector<ChannelState> Snapshot() const;

  // Asks every running reader to stop (shutdown); returns kStop actions.
  std::vector<ChannelAction> StopAll();

  const std::map<std::string, Entry>& entries() const { return entries_; }

 private:
  std::map<std::string, Entry> entries_;
  uint64_t next_generation_ = 1;
};

std::string_view ChannelStatusName(ChannelStatus status);

}  // namespace tablestore::tunnel
