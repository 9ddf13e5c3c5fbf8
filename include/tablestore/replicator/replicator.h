#pragma once

// The embeddable replicator: keeps SQLite tables in step with Tablestore tables through
// BaseAndStream tunnels (full load, then the stream), exactly-once. `replicator run` is a
// thin wrapper around this class.
//
//   auto config = tablestore::replicator::LoadConfig("replicator.toml");
//   auto rep = tablestore::replicator::Replicator::Create(*config);
//   (*rep)->Start();
//   (*rep)->WaitCaughtUp(std::chrono::minutes(5));
//   ... query the SQLite file with any reader (WAL: readers never block the replicator) ...
//   (*rep)->Stop();

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tablestore/base/result.h"
#include "tablestore/base/row.h"
#include "tablestore/config/replicator_config.h"
#include "tablestore/tunnel/credentials.h"
#include "tablestore/tunnel/tunnel_client.h"

namespace tablestore::replicator {

// Rows a commit changed in one mirrored table: primary-key values in key order, one entry
// per change (a key changed twice appears twice).
struct ChangedRows {
  std::string table;
  std::vector<std::vector<base::Value>> keys;
};
// Called on the applier thread right after each commit; keep it short (hand off to your
// own thread for heavy work). Must not call back into the Replicator.
using CommitListener = std::function<void(const std::vector<ChangedRows>&)>;

struct ChannelSnapshot {
  std::string channel_id;
  bool is_stream = false;
  bool finished = false;
  int64_t rows_applied = 0;
  int64_t duplicates_skipped = 0;
};

struct TableSnapshot {
  std::string table;   // mirror table
  std::string source;  // source table
  std::string tunnel_id;
  std::string stage;         // "starting", "full_load", "stream"
  int64_t rows_applied = 0;  // this run
  int base_channels_total = 0;
  int base_channels_finished = 0;
  std::vector<ChannelSnapshot> channels;
};

struct StatusSnapshot {
  bool running = false;
  std::vector<TableSnapshot> tables;
  int64_t rows_applied = 0;
  int64_t groups_committed = 0;
  int64_t duplicates_skipped = 0;
  std::optional<std::string> error;  // the fatal error, once the run failed
};

struct ReplicatorOptions {
  // Overrides the credentials of the config (e.g. a user's own provider).
  std::shared_ptr<tunnel::CredentialsProvider> credentials;
  CommitListener on_commit;
  // Advanced: client options (transport seam, timeouts) beyond the config's.
  std::optional<tunnel::ClientOptions> client_options;
};

// Exit codes of `replicator` (docs/contracts.md §2) for a failed Start()/Wait().
int ExitCodeFor(const base::Status& status);

// Loads and validates a TOML file (all checks before any network or credential use).
base::Result<config::ReplicatorConfig> LoadConfig(const std::string& path);

// Thread-safe.
class Replicator {
 public:
  static base::Result<std::unique_ptr<Replicator>> Create(config::ReplicatorConfig config,
                                                          ReplicatorOptions options = {});
  ~Replicator();  // Stop()s
  Replicator(const Replicator&) = delete;
  Replicator& operator=(const Replicator&) = delete;

  // Opens the mirror (taking its writer lock), finds or creates each table's tunnel, checks
  // the refusals that protect the mirror (kFailedPrecondition / kOutOfRange: a file bound to
  // another tunnel, a new file facing a tunnel with progress, an expired tunnel; the
  // message names the remedy), then starts replicating in the background.
  base::Status Start();

  // Stops reading, commits what is in flight, checkpoints, shuts the tunnel clients down.
  // Idempotent; blocks until done.
  void Stop();

  // Starts stopping without waiting (safe from a signal-handling thread): Wait() returns,
  // then Stop() completes the drain.
  void RequestStop();

  // Blocks until Stop() or a fatal error; returns that error (OK after Stop()).
  base::Status Wait();

  // Returns once the full load is done and every stream channel has committed everything
  // the service had for it at some moment after this call (a read sent after the call and
  // answered with no more records): writes made before the call are in the mirror.
  // kDeadlineExceeded on timeout; the fatal error if the run failed.
  base::Status WaitCaughtUp(std::chrono::milliseconds timeout);

  StatusSnapshot Status();

 private:
  class Impl;
  explicit Replicator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tablestore::replicator
