#pragma once

// An in-memory Tunnel Service behind the TunnelDataApi seam, for worker unit tests (no
// HTTP). Channels hold numbered records; tokens are "<channel>@<index>" (base tokens) or, for
// stream channels, real stream tokens (tunnel/protocol/token.h) so that IsStreamToken
// works. The server side of §5.3 is simplified: a heartbeat accepts reports with a higher
// version, then assigns every free, unfinished channel to the caller. Thread-safe.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "tunnel/worker/tunnel_data_api.h"

namespace tablestore::tunnel::testing {

class FakeTunnelService final : public TunnelDataApi {
 public:
  struct Call {
    std::string op;
    std::string channel_id;
    std::string token;
    int64_t sequence_number = 0;
  };
  // Returns a non-OK status to inject it into that call instead of answering.
  using Fault = std::function<base::Status(const Call&)>;

  // A finite (base) channel with `records` records, or an endless stream channel.
  void AddChannel(const std::string& id, int records, bool stream = false);
  // Appends records to a stream channel.
  void Append(const std::string& id, int records);
  void set_page_size(int n);
  void set_fault(Fault fault);
  // Asks the owner of `id` to give it up (CLOSING) at its next heartbeat.
  void Revoke(const std::string& id);

  std::string TokenAt(const std::string& id, int index);
  std::vector<Call> calls();
  int count(const std::string& op);
  CheckpointInfo server_checkpoint(const std::string& id);
  ChannelStatus status(const std::string& id);
  std::string owner(const std::string& id);
  // CLOSE reports accepted for `id`.
  int closes(const std::string& id);

  base::Result<std::string> Connect(const std::string& tunnel_id, std::chrono::seconds timeout,
                                    const std::string& tag) override;
  base::Result<std::vector<ChannelState>> Heartbeat(
      const std::string& tunnel_id, const std::string& client_id,
      const std::vector<ChannelState>& channels) override;
  base::Status Shutdown(const std::string& tunnel_id, const std::string& client_id) override;
  base::Result<CheckpointInfo> GetCheckpoint(const std::string& tunnel_id,
                                             const std::string& client_id,
                                             const std::string& channel_id) override;
  base::Status Checkpoint(const std::string& tunnel_id, const std::string& client_id,
                          const std::string& channel_id, const std::string& token,
                          int64_t sequence_number) override;
  base::Result<ReadRecordsResult> ReadRecords(const std::string& tunnel_id,
                                              const std::string& client_id,
                                              const std::string& channel_id,
                                              const std::string& token) override;
  // Notes the capacity of the record vector it is given (page recycling), then reads.
  base::Status ReadRecordsInto(const std::string& tunnel_id, const std::string& client_id,
                               const std::string& channel_id, const std::string& token,
                               ReadRecordsResult* page) override;
  std::vector<size_t> read_into_capacities();

 private:
  struct Channel {
    int records = 0;
    bool stream = false;
    int64_t version = 0;
    ChannelStatus status = ChannelStatus::kWait;
    std::string owner;
    CheckpointInfo checkpoint;
    bool revoke = false;
    int closes = 0;
  };
  base::Status Inject(const Call& call) REQUIRES(mu_);
  std::vector<size_t> read_into_capacities_ GUARDED_BY(mu_);
  std::optional<int> IndexOf(const Channel& c, const std::string& id, const std::string& token)
      REQUIRES(mu_);
  std::string TokenLocked(const Channel& c, const std::string& id, int index) REQUIRES(mu_);

  base::Mutex mu_;
  std::map<std::string, Channel> channels_ GUARDED_BY(mu_);
  std::vector<Call> calls_ GUARDED_BY(mu_);
  Fault fault_ GUARDED_BY(mu_);
  int page_size_ GUARDED_BY(mu_) = 3;
  int next_client_ GUARDED_BY(mu_) = 1;
  std::vector<std::string> live_clients_ GUARDED_BY(mu_);
};

}  // namespace tablestore::tunnel::testing
