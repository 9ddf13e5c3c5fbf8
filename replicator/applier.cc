#include "replicator/applier.h"

#include <spdlog/spdlog.h>

namespace tablestore::replicator {

Applier::Applier(std::unique_ptr<storage::Mirror> mirror, ApplierOptions options)
    : options_(std::move(options)), mirror_(std::move(mirror)) {
  thread_ = std::thread([this] { Loop(); });
}

Applier::~Applier() { Stop(); }

base::Result<storage::BatchResult> Applier::Apply(base::Batch batch) {
  return ApplyInPlace(&batch);
}

base::Result<storage::BatchResult> Applier::ApplyInPlace(base::Batch* batch) {
  auto pending = std::make_unique<Pending>();
  pending->batch = batch;
  std::future<base::Result<storage::BatchResult>> done = pending->done.get_future();
  {
    base::MutexLock lock(&mu_);
    while (!stopping_ && queue_.size() >= options_.queue_max_batches) space_cv_.Wait();
    if (stopping_) return base::CancelledError("applier stopped");
    queue_.push_back(std::move(pending));
    work_cv_.Signal();
  }
  return done.get();
}

base::Status Applier::EnsureDurable() {
  base::MutexLock lock(&mirror_mu_);
  if (!mirror_) return base::CancelledError("applier stopped");
  return mirror_->EnsureDurable();
}

base::Status Applier::WithMirror(const std::function<base::Status(storage::Mirror&)>& fn) {
  base::MutexLock lock(&mirror_mu_);
  if (!mirror_) return base::CancelledError("applier stopped");
  return fn(*mirror_);
}

void Applier::Stop() {
  {
    base::MutexLock lock(&mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    work_cv_.SignalAll();
    space_cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

ApplierStats Applier::stats() {
  base::MutexLock lock(&mu_);
  return stats_;
}

void Applier::Loop() {
  for (;;) {
    std::vector<std::unique_ptr<Pending>> group;
    {
      base::MutexLock lock(&mu_);
      while (queue_.empty() && !stopping_) work_cv_.Wait();
      if (queue_.empty() && stopping_) return;
      // Everything queued right now forms one group (bounded by rows). While it commits,
      // the next group gathers: no artificial delay, natural batching under load.
      size_t rows = 0;
      while (!queue_.empty() && (group.empty() || rows < options_.group_max_rows)) {
        rows += queue_.front()->batch->changes.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      space_cv_.SignalAll();
    }
    CommitGroup(group);
  }
}

void Applier::CommitGroup(std::vector<std::unique_ptr<Pending>>& group) {
  std::vector<const base::Batch*> batches;
  batches.reserve(group.size());
  for (const auto& p : group) batches.push_back(p->batch);

  storage::ApplyOptions apply_options;
  apply_options.collect_changed_keys = static_cast<bool>(options_.on_commit);
  apply_options.hook = options_.group_hook;  // issue 8: change log, same transaction
  base::Result<storage::GroupResult> result = [&]() -> base::Result<storage::GroupResult> {
    base::MutexLock lock(&mirror_mu_);
    if (!mirror_) return base::CancelledError("applier stopped");
    return mirror_->ApplyGroup(std::span<const base::Batch* const>(batches.data(), batches.size()),
                               apply_options);
  }();

  if (!result.ok()) {
    spdlog::error("commit of {} batch(es) failed: {}", group.size(), result.status().ToString());
    {
      base::MutexLock lock(&mu_);
      ++stats_.commit_errors;
    }
    for (auto& p : group) p->done.set_value(result.status());
    ++consecutive_failures_;
    if (options_.on_fatal) {
      if (result.status().code() == base::StatusCode::kResourceExhausted) {
        options_.on_fatal(result.status().WithContext(
            "the mirror file is full (no disk space or size quota reached); free space and "
            "run again: the file is consistent and resumes from its checkpoints"));
      } else if (consecutive_failures_ >= options_.max_commit_failures) {
        options_.on_fatal(result.status().WithContext(
            "the mirror file cannot be written (" + std::to_string(consecutive_failures_) +
            " commits failed in a row); fix the cause and run again: the file is consistent "
            "and resumes from its checkpoints"));
      }
    }
    return;
  }
  consecutive_failures_ = 0;
  for (const std::string& w : result->warnings) spdlog::warn("{}", w);
  {
    base::MutexLock lock(&mu_);
    ++stats_.groups_committed;
    stats_.batches_applied += static_cast<int64_t>(result->applied);
    stats_.batches_skipped += static_cast<int64_t>(result->skipped);
    stats_.rows_applied += static_cast<int64_t>(result->rows_applied);
    stats_.last_commit = std::chrono::steady_clock::now();
  }
  if (options_.on_commit && !result->changed.empty()) options_.on_commit(result->changed);
  for (size_t i = 0; i < group.size(); ++i) {
    group[i]->done.set_value(result->batches[i]);
  }
}

}  // namespace tablestore::replicator
