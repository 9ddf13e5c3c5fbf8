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
  // When the read of the latest committed page that found the channel caught up was sent
  // (steady clock): the mirror holds everything the service had for it at that moment.
  std::chrono::steady_clock::time_point last_caught_up{};
  std::chrono::steady_clock::time_point last_commit{};
};

class Progress {
 public:
  // `read_at`: when the ReadRecords call that returned the batch was sent.
  void OnCommitted(const std::string& tunnel_id, const std::string& channel_id, bool is_stream,
                   int64_t rows, bool caught_up, bool finished,
                   std::chrono::steady_clock::time_point read_at);
  void OnSkipped(const std::string& tunnel_id, const std::string& channel_id);

  // Channels of a tunnel seen so far.
  std::vector<ChannelProgress> Channels(const std::string& tunnel_id);
  // True if the channel has finished, or committed a caught-up page whose read was sent at
  // or after `since` (a page read earlier, even if committed later, does not count: the
  // service answered before `since`).
  bool CaughtUpSince(const std::string& tunnel_id, const std::string& channel_id,
                     std::chrono::steady_clock::time_point since);

 private:
  base::Mutex mu_;
  std::map<std::string, std::map<std::string, ChannelProgress>> tunnels_ GUARDED_BY(mu_);
};

}  // namespace tablestore::replicator
