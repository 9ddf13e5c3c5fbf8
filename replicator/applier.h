#pragma once

// The only SQLite writer (docs/design.md "Data flow"). Readers hand batches through a
// bounded queue and block until their batch is committed; the applier thread groups every
// batch queued at that moment, from any channel and tunnel, into one transaction (group
// commit), then answers each submitter.
//
// Thread-safe. The Mirror is touched only under mirror_mu_ (the applier thread for writes;
// short reads such as LoadCheckpoint from reader threads).

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "storage/mirror.h"
#include "tablestore/base/result.h"
#include "tablestore/base/row.h"

namespace tablestore::replicator {

struct ApplierOptions {
  size_t queue_max_batches = 64;   // submitters block beyond this (back-pressure)
  size_t group_max_rows = 20'000;  // a group closes once it holds this many rows
  // Called on the applier thread after each commit with the keys it changed (optional).
  std::function<void(const std::vector<storage::TableChanges>&)> on_commit;
  // Issue 8: run inside every group's transaction (the change-log recorder); not owned,
  // must outlive the Applier; may be null.
  storage::GroupHook* group_hook = nullptr;
  // Called on the applier thread when the mirror cannot be written any more: at once for a
  // full disk or size quota (kResourceExhausted), or after `max_commit_failures` failed
  // commits in a row (e.g. a persistent I/O error). Retrying would only loop; the owner
  // stops the run with this status (the file stays consistent: failed groups roll back).
  std::function<void(const base::Status&)> on_fatal;
  int max_commit_failures = 10;
};

// Counters for progress and status. Read with Applier::stats().
struct ApplierStats {
  int64_t groups_committed = 0;
  int64_t batches_applied = 0;
  int64_t batches_skipped = 0;
  int64_t rows_applied = 0;
  int64_t commit_errors = 0;
  std::chrono::steady_clock::time_point last_commit{};
};

class Applier {
 public:
  Applier(std::unique_ptr<storage::Mirror> mirror, ApplierOptions options);
  ~Applier();  // Stop()s
  Applier(const Applier&) = delete;
  Applier& operator=(const Applier&) = delete;

  // Submits a batch and blocks until its group committed (or failed). Returns the batch's
  // outcome; an error means nothing of the batch was applied. kCancelled after Stop().
  base::Result<storage::BatchResult> Apply(base::Batch batch);
  // The same for a batch the caller keeps: `*batch` is read, not consumed, so its records
  // can be recycled once this returns.
  base::Result<storage::BatchResult> ApplyInPlace(base::Batch* batch);

  // Makes every commit so far durable (design.md exactly-once rule 3).
  base::Status EnsureDurable();

  // Runs `fn` with the mirror (serialized with commits). For short metadata reads/writes.
  base::Status WithMirror(const std::function<base::Status(storage::Mirror&)>& fn);

  // Commits what is queued, then stops the thread. Later Apply calls get kCancelled.
  void Stop();

  ApplierStats stats();

 private:
  // The batch stays owned by the blocked submitter (its rows are recycled or freed on the
  // reader thread, not on the writer's critical path).
  struct Pending {
    const base::Batch* batch = nullptr;
    std::promise<base::Result<storage::BatchResult>> done;
  };

  void Loop();
  void CommitGroup(std::vector<std::unique_ptr<Pending>>& group);

  const ApplierOptions options_;

  base::Mutex mirror_mu_;
  std::unique_ptr<storage::Mirror> mirror_ GUARDED_BY(mirror_mu_);

  base::Mutex mu_;
  base::CondVar work_cv_{&mu_};   // queue non-empty or stopping
  base::CondVar space_cv_{&mu_};  // queue has room
  std::deque<std::unique_ptr<Pending>> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  ApplierStats stats_ GUARDED_BY(mu_);
  int consecutive_failures_ = 0;  // applier thread only

  std::thread thread_;
};

}  // namespace tablestore::replicator
