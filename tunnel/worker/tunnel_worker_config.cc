#include <string>

#include "tablestore/tunnel/tunnel_worker.h"

namespace tablestore::tunnel {

namespace {

constexpr int kMaxReadAheadPages = 64;  // each page may be ~1 MiB on the wire

base::Status Bad(const std::string& what) {
  return base::InvalidArgumentError("TunnelWorkerConfig: " + what);
}

std::string Ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

}  // namespace

base::Status TunnelWorkerConfig::Validate() const {
  using std::chrono::milliseconds;
  if (processor_factory == nullptr) return Bad("processor_factory is required");
  if (heartbeat_interval <= milliseconds(0)) {
    return Bad("heartbeat_interval must be positive, got " + Ms(heartbeat_interval));
  }
  if (heartbeat_timeout < milliseconds(1'000)) {
    return Bad("heartbeat_timeout must be at least 1 s (sent in seconds), got " +
               Ms(heartbeat_timeout));
  }
  if (heartbeat_timeout <= heartbeat_interval) {
    return Bad("heartbeat_timeout (" + Ms(heartbeat_timeout) +
               ") must exceed heartbeat_interval (" + Ms(heartbeat_interval) + ")");
  }
  if (max_channel_parallel < 0) {
    return Bad("max_channel_parallel must be >= 0 (0: unlimited), got " +
               std::to_string(max_channel_parallel));
  }
  if (checkpoint_interval <= milliseconds(0)) {
    return Bad("checkpoint_interval must be positive, got " + Ms(checkpoint_interval));
  }
  if (read_ahead_pages < 0 || read_ahead_pages > kMaxReadAheadPages) {
    return Bad("read_ahead_pages must be in [0, " + std::to_string(kMaxReadAheadPages) +
               "], got " + std::to_string(read_ahead_pages));
  }
  if (stream_backoff_initial <= milliseconds(0)) {
    return Bad("stream_backoff_initial must be positive, got " + Ms(stream_backoff_initial));
  }
  if (!(stream_backoff_multiplier >= 1.0)) {  // also rejects NaN
    return Bad("stream_backoff_multiplier must be >= 1, got " +
               std::to_string(stream_backoff_multiplier));
  }
  if (stream_backoff_max < stream_backoff_initial) {
    return Bad("stream_backoff_max (" + Ms(stream_backoff_max) +
               ") must be >= stream_backoff_initial (" + Ms(stream_backoff_initial) + ")");
  }
  if (max_page_failures < 1) {
    return Bad("max_page_failures must be >= 1, got " + std::to_string(max_page_failures));
  }
  if (page_retry_initial <= milliseconds(0) || page_retry_max < page_retry_initial) {
    return Bad("page_retry_initial must be positive and <= page_retry_max, got " +
               Ms(page_retry_initial) + " and " + Ms(page_retry_max));
  }
  if (early_heartbeat_debounce < milliseconds(0) ||
      early_heartbeat_debounce >= heartbeat_interval) {
    return Bad("early_heartbeat_debounce must be in [0, heartbeat_interval), got " +
               Ms(early_heartbeat_debounce));
  }
  if (restart_delay_min < milliseconds(0) || restart_delay_max < restart_delay_min) {
    return Bad("restart delays need 0 <= restart_delay_min <= restart_delay_max, got " +
               Ms(restart_delay_min) + " and " + Ms(restart_delay_max));
  }
  return base::Status::Ok();
}

}  // namespace tablestore::tunnel
