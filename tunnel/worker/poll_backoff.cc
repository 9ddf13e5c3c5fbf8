#include "tunnel/worker/poll_backoff.h"

#include <algorithm>

namespace tablestore::tunnel {

PollBackoff::PollBackoff(std::chrono::milliseconds initial, double multiplier,
                 std::chrono::milliseconds max)
    : initial_(initial), multiplier_(multiplier), max_(max), next_(initial) {}

std::chrono::milliseconds PollBackoff::Next() {
  std::chrono::milliseconds current = next_;
  double grown = static_cast<double>(next_.count()) * multiplier_;
  double cap = static_cast<double>(max_.count());
  next_ = std::chrono::milliseconds(static_cast<int64_t>(std::min(grown, cap)));
  return std::min(current, max_);
}

bool IsFullPage(const ReadRecordsResult& page) {
  if (page.may_more_record.has_value()) return *page.may_more_record;
  return page.records.size() > kFullPageRecords || page.wire_bytes > kFullPageBytes;
}

}  // namespace tablestore::tunnel
