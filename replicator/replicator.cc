#include "tablestore/replicator/replicator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "base/clock.h"
#include "base/mutex.h"
#include "config/config_loader.h"
#include "replicator/applier.h"
#include "replicator/client_factory.h"
#include "replicator/mirror_sink.h"
#include "replicator/progress.h"
#include "storage/changelog.h"
#include "storage/mirror.h"
#include "tablestore/tunnel/tunnel_worker.h"

namespace tablestore::replicator {

int ExitCodeFor(const base::Status& status) {
  switch (status.code()) {
    case base::StatusCode::kOk:
    case base::StatusCode::kCancelled:
      return 0;
    case base::StatusCode::kFailedPrecondition:
    case base::StatusCode::kOutOfRange:
      return 3;
    case base::StatusCode::kUnauthenticated:
    case base::StatusCode::kPermissionDenied:
      return 4;
    default:
      return 1;
  }
}

base::Result<config::ReplicatorConfig> LoadConfig(const std::string& path) {
  return config::LoadConfigFile(path);
}

namespace {

storage::Synchronous ToStorage(config::SqliteSynchronous s) {
  switch (s) {
    case config::SqliteSynchronous::kOff: return storage::Synchronous::kOff;
    case config::SqliteSynchronous::kFull: return storage::Synchronous::kFull;
    case config::SqliteSynchronous::kNormal: break;
  }
  return storage::Synchronous::kNormal;
}

base::ValueType ToValueType(config::KeyType t) {
  switch (t) {
    case config::KeyType::kInteger: return base::ValueType::kInteger;
    case config::KeyType::kBinary: return base::ValueType::kBinary;
    case config::KeyType::kString: break;
  }
  return base::ValueType::kString;
}

storage::TableBinding BindingFor(const config::TableConfig& t, const std::string& tunnel_id) {
  storage::TableBinding b;
  b.mirror_table = t.target;
  b.source_table = t.source;
  b.tunnel_name = t.tunnel;
  b.tunnel_id = tunnel_id;
  if (t.columns) {
    b.columns.include = *t.columns;
    b.columns.fixed = true;
  } else {
    b.columns.include = t.include;
  }
  b.columns.exclude = t.exclude;
  for (const auto& [from, to] : t.rename) b.columns.rename.emplace_back(from, to);
  if (t.primary_key) {
    for (const auto& k : *t.primary_key) b.primary_key.push_back({k.name, ToValueType(k.type)});
  }
  return b;
}

std::string ResyncRemedy(const config::TableConfig& t) {
  return "to start this table over, run: replicator resync --table '" + t.target + "'";
}

}  // namespace

// One table being replicated: its tunnel and its daemon.
struct TableRun {
  config::TableConfig table;
  std::string tunnel_id;
  std::shared_ptr<MirrorProcessorFactory> factory;
  std::unique_ptr<tunnel::TunnelDaemon> daemon;
  std::thread thread;
  // Cached from DescribeTunnel by the monitor.
  std::string stage = "starting";
  int base_total = 0;
  int base_finished = 0;
};

class Replicator::Impl {
 public:
  Impl(config::ReplicatorConfig config, ReplicatorOptions options)
      : config_(std::move(config)), options_(std::move(options)) {}

  ~Impl() { Stop(); }

  base::Status Start();
  void RequestStop();
  void RequestStopLocked() REQUIRES(stop_mu_);
  void Stop();
  base::Status Wait();
  base::Status WaitCaughtUp(std::chrono::milliseconds timeout);
  StatusSnapshot Snapshot();

 private:
  base::Status PrepareTable(TableRun& run, storage::Mirror& mirror);
  void Fail(const base::Status& s);
  void MonitorLoop();
  base::Status RefreshDescribe(TableRun& run);

  config::ReplicatorConfig config_;
  ReplicatorOptions options_;

  std::unique_ptr<tunnel::TunnelClient> client_;
  // Issue 8: records the change log when [changelog] enabled; used by applier_'s commits,
  // so declared before it (outlives it).
  std::unique_ptr<storage::ChangelogRecorder> changelog_;
  std::unique_ptr<Applier> applier_;
  std::shared_ptr<MirrorCheckpointStore> store_;
  Progress progress_;
  std::vector<std::unique_ptr<TableRun>> runs_;
  std::thread monitor_;
  base::CancelToken stop_token_;

  base::Mutex stop_mu_;
  base::Mutex mu_;
  base::CondVar done_cv_{&mu_};
  bool started_ GUARDED_BY(mu_) = false;
  bool stopped_ GUARDED_BY(mu_) = false;
  int daemons_running_ GUARDED_BY(mu_) = 0;
  std::optional<base::Status> fatal_ GUARDED_BY(mu_);
  base::Mutex describe_mu_;  // guards the cached describe fields of runs_
};

base::Status Replicator::Impl::PrepareTable(TableRun& run, storage::Mirror& mirror) {
  const config::TableConfig& t = run.table;
  const std::string where = "table '" + t.target + "' (source '" + t.source + "', tunnel '" +
                            t.tunnel + "')";

  // What the file already says about this table.
  TS_ASSIGN_OR_RETURN(storage::StatusSnapshot snap, mirror.Snapshot());
  std::optional<std::string> bound_tunnel;
  for (const auto& ts : snap.tables) {
    if (ts.mirror_table == t.target && !ts.tunnel_id.empty()) bound_tunnel = ts.tunnel_id;
  }

  TS_ASSIGN_OR_RETURN(std::vector<tunnel::TunnelInfo> tunnels, client_->ListTunnel(t.source));
  std::optional<tunnel::TunnelInfo> found;
  for (const auto& info : tunnels) {
    if (info.tunnel_name == t.tunnel) found = info;
  }

  if (!found) {
    if (bound_tunnel) {
      return base::FailedPreconditionError(
          where + ": the mirror file is bound to tunnel " + *bound_tunnel +
          ", which no longer exists on the service; its remaining changes are lost. " +
          ResyncRemedy(t));
    }
    tunnel::CreateTunnelRequest req;
    req.table_name = t.source;
    req.tunnel_name = t.tunnel;
    req.type = tunnel::TunnelType::kBaseAndStream;
    TS_ASSIGN_OR_RETURN(tunnel::CreateTunnelResponse created, client_->CreateTunnel(req));
    run.tunnel_id = created.tunnel_id;
    spdlog::info("{}: created BaseAndStream tunnel {}", where, run.tunnel_id);
  } else {
    run.tunnel_id = found->tunnel_id;
    if (found->expired) {
      return base::OutOfRangeError(where + ": tunnel " + run.tunnel_id +
                                   " has expired (its base data did not finish within the "
                                   "stream retention). " + ResyncRemedy(t));
    }
    if (found->tunnel_type != "BaseAndStream") {
      return base::FailedPreconditionError(where + ": tunnel " + run.tunnel_id + " is of type " +
                                           found->tunnel_type +
                                           ", the replicator needs BaseAndStream. Use another "
                                           "tunnel name, or " + ResyncRemedy(t));
    }
    TS_ASSIGN_OR_RETURN(bool local_progress, mirror.HasTunnelProgress(run.tunnel_id));
    if (!local_progress && !bound_tunnel) {
      TS_ASSIGN_OR_RETURN(tunnel::DescribeTunnelResponse d,
                          client_->DescribeTunnel(t.source, t.tunnel));
      bool server_progress = d.tunnel.stage == "ProcessStream";
      for (const auto& c : d.channels) {
        if (c.channel_status == "TERMINATED" || c.channel_rpo_ns > 0) server_progress = true;
      }
      if (server_progress) {
        return base::FailedPreconditionError(
            where + ": the mirror file " + config_.sqlite.path +
            " holds nothing from tunnel " + run.tunnel_id +
            ", but that tunnel has already delivered data (to another file or client); "
            "starting here would leave a silent gap. " + ResyncRemedy(t));
      }
    }
    spdlog::info("{}: using existing tunnel {}", where, run.tunnel_id);
  }

  TS_RETURN_IF_ERROR(mirror.BindTable(BindingFor(t, run.tunnel_id)));

  // Release the channels of our previous client at once instead of waiting out its
  // heartbeat timeout (design.md rule 5). We hold the writer lock, so it is not alive.
  TS_ASSIGN_OR_RETURN(std::optional<std::string> old_client,
                      mirror.LoadWorkerClientId(run.tunnel_id));
  if (old_client && !old_client->empty()) {
    base::Status s = client_->Shutdown(run.tunnel_id, *old_client);
    spdlog::info("{}: released previous client {} ({})", where, *old_client,
                 s.ok() ? "ok" : s.ToString());
  }
  return base::Status::Ok();
}

base::Status Replicator::Impl::Start() {
  {
    base::MutexLock lock(&mu_);
    if (started_) return base::FailedPreconditionError("replicator already started");
    started_ = true;
  }
  storage::MirrorOptions mo;
  mo.path = config_.sqlite.path;
  mo.synchronous = ToStorage(config_.sqlite.synchronous);
  mo.busy_timeout = config_.sqlite.busy_timeout;
  TS_ASSIGN_OR_RETURN(std::unique_ptr<storage::Mirror> mirror, storage::Mirror::Open(mo));

  TS_ASSIGN_OR_RETURN(client_, MakeTunnelClient(config_, options_.credentials,
                                                options_.client_options));

  for (const auto& t : config_.tables) {
    auto run = std::make_unique<TableRun>();
    run->table = t;
    TS_RETURN_IF_ERROR(PrepareTable(*run, *mirror));
    runs_.push_back(std::move(run));
  }

  // Issue 8: change-log recording (docs/changelog.md). Started after the tables are bound
  // and before any batch is applied; every group commit then appends to the log in its
  // own transaction through the applier's hook.
  if (config_.changelog.enabled) {
    if (mo.path == ":memory:") {
      return base::InvalidArgumentError(
          "changelog.enabled needs a mirror file (sqlite.path is \":memory:\")");
    }
    storage::ChangelogOptions co;
    co.max_size = config_.changelog.max_size;
    co.max_age_ms = config_.changelog.max_age.count();
    std::vector<std::string> warnings;
    TS_ASSIGN_OR_RETURN(changelog_,
                        storage::ChangelogRecorder::Start(mo.path, co,
                                                          base::Clock::Real()->WallMillis(),
                                                          &warnings));
    for (const std::string& w : warnings) spdlog::warn("{}", w);
    spdlog::info("recording the change log (max_size {} bytes, max_age {} ms)", co.max_size,
                 co.max_age_ms);
  }

  ApplierOptions ao;
  ao.group_hook = changelog_.get();  // issue 8: null unless recording
  ao.queue_max_batches = config_.sqlite.queue_max_batches;
  ao.group_max_rows = config_.sqlite.batch_max_rows;
  if (options_.on_commit) {
    CommitListener listener = options_.on_commit;
    ao.on_commit = [listener](const std::vector<storage::TableChanges>& changes) {
      std::vector<ChangedRows> out;
      out.reserve(changes.size());
      for (const auto& c : changes) out.push_back({c.mirror_table, c.keys});
      listener(out);
    };
  }
  // A mirror that cannot be written (disk full, persistent I/O errors) ends the run with a
  // clear error instead of re-reading the same pages forever.
  ao.on_fatal = [this](const base::Status& s) { Fail(s); };
  applier_ = std::make_unique<Applier>(std::move(mirror), std::move(ao));
  store_ = std::make_shared<MirrorCheckpointStore>(applier_.get());

  for (auto& run : runs_) {
    run->factory = std::make_shared<MirrorProcessorFactory>(applier_.get(), &progress_,
                                                            run->table.target);
    tunnel::TunnelWorkerConfig wc;
    wc.processor_factory = run->factory;
    wc.checkpoint_store = store_;
    wc.heartbeat_interval = config_.worker.heartbeat_interval;
    wc.heartbeat_timeout = config_.worker.heartbeat_timeout;
    wc.checkpoint_interval = config_.worker.checkpoint_interval;
    wc.max_channel_parallel = static_cast<int>(config_.worker.max_channel_parallel);
    wc.read_ahead_pages = static_cast<int>(config_.worker.read_ahead_pages);
    wc.client_tag = config_.worker.client_tag;
    wc.stream_backoff_max = config_.worker.stream_poll_max;
    TS_RETURN_IF_ERROR(wc.Validate());
    run->daemon = std::make_unique<tunnel::TunnelDaemon>(client_.get(), run->tunnel_id, wc);
  }
  {
    base::MutexLock lock(&mu_);
    daemons_running_ = static_cast<int>(runs_.size());
  }
  for (auto& run : runs_) {
    TableRun* r = run.get();
    r->thread = std::thread([this, r] {
      base::Status s = r->daemon->Run();
      if (!s.ok()) {
        base::Status failed = s.WithContext("table '" + r->table.target + "'");
        // An expired tunnel or trimmed stream position (kOutOfRange, exit 3) names the
        // exact command of the remedy, as the refusals at start do (contracts.md §2).
        if (failed.code() == base::StatusCode::kOutOfRange) {
          failed = base::Status(failed.code(), failed.message() + ". " + ResyncRemedy(r->table));
        }
        Fail(failed);
      }
      base::MutexLock lock(&mu_);
      --daemons_running_;
      done_cv_.SignalAll();
    });
  }
  monitor_ = std::thread([this] { MonitorLoop(); });
  return base::Status::Ok();
}

void Replicator::Impl::Fail(const base::Status& s) {
  spdlog::error("{}", s.ToString());
  {
    base::MutexLock lock(&mu_);
    if (!fatal_) fatal_ = s;
    done_cv_.SignalAll();
  }
  // A fatal error stops every table: the run ends and reports it.
  for (auto& run : runs_) {
    if (run->daemon) run->daemon->Stop();
  }
}

void Replicator::Impl::RequestStop() {
  base::MutexLock stop_lock(&stop_mu_);
  RequestStopLocked();
}

void Replicator::Impl::RequestStopLocked() {
  {
    base::MutexLock lock(&mu_);
    stopped_ = true;
    done_cv_.SignalAll();
  }
  stop_token_.Cancel();
  for (auto& run : runs_) {
    if (run->daemon) run->daemon->Stop();
  }
}

void Replicator::Impl::Stop() {
  // Serialized: a second caller returns only once the first has finished.
  base::MutexLock stop_lock(&stop_mu_);
  RequestStopLocked();
  for (auto& run : runs_) {
    if (run->thread.joinable()) run->thread.join();
  }
  if (monitor_.joinable()) monitor_.join();
  if (applier_) applier_->Stop();
}

base::Status Replicator::Impl::Wait() {
  base::MutexLock lock(&mu_);
  while (!fatal_ && !stopped_ && daemons_running_ > 0) done_cv_.Wait();
  if (fatal_) return *fatal_;
  return base::Status::Ok();
}

base::Status Replicator::Impl::RefreshDescribe(TableRun& run) {
  TS_ASSIGN_OR_RETURN(tunnel::DescribeTunnelResponse d,
                      client_->DescribeTunnel(run.table.source, run.table.tunnel));
  int total = 0, finished = 0;
  for (const auto& c : d.channels) {
    if (c.channel_type == "BaseData") {
      ++total;
      if (c.channel_status == "TERMINATED") ++finished;
    }
  }
  base::MutexLock lock(&describe_mu_);
  run.stage = d.tunnel.stage == "ProcessStream" ? "stream" : "full_load";
  run.base_total = total;
  run.base_finished = finished;
  return base::Status::Ok();
}

void Replicator::Impl::MonitorLoop() {
  while (!stop_token_.cancelled()) {
    for (auto& run : runs_) {
      base::Status s = RefreshDescribe(*run);
      if (!s.ok()) spdlog::debug("describe tunnel {}: {}", run->tunnel_id, s.ToString());
    }
    base::Clock::Real()->SleepFor(std::chrono::seconds(2), &stop_token_);
  }
}

base::Status Replicator::Impl::WaitCaughtUp(std::chrono::milliseconds timeout) {
  const auto since = std::chrono::steady_clock::now();
  const auto deadline = since + timeout;
  for (;;) {
    {
      base::MutexLock lock(&mu_);
      if (fatal_) return *fatal_;
      if (stopped_) return base::CancelledError("replicator stopped");
    }
    bool all = true;
    for (auto& run : runs_) {
      auto d = client_->DescribeTunnel(run->table.source, run->table.tunnel);
      if (!d.ok()) {
        all = false;
        break;
      }
      if (d->tunnel.stage != "ProcessStream") {
        all = false;
        break;
      }
      for (const auto& c : d->channels) {
        if (c.channel_type != "Stream" || c.channel_status == "TERMINATED") continue;
        if (!progress_.CaughtUpSince(run->tunnel_id, c.channel_id, since)) {
          all = false;
          break;
        }
      }
      if (!all) break;
    }
    if (all) return base::Status::Ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      return base::DeadlineExceededError("not caught up within " +
                                         std::to_string(timeout.count()) + " ms");
    }
    base::Clock::Real()->SleepFor(std::chrono::milliseconds(50), &stop_token_);
  }
}

StatusSnapshot Replicator::Impl::Snapshot() {
  StatusSnapshot out;
  {
    base::MutexLock lock(&mu_);
    out.running = started_ && !stopped_ && !fatal_;
    if (fatal_) out.error = fatal_->ToString();
  }
  if (applier_) {
    ApplierStats st = applier_->stats();
    out.rows_applied = st.rows_applied;
    out.groups_committed = st.groups_committed;
    out.duplicates_skipped = st.batches_skipped;
  }
  for (auto& run : runs_) {
    TableSnapshot t;
    t.table = run->table.target;
    t.source = run->table.source;
    t.tunnel_id = run->tunnel_id;
    {
      base::MutexLock lock(&describe_mu_);
      t.stage = run->stage;
      t.base_channels_total = run->base_total;
      t.base_channels_finished = run->base_finished;
    }
    for (const auto& c : progress_.Channels(run->tunnel_id)) {
      t.channels.push_back({c.channel_id, c.is_stream, c.finished, c.rows_applied,
                            c.duplicates_skipped});
      t.rows_applied += c.rows_applied;
    }
    out.tables.push_back(std::move(t));
  }
  return out;
}

base::Result<std::unique_ptr<Replicator>> Replicator::Create(config::ReplicatorConfig config,
                                                             ReplicatorOptions options) {
  if (config.tables.empty()) return base::InvalidArgumentError("config has no [[tables]]");
  return std::unique_ptr<Replicator>(
      new Replicator(std::make_unique<Impl>(std::move(config), std::move(options))));
}

Replicator::Replicator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Replicator::~Replicator() = default;
base::Status Replicator::Start() { return impl_->Start(); }
void Replicator::Stop() { impl_->Stop(); }
void Replicator::RequestStop() { impl_->RequestStop(); }
base::Status Replicator::Wait() { return impl_->Wait(); }
base::Status Replicator::WaitCaughtUp(std::chrono::milliseconds timeout) {
  return impl_->WaitCaughtUp(timeout);
}
StatusSnapshot Replicator::Status() { return impl_->Snapshot(); }

}  // namespace tablestore::replicator
