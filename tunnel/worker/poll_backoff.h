#pragma once

#include <chrono>

#include "tablestore/tunnel/tunnel_client.h"

namespace tablestore::tunnel {

// Exponential delay without jitter: initial, initial*m, initial*m^2, ... capped at max.
// Used for stream polling (§5.7: 20 ms ×5 up to 1 s by default) and for page re-reads.
// Thread-compatible.
class PollBackoff {
 public:
  // REQUIRES: initial > 0, multiplier >= 1, max >= initial (TunnelWorkerConfig::Validate).
  PollBackoff(std::chrono::milliseconds initial, double multiplier, std::chrono::milliseconds max);

  // The delay to sleep now; the following call returns the next, longer one.
  std::chrono::milliseconds Next();
  // Back to `initial` (after a full page or a successful read).
  void Reset() { next_ = initial_; }

 private:
  const std::chrono::milliseconds initial_;
  const double multiplier_;
  const std::chrono::milliseconds max_;
  std::chrono::milliseconds next_;
};

// §5.7 "full page" test: `may_more_record` when present, else more than 500 records or
// more than 900 KiB on the wire. A full page means "read again at once".
inline constexpr size_t kFullPageRecords = 500;
inline constexpr size_t kFullPageBytes = 921'600;
bool IsFullPage(const ReadRecordsResult& page);

}  // namespace tablestore::tunnel
