#pragma once

// The data operations a worker needs (tunnel-protocol.md §5), as an interface so that the
// worker's logic can be tested with an in-memory fake. ClientDataApi forwards to a
// TunnelClient. Implementations are thread-safe. Error codes are those of TunnelClient.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tablestore/base/result.h"
#include "tablestore/tunnel/tunnel_client.h"

namespace tablestore::tunnel {

class TunnelDataApi {
 public:
  virtual ~TunnelDataApi() = default;
  virtual base::Result<std::string> Connect(const std::string& tunnel_id,
                                            std::chrono::seconds heartbeat_timeout,
                                            const std::string& client_tag) = 0;
  virtual base::Result<std::vector<ChannelState>> Heartbeat(
      const std::string& tunnel_id, const std::string& client_id,
      const std::vector<ChannelState>& channels) = 0;
  virtual base::Status Shutdown(const std::string& tunnel_id, const std::string& client_id) = 0;
  virtual base::Result<CheckpointInfo> GetCheckpoint(const std::string& tunnel_id,
                                                     const std::string& client_id,
                                                     const std::string& channel_id) = 0;
  virtual base::Status Checkpoint(const std::string& tunnel_id, const std::string& client_id,
                                  const std::string& channel_id, const std::string& token,
                                  int64_t sequence_number) = 0;
  virtual base::Result<ReadRecordsResult> ReadRecords(const std::string& tunnel_id,
                                                      const std::string& client_id,
                                                      const std::string& channel_id,
                                                      const std::string& token) = 0;
  // ReadRecords into `*page`, reusing the allocations of the records it holds (see
  // TunnelClient::ReadRecordsInto). The default forwards to ReadRecords.
  virtual base::Status ReadRecordsInto(const std::string& tunnel_id, const std::string& client_id,
                                       const std::string& channel_id, const std::string& token,
                                       ReadRecordsResult* page) {
    base::Result<ReadRecordsResult> read = ReadRecords(tunnel_id, client_id, channel_id, token);
    if (!read.ok()) {
      page->records.clear();
      return read.status();
    }
    *page = std::move(read).value();
    return base::Status::Ok();
  }
};

// Forwards every call to `client`, which must outlive this object. Thread-safe.
class ClientDataApi final : public TunnelDataApi {
 public:
  explicit ClientDataApi(TunnelClient* client) : client_(client) {}

  base::Result<std::string> Connect(const std::string& tunnel_id,
                                    std::chrono::seconds heartbeat_timeout,
                                    const std::string& client_tag) override {
    return client_->Connect(tunnel_id, heartbeat_timeout, client_tag);
  }
  base::Result<std::vector<ChannelState>> Heartbeat(
      const std::string& tunnel_id, const std::string& client_id,
      const std::vector<ChannelState>& channels) override {
    return client_->Heartbeat(tunnel_id, client_id, channels);
  }
  base::Status Shutdown(const std::string& tunnel_id, const std::string& client_id) override {
    return client_->Shutdown(tunnel_id, client_id);
  }
  base::Result<CheckpointInfo> GetCheckpoint(const std::string& tunnel_id,
                                             const std::string& client_id,
                                             const std::string& channel_id) override {
    return client_->GetCheckpoint(tunnel_id, client_id, channel_id);
  }
  base::Status Checkpoint(const std::string& tunnel_id, const std::string& client_id,
                          const std::string& channel_id, const std::string& token,
                          int64_t sequence_number) override {
    return client_->Checkpoint(tunnel_id, client_id, channel_id, token, sequence_number);
  }
  base::Result<ReadRecordsResult> ReadRecords(const std::string& tunnel_id,
                                              const std::string& client_id,
                                              const std::string& channel_id,
                                              const std::string& token) override {
    return client_->ReadRecords(tunnel_id, client_id, channel_id, token);
  }
  base::Status ReadRecordsInto(const std::string& tunnel_id, const std::string& client_id,
                               const std::string& channel_id, const std::string& token,
                               ReadRecordsResult* page) override {
    return client_->ReadRecordsInto(tunnel_id, client_id, channel_id, token, page);
  }

 private:
  TunnelClient* const client_;
};

}  // namespace tablestore::tunnel
