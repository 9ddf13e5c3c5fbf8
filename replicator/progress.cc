#include "replicator/progress.h"

#include <algorithm>

namespace tablestore::replicator {

void Progress::OnCommitted(const std::string& tunnel_id, const std::string& channel_id,
                           bool is_stream, int64_t rows, bool caught_up, bool finished,
                           std::chrono::steady_clock::time_point read_at) {
  auto now = std::chrono::steady_clock::now();
  base::MutexLock lock(&mu_);
  ChannelProgress& c = tunnels_[tunnel_id][channel_id];
  c.channel_id = channel_id;
  c.is_stream = is_stream;
  c.rows_applied += rows;
  c.batches_applied += 1;
  c.last_commit = now;
  if (caught_up) c.last_caught_up = std::max(c.last_caught_up, read_at);
  if (finished) c.finished = true;
}

void Progress::OnSkipped(const std::string& tunnel_id, const std::string& channel_id) {
  base::MutexLock lock(&mu_);
  ChannelProgress& c = tunnels_[tunnel_id][channel_id];
  c.channel_id = channel_id;
  c.duplicates_skipped += 1;
}

std::vector<ChannelProgress> Progress::Channels(const std::string& tunnel_id) {
  base::MutexLock lock(&mu_);
  std::vector<ChannelProgress> out;
  auto it = tunnels_.find(tunnel_id);
  if (it == tunnels_.end()) return out;
  for (const auto& [id, c] : it->second) out.push_back(c);
  return out;
}

bool Progress::CaughtUpSince(const std::string& tunnel_id, const std::string& channel_id,
                             std::chrono::steady_clock::time_point since) {
  base::MutexLock lock(&mu_);
  auto it = tunnels_.find(tunnel_id);
  if (it == tunnels_.end()) return false;
  auto c = it->second.find(channel_id);
  if (c == it->second.end()) return false;
  return c->second.finished || c->second.last_caught_up >= since;
}

}  // namespace tablestore::replicator
