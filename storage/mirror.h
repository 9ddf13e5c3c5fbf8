#pragma once

// The SQLite mirror: mirrored tables plus the replicator's metadata in one file, written
// by one process (docs/storage.md). Exactly-once: every group of batches commits together
// with the checkpoints it advances (design.md "Exactly-once rules").
//
// Thread rule: thread-compatible; the single applier thread owns it (no internal locking).
// Errors: SQLite failures map as in storage/sqlite_util.h (disk full → kResourceExhausted);
// a failed call leaves the file consistent (the transaction is rolled back) and the Mirror
// usable: the same call can be retried.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/group_result.h"
#include "storage/mirror_options.h"
#include "storage/status_snapshot.h"
#include "storage/table_binding.h"
#include "tablestore/base/result.h"
#include "tablestore/base/row.h"
#include "tablestore/base/status.h"

namespace tablestore::storage {

enum class ChannelKind { kBase, kStream };

struct ChannelCheckpoint {
  std::string channel_id;
  std::string token;
  bool finished = false;
};

class Mirror {
 public:
  // Opens (creating if needed) the file for writing: takes the writer lock "<path>.lock"
  // (kFailedPrecondition naming the lock if another process holds it), checks the metadata
  // (kFailedPrecondition, file untouched, if newer than this binary or damaged), switches to
  // WAL, applies pending migrations and starts a new run (for status drift).
  static base::Result<std::unique_ptr<Mirror>> Open(const MirrorOptions& options);

  ~Mirror();
  Mirror(const Mirror&) = delete;
  Mirror& operator=(const Mirror&) = delete;

  const std::string& path() const;

  // Records (or confirms) that `binding.mirror_table` is fed by `binding.tunnel_id`.
  // kFailedPrecondition when the table is bound to another tunnel or source table, when the
  // tunnel feeds another table, when a fixed primary key differs from the table's, or when
  // a table of that name exists but is not managed by the replicator; the message names the
  // remedy (`replicator resync --table X`). kInvalidArgument for bad names.
  base::Status BindTable(const TableBinding& binding);

  // Applies many batches (of any channels and bound tunnels) in ONE transaction. Per batch:
  // applied only if its token_in equals the stored checkpoint of (tunnel_id, channel_id), or
  // the channel has none; then the checkpoint becomes token_out. A mismatching batch is
  // skipped and counted (BatchOutcome::kSkippedDuplicate), never an error. Any error rolls
  // the whole group back (nothing of it stays) and names the batch (index, tunnel, channel,
  // token_in) and why. Batches of one channel are applied in the given order.
  base::Result<GroupResult> ApplyGroup(std::span<const base::Batch> batches,
                                       const ApplyOptions& options = {});
  base::Result<GroupResult> ApplyGroup(std::span<const base::Batch* const> batches,
                                       const ApplyOptions& options = {});

  // Makes every commit so far durable (a synchronous=FULL commit: one WAL fsync). Call
  // before telling the service about progress (design.md exactly-once rule 3).
  base::Status EnsureDurable();

  // The stored checkpoint of a channel (nullopt: none).
  base::Result<std::optional<std::string>> LoadCheckpoint(std::string_view tunnel_id,
                                                          std::string_view channel_id);
  // Every stored checkpoint of a tunnel.
  base::Result<std::vector<ChannelCheckpoint>> LoadCheckpoints(std::string_view tunnel_id);
  // True if the file holds any checkpoint for the tunnel (so a new file facing a tunnel
  // with server progress can be refused by the caller, and vice versa).
  base::Result<bool> HasTunnelProgress(std::string_view tunnel_id);

  // Drops the mirrored table, its binding, registry, checkpoints and worker id (resync).
  // kNotFound if neither the table nor a binding exists; kFailedPrecondition for a table the
  // replicator does not manage.
  base::Status DropTable(std::string_view mirror_table);

  // Status bookkeeping (each its own small commit).
  base::Status SetTableStage(std::string_view mirror_table, std::string_view stage);
  base::Status SetChannelKind(std::string_view tunnel_id, std::string_view channel_id,
                              ChannelKind kind);
  base::Status SetServerSequence(std::string_view tunnel_id, std::string_view channel_id,
                                 int64_t sequence_number);

  // The worker's tunnel client id (design.md rule 5). Set commits durably.
  base::Status SetWorkerClientId(std::string_view tunnel_id, std::string_view client_id);
  base::Status ClearWorkerClientId(std::string_view tunnel_id);
  base::Result<std::optional<std::string>> LoadWorkerClientId(std::string_view tunnel_id);

  // The status snapshot through the writer connection.
  base::Result<StatusSnapshot> Snapshot();

  // PRAGMA max_page_count (a size quota; writes past it fail with kResourceExhausted).
  // Returns the limit in force (SQLite never sets it below the current size).
  base::Result<int64_t> SetMaxPageCount(int64_t pages);

 private:
  struct Impl;
  explicit Mirror(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tablestore::storage
