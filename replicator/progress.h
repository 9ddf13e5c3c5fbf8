#pragma once

// In-memory progress of a run: what the progress display, GetStatus() and WaitCaughtUp()
// read. Fed by the mirror processors after each committed batch. Thread-safe.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/mutex.h"

namespace tablestore::replicator {

struct ChannelProgress {
  std::string channel_id;
  bool is_stream = false;
  bool finished = false;
  int64_t rows_applied = 0;
  int64_t batches_applied = 0;
  int64_t duplicates_skipped = 0;
  // Steady time of the last committed page that found the channel caught up.
  std::chrono::steady_clock::time_point last_caught_up{};
  std::chrono::steady_clock::time_point last_commit{};
};

class Progress {
 public:
  void OnCommitted(const std::string& tunnel_id, const std::string& channel_id, bool is_stream,
                   int64_t rows, bool caught_up, bool finished);
  void OnSkipped(const std::string& tunnel_id, const std::string& channel_id);

  // Channels of a tunnel seen so far.
  std::vector<ChannelProgress> Channels(const std::string& tunnel_id);
  // True if the channel committed a caught-up page at or after `since`.
  bool CaughtUpSince(const std::string& tunnel_id, const std::string& channel_id,
                     std::chrono::steady_clock::time_point since);

 private:
  base::Mutex mu_;
  std::map<std::string, std::map<std::string, ChannelProgress>> tunnels_ GUARDED_BY(mu_);
};

}  // namespace tablestore::replicator
