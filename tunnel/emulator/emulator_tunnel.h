#pragma once

// One emulated tunnel: its stages (§7.1), base snapshot, stream channels, clients, channel
// scheduling (§5.3 server obligations), checkpoints (§5.5) and tokens (§6).
// Thread-compatible: TunnelService calls it under its mutex.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tablestore/base/result.h"
#include "tunnel/emulator/encoded_record.h"
#include "tunnel/emulator/row_store.h"
#include "tunnel/emulator/service_error.h"
#include "tunnel/emulator/table.h"
#include "tunnel/protocol/tunnel.pb.h"

namespace tablestore::tunnel::emulator {

// What a tunnel needs from its surroundings on each call.
struct TunnelEnv {
  int64_t now_ms = 0;                                // emulator clock
  std::chrono::steady_clock::time_point steady_now;  // real monotonic time
  int64_t retention_ms = 0;
  size_t page_max_records = 1000;
  size_t page_max_bytes = 1 << 20;
  std::mt19937_64* rng = nullptr;  // ids
};

class EmulatedTunnel {
 public:
  enum class ChannelKind { kBase, kStream };
  enum class ChannelState { kWait, kOpen, kClosing, kClose, kTerminated };

  struct Channel {
    std::string id;
    ChannelKind kind = ChannelKind::kBase;
    int partition = 0;
    ChannelState state = ChannelState::kWait;
    int64_t version = 0;
    std::string owner;       // client holding it (OPEN / CLOSING)
    std::string last_owner;  // client that last released it
    std::string checkpoint;  // stored token
    int64_t sequence = 0;
    bool suspended = false;            // Schedule(CLOSING)
    std::vector<std::string> parents;  // stream channels that must terminate first
    int64_t start_index = 0;           // stream: first partition stream index
    int64_t start_ms = 0;              // stream: issue time of the initial token
  };

  struct Client {
    std::string id;
    std::chrono::steady_clock::time_point last_seen;
    std::chrono::seconds timeout{300};
    std::string tag;
  };

  // Validates the request's stream bounds and creates the tunnel on `table` into `*out`.
  static MaybeError Create(const pb::Tunnel& spec, std::string tunnel_id, const Table& table,
                           const TunnelEnv& env, std::unique_ptr<EmulatedTunnel>* out);
  EmulatedTunnel() = default;  // use Create()

  const std::string& id() const { return id_; }
  const std::string& name() const { return name_; }
  const std::string& table_name() const { return table_name_; }
  pb::TunnelType type() const { return type_; }
  bool expired() const { return expired_; }

  // Updates expiry, stage and evicts clients silent past their timeout. Call first.
  void Refresh(const TunnelEnv& env);

  // Protocol operations (docs/tunnel-protocol.md §3.3, §5). Each returns an error answer
  // or fills its response.
  MaybeError Connect(const pb::ConnectRequest& req, Table& table, const TunnelEnv& env,
                     pb::ConnectResponse* resp);
  MaybeError Heartbeat(const pb::HeartbeatRequest& req, const TunnelEnv& env,
                       pb::HeartbeatResponse* resp);
  MaybeError Shutdown(const pb::ShutdownRequest& req, const TunnelEnv& env);
  MaybeError GetCheckpoint(const pb::GetCheckpointRequest& req, const TunnelEnv& env,
                           pb::GetCheckpointResponse* resp);
  MaybeError Checkpoint(const pb::CheckpointRequest& req, const Table& table, const TunnelEnv& env);
  // Fills `*page` with a serialized ReadRecordsResponse. If `corrupt` is set and the page
  // has records, one byte of one record is flipped (`*corrupted` = true).
  MaybeError ReadRecords(const pb::ReadRecordsRequest& req, const Table& table,
                         const TunnelEnv& env, std::optional<uint64_t> corrupt, std::string* page,
                         bool* corrupted);
  MaybeError Schedule(const pb::ScheduleRequest& req, const TunnelEnv& env);

  void Describe(const Table* table, const std::string& instance,
                pb::DescribeTunnelResponse* resp) const;
  void FillInfo(const std::string& instance, pb::TunnelInfo* info) const;
  // JSON for GetRpo: rpo_infos and tunnel_rpo_infos (§3.3).
  void Rpo(const Table* table, std::string* rpo_infos, std::string* tunnel_rpo_infos) const;

  // The child channels of a split partition (called by TunnelService::Split).
  void OnSplit(int parent, const std::vector<int>& children, const TunnelEnv& env);

  // contracts.md §3 rows_at. kNotFound (unknown channel/token, trimmed), kAborted
  // (impossible set; mapped to `conflict`).
  base::Result<RowStore> RowsAt(const Table& table,
                                const std::map<std::string, std::string>& checkpoints,
                                const TunnelEnv& env) const;

  const std::map<std::string, Channel>& channels() const { return channels_; }

 private:
  struct Position {
    bool finished = false;
    int64_t index = 0;
    int64_t issue_ms = 0;
  };

  void TakeSnapshot(Table& table, const TunnelEnv& env);
  void UpdateStage(const TunnelEnv& env);
  bool BaseDone() const;
  bool Eligible(const Channel& ch) const;
  void ScheduleFor(const std::string& client_id);
  void Release(const std::string& client_id);
  void AddStreamChannel(int partition, std::vector<std::string> parents, int64_t start_index,
                        int64_t start_ms);

  std::string BaseToken(const Channel& ch, int64_t index) const;
  std::string StreamToken(const Channel& ch, int64_t index, int64_t issue_ms) const;
  // Parses a token issued for `ch`; ParameterInvalid otherwise.
  MaybeError ParseToken(const Channel& ch, const Table& table, const std::string& token,
                        Position* pos) const;
  bool Trimmed(const Channel& ch, const Table& table, const Position& pos,
               const TunnelEnv& env) const;
  // Index where a stream channel's data ends (sealed partition or end offset); -1: open.
  int64_t StreamEnd(const Channel& ch, const Table& table, int64_t now_ms) const;
  MaybeError FindClient(const std::string& client_id, Client** client);
  MaybeError FindChannel(const std::string& channel_id, Channel** channel);

  std::string id_;
  std::string name_;
  std::string table_name_;
  pb::TunnelType type_ = pb::BaseAndStream;
  pb::StreamTunnelConfig stream_config_;
  int64_t end_offset_ns_ = 0;  // 0: none
  int64_t create_ms_ = 0;
  bool expired_ = false;
  bool snapshot_taken_ = false;
  int64_t snapshot_ms_ = 0;
  std::string stage_;
  std::string end_marker_;  // base token primary_key after the last row
  std::map<std::string, Channel> channels_;
  // Base snapshot per base channel: the (immutable, shared) stored rows of its partition
  // as of the first Connect, in key order. Each carries its encoded base record
  // (StoredRow::base_record), so a base page is a byte copy of records and the snapshot
  // costs one pointer per row; keys for tokens are decoded from the records.
  std::map<std::string, std::vector<StoredRowPtr>> snapshot_;
  std::map<std::string, Client> clients_;
  int64_t client_counter_ = 0;
};

std::string_view ChannelStateName(EmulatedTunnel::ChannelState s);

}  // namespace tablestore::tunnel::emulator
