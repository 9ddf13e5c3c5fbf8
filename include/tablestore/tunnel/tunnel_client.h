#pragma once

// TunnelClient: every Tunnel Service operation over signed HTTP (docs/tunnel-protocol.md).
// The shape follows the official Go SDK's quick start.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tablestore/base/result.h"
#include "tablestore/base/row.h"
#include "tablestore/tunnel/credentials.h"

namespace tablestore::base {
class Clock;
class CancelToken;
}  // namespace tablestore::base

namespace tablestore::tunnel {

class Transport;  // internal seam (tunnel/client/transport.h)

enum class TunnelType { kBaseData = 1, kStream = 2, kBaseAndStream = 3 };
// Channel status on the wire (Channel.status); kWait exists only in ChannelInfo.
enum class ChannelStatus { kWait = 0, kOpen = 1, kClosing = 2, kClose = 3, kTerminated = 4 };

// Service error details carried as Status payloads by every failed call.
inline constexpr char kPayloadServiceCode[] = "service_code";  // e.g. "OTSTunnelExpired"
inline constexpr char kPayloadHttpStatus[] = "http_status";    // e.g. "400"
inline constexpr char kPayloadRequestId[] = "request_id";

struct CreateTunnelRequest {
  std::string table_name;
  std::string tunnel_name;
  TunnelType type = TunnelType::kBaseAndStream;
  // Stream part bounds, milliseconds since the epoch (0 = unset). Sent in ns (§3.3).
  int64_t stream_start_ms = 0;
  int64_t stream_end_ms = 0;
  bool start_from_earliest = false;  // StartOffsetFlag EARLIEST when no start time is given
};
struct CreateTunnelResponse {
  std::string tunnel_id;
  std::string request_id;
};

struct TunnelInfo {
  std::string tunnel_id;
  std::string tunnel_name;
  std::string table_name;
  std::string instance_name;
  std::string stream_id;
  std::string tunnel_type;  // "BaseData", "Stream", "BaseAndStream"
  std::string stage;        // "InitBaseDataAndStreamShard", "ProcessBaseData", "ProcessStream"
  bool expired = false;
  int64_t create_time_ns = 0;
};

struct ChannelInfo {
  std::string channel_id;
  std::string channel_type;    // "BaseData" or "Stream"
  std::string channel_status;  // "WAIT", "OPEN", "CLOSING", "CLOSE", "TERMINATED"
  std::string client_id;
  int64_t channel_rpo_ns = 0;
};

struct DescribeTunnelResponse {
  TunnelInfo tunnel;
  std::vector<ChannelInfo> channels;
  int64_t tunnel_rpo_ns = 0;
};

struct ChannelState {
  std::string channel_id;
  int64_t version = 0;
  ChannelStatus status = ChannelStatus::kOpen;
};

struct CheckpointInfo {
  std::string token;  // "finished" when the channel is done
  int64_t sequence_number = 0;
};

// One ReadRecords page, decoded and checksum-verified.
struct ReadRecordsResult {
  std::vector<base::RowChange> records;
  std::string next_token;  // "finished" at the end of the channel
  std::optional<bool> may_more_record;
  size_t wire_bytes = 0;  // size of the serialized response body
};

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{60'000};
  // TLS: verification is on by default. Turning it off needs `insecure_skip_verify` and
  // logs a warning. http:// endpoints (the emulator) need nothing.
  std::string ca_file;
  std::string ca_path;
  bool insecure_skip_verify = false;
  // Total retry budget per call (§4.2): ReadRecords and meta operations.
  std::chrono::milliseconds read_retry_budget{75'000};
  std::chrono::milliseconds meta_retry_budget{35'000};
  std::string user_agent = "tablestore-replicator/0.1";
  // Seams for tests; null means the real clock / a libcurl transport.
  base::Clock* clock = nullptr;
  std::shared_ptr<Transport> transport;
  // Cancels backoff sleeps between retries (the call then returns kCancelled); null: none.
  // Must outlive the client.
  const base::CancelToken* cancel = nullptr;
};

// Thread-safe: one client may serve many threads (each thread gets its own keep-alive
// connection). Errors carry the service code, message, HTTP status and request id as
// payloads (kPayload*) and map to base codes: OTSAuthFailed → kUnauthenticated,
// OTSPermissionDenied → kPermissionDenied, OTSTunnelExpired and trimmed data → kOutOfRange,
// OTSParameterInvalid → kInvalidArgument, OTSTunnelExist → kAlreadyExists,
// OTSResourceGone → kNotFound, OTSSequenceNumberNotMatch → kAborted,
// OTSTunnelServerUnavailable/5xx/resets → kUnavailable (after retries), timeouts →
// kDeadlineExceeded, undecodable pages → kDataLoss.
class TunnelClient {
 public:
  TunnelClient(std::string endpoint, std::string instance, std::string access_key_id,
               std::string access_key_secret, ClientOptions options = {});
  // STS variant.
  TunnelClient(std::string endpoint, std::string instance, std::string access_key_id,
               std::string access_key_secret, std::string security_token,
               ClientOptions options = {});
  TunnelClient(std::string endpoint, std::string instance,
               std::shared_ptr<CredentialsProvider> credentials, ClientOptions options = {});
  ~TunnelClient();
  TunnelClient(const TunnelClient&) = delete;
  TunnelClient& operator=(const TunnelClient&) = delete;

  const std::string& endpoint() const;
  const std::string& instance() const;

  // Meta operations.
  base::Result<CreateTunnelResponse> CreateTunnel(const CreateTunnelRequest& request);
  base::Result<std::vector<TunnelInfo>> ListTunnel(const std::string& table_name);
  base::Result<DescribeTunnelResponse> DescribeTunnel(const std::string& table_name,
                                                      const std::string& tunnel_name);
  base::Status DeleteTunnel(const std::string& table_name, const std::string& tunnel_name);

  // Data operations (used by the worker; public for advanced users).
  base::Result<std::string> Connect(const std::string& tunnel_id,
                                    std::chrono::seconds heartbeat_timeout,
                                    const std::string& client_tag);
  base::Result<std::vector<ChannelState>> Heartbeat(const std::string& tunnel_id,
                                                    const std::string& client_id,
                                                    const std::vector<ChannelState>& channels);
  base::Status Shutdown(const std::string& tunnel_id, const std::string& client_id);
  base::Result<CheckpointInfo> GetCheckpoint(const std::string& tunnel_id,
                                             const std::string& client_id,
                                             const std::string& channel_id);
  base::Status Checkpoint(const std::string& tunnel_id, const std::string& client_id,
                          const std::string& channel_id, const std::string& token,
                          int64_t sequence_number);
  base::Result<ReadRecordsResult> ReadRecords(const std::string& tunnel_id,
                                              const std::string& client_id,
                                              const std::string& channel_id,
                                              const std::string& token);
  // ReadRecords into `*page`, replacing its content but reusing the allocations of the
  // records it already holds (a reader that recycles its pages decodes without allocating
  // in steady state). On error `page->records` is empty. Both read calls parse into a
  // protobuf message kept per calling thread for pages up to 4 MiB (so a thread holds at
  // most that much between calls).
  base::Status ReadRecordsInto(const std::string& tunnel_id, const std::string& client_id,
                               const std::string& channel_id, const std::string& token,
                               ReadRecordsResult* page);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tablestore::tunnel
