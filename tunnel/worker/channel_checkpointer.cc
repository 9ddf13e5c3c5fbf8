#include "tunnel/worker/channel_checkpointer.h"

#include <utility>

namespace tablestore::tunnel {

ChannelCheckpointer::ChannelCheckpointer(TunnelDataApi* api, CheckpointStore* store,
                                         base::Clock* clock, std::chrono::milliseconds interval,
                                         std::string tunnel_id, std::string client_id,
                                         std::string channel_id)
    : api_(api),
      store_(store),
      clock_(clock),
      interval_(interval),
      tunnel_id_(std::move(tunnel_id)),
      client_id_(std::move(client_id)),
      channel_id_(std::move(channel_id)) {}

void ChannelCheckpointer::Start(const CheckpointInfo& server) {
  next_seq_ = server.sequence_number + 1;
  sent_ = server.token;
  pending_.clear();
  last_attempt_ = clock_->Now();
}

base::Status ChannelCheckpointer::Offer(const std::string& token) {
  pending_ = token;
  if (!has_pending()) return base::Status::Ok();
  if (clock_->Now() - last_attempt_ < interval_) return base::Status::Ok();
  return Flush();
}

base::Status ChannelCheckpointer::Flush() {
  if (!has_pending()) return base::Status::Ok();
  last_attempt_ = clock_->Now();
  if (store_ != nullptr) {
    base::Status durable = store_->EnsureDurable();
    if (!durable.ok()) return durable.WithContext("checkpoint store: EnsureDurable");
  }
  base::Status s;
  for (int attempt = 0; attempt <= kMaxSequenceRecoveries; ++attempt) {
    s = api_->Checkpoint(tunnel_id_, client_id_, channel_id_, pending_, next_seq_);
    if (s.ok()) {
      ++next_seq_;
      ++sent_count_;
      sent_ = pending_;
      return s;
    }
    if (s.code() != base::StatusCode::kAborted) break;
    // OTSSequenceNumberNotMatch (§5.5): re-read the stored number and retry.
    base::Result<CheckpointInfo> now = api_->GetCheckpoint(tunnel_id_, client_id_, channel_id_);
    if (!now.ok()) return now.status().WithContext("GetCheckpoint after sequence mismatch");
    next_seq_ = now->sequence_number + 1;
  }
  return s.WithContext("Checkpoint token '" + pending_ + "'");
}

}  // namespace tablestore::tunnel
