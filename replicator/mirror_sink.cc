#include "replicator/mirror_sink.h"

#include <spdlog/spdlog.h>

namespace tablestore::replicator {
namespace {

// Commits one channel's batches. Reader thread of that channel only.
class MirrorProcessor final : public tunnel::ChannelProcessor {
 public:
  MirrorProcessor(Applier* applier, Progress* progress, std::string mirror_table)
      : applier_(applier), progress_(progress), mirror_table_(std::move(mirror_table)) {}

  base::Status Process(const tunnel::ChannelContext& context,
                       std::vector<tunnel::Record>& records) override {
    if (!kind_recorded_) {
      // Status bookkeeping; failures here never block replication.
      base::Status s = applier_->WithMirror([&](storage::Mirror& m) {
        TS_RETURN_IF_ERROR(m.SetChannelKind(
            context.tunnel_id, context.channel_id,
            context.is_stream ? storage::ChannelKind::kStream : storage::ChannelKind::kBase));
        return m.SetTableStage(mirror_table_, context.is_stream ? "stream" : "full_load");
      });
      if (!s.ok())
        spdlog::warn("table '{}': recording channel kind: {}", mirror_table_, s.ToString());
      kind_recorded_ = true;
    }
    base::Batch batch;
    batch.tunnel_id = context.tunnel_id;
    batch.channel_id = context.channel_id;
    batch.token_in = context.token_in;
    batch.token_out = context.token_out;
    batch.changes = std::move(records);
    const int64_t rows = static_cast<int64_t>(batch.changes.size());

    base::Result<storage::BatchResult> result = applier_->ApplyInPlace(&batch);
    records = std::move(batch.changes);  // handed back for the reader to recycle
    if (!result.ok()) {
      return result.status().WithContext("table '" + mirror_table_ + "' channel '" +
                                         context.channel_id + "'");
    }
    if (result->outcome == storage::BatchOutcome::kSkippedDuplicate) {
      progress_->OnSkipped(context.tunnel_id, context.channel_id);
      spdlog::info(
          "table '{}' channel '{}': batch from a token other than the stored "
          "checkpoint skipped; the channel restarts from the checkpoint",
          mirror_table_, context.channel_id);
      return base::AbortedError("channel '" + context.channel_id +
                                "': token_in does not match the stored checkpoint");
    }
    progress_->OnCommitted(context.tunnel_id, context.channel_id, context.is_stream, rows,
                           context.caught_up, context.token_out == base::Batch::kFinishedToken,
                           context.read_at);
    return base::Status::Ok();
  }

 private:
  Applier* const applier_;
  Progress* const progress_;
  const std::string mirror_table_;
  bool kind_recorded_ = false;
};

}  // namespace

MirrorProcessorFactory::MirrorProcessorFactory(Applier* applier, Progress* progress,
                                               std::string mirror_table)
    : applier_(applier), progress_(progress), mirror_table_(std::move(mirror_table)) {}

std::unique_ptr<tunnel::ChannelProcessor> MirrorProcessorFactory::NewProcessor(
    const tunnel::ChannelContext& /*context*/) {
  return std::make_unique<MirrorProcessor>(applier_, progress_, mirror_table_);
}

base::Result<std::optional<std::string>> MirrorCheckpointStore::Load(
    const std::string& tunnel_id, const std::string& channel_id) {
  std::optional<std::string> token;
  TS_RETURN_IF_ERROR(applier_->WithMirror([&](storage::Mirror& m) -> base::Status {
    TS_ASSIGN_OR_RETURN(token, m.LoadCheckpoint(tunnel_id, channel_id));
    return base::Status::Ok();
  }));
  return token;
}

base::Status MirrorCheckpointStore::EnsureDurable() { return applier_->EnsureDurable(); }

base::Status MirrorCheckpointStore::OnClientId(const std::string& tunnel_id,
                                               const std::string& client_id) {
  return applier_->WithMirror([&](storage::Mirror& m) {
    if (client_id.empty()) return m.ClearWorkerClientId(tunnel_id);
    return m.SetWorkerClientId(tunnel_id, client_id);
  });
}

}  // namespace tablestore::replicator
