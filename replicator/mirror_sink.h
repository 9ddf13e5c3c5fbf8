#pragma once

// The replicator's side of the public tunnel API: a ChannelProcessorFactory whose
// processors commit each batch through the Applier (blocking until it is committed), and a
// CheckpointStore that keeps checkpoints in the mirror (design.md exactly-once rules 1-5).
// Thread-safe.

#include <memory>
#include <string>

#include "replicator/applier.h"
#include "replicator/progress.h"
#include "tablestore/tunnel/tunnel_worker.h"

namespace tablestore::replicator {

// `applier` and `progress` must outlive the factory and every processor it made.
class MirrorProcessorFactory final : public tunnel::ChannelProcessorFactory {
 public:
  MirrorProcessorFactory(Applier* applier, Progress* progress, std::string mirror_table);
  std::unique_ptr<tunnel::ChannelProcessor> NewProcessor(
      const tunnel::ChannelContext& context) override;

 private:
  Applier* const applier_;
  Progress* const progress_;
  const std::string mirror_table_;
};

// `applier` must outlive the store.
class MirrorCheckpointStore final : public tunnel::CheckpointStore {
 public:
  explicit MirrorCheckpointStore(Applier* applier) : applier_(applier) {}

  base::Result<std::optional<std::string>> Load(const std::string& tunnel_id,
                                                const std::string& channel_id) override;
  base::Status EnsureDurable() override;
  base::Status OnClientId(const std::string& tunnel_id, const std::string& client_id) override;

 private:
  Applier* const applier_;
};

}  // namespace tablestore::replicator
