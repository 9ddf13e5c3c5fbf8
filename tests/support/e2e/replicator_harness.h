#pragma once

// Drives the `replicator` binary in end-to-end tests: writes its TOML config, runs its
// commands as child processes, and reads the mirror file the way an independent checker
// would (contracts.md §2, §3, §5). Thread-compatible.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tablestore/base/result.h"
#include "tablestore/base/row.h"
#include "tests/support/e2e/emulator_process.h"
#include "tests/support/e2e/subprocess.h"
#include "tests/support/test_paths.h"

namespace tablestore::testing {

struct MirrorTableSetup {
  std::string source;
  std::string target;  // empty: default (= source)
  std::string tunnel;  // empty: default
};

struct ReplicatorSetup {
  std::string endpoint;
  std::string instance = "e2e";
  std::vector<MirrorTableSetup> tables;
  std::string db_path;
  std::string log_level = "info";
  // [worker] keys, verbatim TOML lines (the defaults below make restarts and tests quick).
  std::string worker_toml =
      "heartbeat_interval = \"1s\"\nheartbeat_timeout = \"10s\"\ncheckpoint_interval = \"1s\"\n"
      "stream_poll_max = \"200ms\"\n";
  std::string sqlite_toml;  // extra [sqlite] lines
};

// A TOML basic string ("..." with escapes).
std::string TomlString(const std::string& s);
void WriteReplicatorConfig(const std::string& path, const ReplicatorSetup& setup);

// The replicator's runs in one test: config file, credentials environment, log files.
class ReplicatorRunner {
 public:
  ReplicatorRunner(std::string dir, std::string config_path,
                   std::map<std::string, std::string> env)
      : dir_(std::move(dir)), config_path_(std::move(config_path)), env_(std::move(env)) {}

  const std::string& config_path() const { return config_path_; }
  std::map<std::string, std::string>& env() { return env_; }

  // `replicator ARGS... --config FILE` as a child; stdout/stderr in dir/TAG.{out,err}.
  std::unique_ptr<Subprocess> Start(const std::vector<std::string>& args, const std::string& tag,
                                    std::optional<long long> file_size_limit = std::nullopt);
  std::unique_ptr<Subprocess> StartRun(const std::string& tag) { return Start({"run"}, tag); }
  // A command run to completion (killed after `timeout`).
  CommandResult Run(const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // `status --json`, parsed (null on failure, with the reason in *error).
  nlohmann::json StatusJson(std::string* error = nullptr);
  // Polls `status --json` until table `table`'s stage is "stream" (and the process lives).
  bool WaitForStage(const std::string& table, const std::string& stage, Subprocess* run,
                    std::chrono::milliseconds timeout);

  // Every log and output file this runner produced (for secret scans).
  std::vector<std::string> OutputFiles() const { return files_; }
  // Names of outputs kept by Run (stdout and stderr text of finished commands).
  const std::vector<std::string>& command_outputs() const { return command_outputs_; }

 private:
  std::vector<std::string> Argv(const std::vector<std::string>& args) const;

  std::string dir_;
  std::string config_path_;
  std::map<std::string, std::string> env_;
  std::vector<std::string> files_;
  std::vector<std::string> command_outputs_;
};

// SIGTERM, then wait (up to `timeout`) for the exit.
ExitInfo Terminate(Subprocess& p, std::chrono::milliseconds timeout = std::chrono::seconds(60));

// One consistent view of a mirror file: the checkpoints of the table's tunnel and its rows,
// read in one SQLite read transaction (VACUUM INTO a scratch copy, then read the copy).
struct MirrorSnapshot {
  bool bound = false;  // the table has a binding (else nothing else is filled)
  std::string tunnel_id;
  std::string stage;
  std::map<std::string, std::string> checkpoints;  // channel -> token (non-null only)
  std::map<std::string, std::string> kinds;        // channel -> base/stream/""
  std::vector<base::Row> rows;
  bool in_stream() const;  // any stream channel has a checkpoint
};
base::Result<MirrorSnapshot> SnapshotMirror(const std::string& db_path,
                                            const std::string& mirror_table,
                                            const std::string& scratch_path);

// The exactly-once invariant, checked from outside: the rows of a consistent snapshot equal
// exactly what the emulator says a mirror must hold at those checkpoints (rows_at).
// Returns "" when it holds, else what differs. `*snapshot` receives the snapshot.
std::string CheckCheckpointInvariant(const AdminClient& admin, const std::string& db_path,
                                     const std::string& mirror_table,
                                     const std::string& source_table,
                                     const std::string& scratch_path,
                                     MirrorSnapshot* snapshot = nullptr);

// Polls until the mirror table equals the source table exactly (values, types, versions).
// Returns "" or the last difference.
std::string WaitMirrorEqualsSource(const AdminClient& admin, const std::string& db_path,
                                   const std::string& mirror_table,
                                   const std::string& source_table,
                                   std::chrono::milliseconds timeout);

// Cheap progress probes of a mirror file (a short read-only connection; -1 / false when the
// file or its metadata does not exist yet): the sum of rows_applied over all checkpoints,
// and whether any stream channel has a checkpoint.
int64_t RowsAppliedInFile(const std::string& db_path);
bool StreamStarted(const std::string& db_path);

// Polls GET /admin/workload until initial_done.
bool WaitWorkloadInitialDone(const AdminClient& admin, std::chrono::milliseconds timeout);

// One test's world: a temp dir, an emulator process and a replicator config for `tables`
// with its mirror at dir/mirror.db. Credentials: the emulator's key in the environment.
class E2EWorld {
 public:
  // False (with ADD_FAILURE) if the emulator does not start.
  bool Start(const EmulatorProcessOptions& emulator = {},
             std::vector<MirrorTableSetup> tables = {{"orders", "", ""}});
  // Rewrites the config from `setup()` (after changing it).
  void WriteConfig();

  std::string dir() const { return dir_.path().string(); }
  std::string File(const std::string& name) const { return dir_.File(name); }
  EmulatorProcess& emulator() { return *emulator_; }
  AdminClient& admin() { return emulator_->admin(); }
  ReplicatorRunner& replicator() { return *runner_; }
  ReplicatorSetup& setup() { return setup_; }
  const std::string& db() const { return setup_.db_path; }

  // Starts the typical-row workload (contracts.md §3) on `table` and waits for its initial
  // rows.
  bool StartWorkload(const std::string& table, int initial_rows, double rate_per_s,
                     uint64_t seed, int partitions = 4);
  void StopWorkload();

  // CheckCheckpointInvariant for table `i` of the setup.
  std::string CheckInvariant(size_t i = 0, MirrorSnapshot* snapshot = nullptr);
  // WaitMirrorEqualsSource for table `i` of the setup.
  std::string WaitEqual(std::chrono::milliseconds timeout, size_t i = 0);

 private:
  TempDir dir_;
  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<ReplicatorRunner> runner_;
  ReplicatorSetup setup_;
};

}  // namespace tablestore::testing
