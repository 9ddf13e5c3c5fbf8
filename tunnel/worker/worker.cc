#include "tunnel/worker/worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "tunnel/protocol/token.h"

namespace tablestore::tunnel {

namespace {

std::chrono::seconds TimeoutSeconds(std::chrono::milliseconds timeout) {
  auto s = std::chrono::ceil<std::chrono::seconds>(timeout);
  return std::max(s, std::chrono::seconds(1));
}

}  // namespace

bool IsFatalServiceCode(base::StatusCode code) {
  switch (code) {
    case base::StatusCode::kOutOfRange:
    case base::StatusCode::kUnauthenticated:
    case base::StatusCode::kPermissionDenied:
    case base::StatusCode::kInvalidArgument:
    case base::StatusCode::kFailedPrecondition:
      return true;
    default:
      return false;
  }
}

Worker::Worker(TunnelDataApi* api, std::string tunnel_id, const TunnelWorkerConfig& config)
    : api_(api),
      tunnel_id_(std::move(tunnel_id)),
      config_(config),
      clock_(config.clock != nullptr ? config.clock : base::Clock::Real()),
      semaphore_(config.max_channel_parallel),
      wake_(std::make_shared<base::CancelToken>()) {}

Worker::~Worker() {
  Stop();
  StopReaders(ChannelReader::StopMode::kDrop);
}

std::string Worker::client_id() {
  base::MutexLock lock(&mu_);
  return client_id_;
}

int Worker::heartbeats_sent() {
  base::MutexLock lock(&mu_);
  return heartbeats_;
}

void Worker::Stop() {
  base::MutexLock lock(&mu_);
  stop_requested_ = true;
  Wake();
}

void Worker::Wake() { wake_->Cancel(); }

void Worker::End(WorkerOutcome outcome) {
  if (!end_.has_value()) end_ = std::move(outcome);
  Wake();
}

WorkerOutcome Worker::Run() {
  CheckpointStore* store = config_.checkpoint_store.get();
  base::Result<std::string> connected =
      api_->Connect(tunnel_id_, TimeoutSeconds(config_.heartbeat_timeout), config_.client_tag);
  if (!connected.ok()) {
    base::Status s = connected.status().WithContext("tunnel '" + tunnel_id_ + "': Connect");
    return {s, IsFatalServiceCode(s.code()), false};
  }
  const std::string client_id = *connected;
  {
    base::MutexLock lock(&mu_);
    client_id_ = client_id;
  }
  spdlog::info("tunnel {}: connected as client {}", tunnel_id_, client_id);
  if (store != nullptr) {
    // Design rule 5: recorded before the first heartbeat, so a restart can Shutdown it.
    base::Status s = store->OnClientId(tunnel_id_, client_id);
    if (!s.ok()) {
      api_->Shutdown(tunnel_id_, client_id).IgnoreError();
      return {s.WithContext("tunnel '" + tunnel_id_ + "': checkpoint store: OnClientId"), true,
              false};
    }
  }

  auto last_ok = clock_->Now();
  bool last_heartbeat_ok = false;
  while (true) {
    std::vector<ChannelState> report;
    {
      base::MutexLock lock(&mu_);
      if (stop_requested_ || end_.has_value()) break;
      report = channels_.Snapshot();
    }
    const auto sent_at = clock_->Now();
    if (sent_at - last_ok >= config_.heartbeat_timeout) {
      // Client-side heartbeat timeout (§5.2): the service has freed our channels.
      base::MutexLock lock(&mu_);
      End({base::DeadlineExceededError(
               "tunnel '" + tunnel_id_ + "': no successful heartbeat for " +
               std::to_string(config_.heartbeat_timeout.count()) + " ms"),
           false, false});
      break;
    }
    base::Result<std::vector<ChannelState>> answer =
        api_->Heartbeat(tunnel_id_, client_id, report);
    std::chrono::milliseconds next_in = config_.heartbeat_interval;
    {
      base::MutexLock lock(&mu_);
      ++heartbeats_;
      if (answer.ok()) {
        last_ok = sent_at;
        last_heartbeat_ok = true;
        early_since_.reset();
        if (!stop_requested_ && !end_.has_value()) Execute(channels_.ApplyHeartbeat(*answer));
      } else {
        last_heartbeat_ok = false;
        const base::Status s = answer.status().WithContext("tunnel '" + tunnel_id_ +
                                                           "': Heartbeat");
        if (s.code() == base::StatusCode::kNotFound) {
          End({s, false, false});  // OTSResourceGone: our client id is dead; reconnect
        } else if (IsFatalServiceCode(s.code())) {
          End({s, true, false});
        } else {
          spdlog::warn("{} (retrying)", s.ToString());
          next_in = std::min(next_in, std::chrono::milliseconds(1'000));
        }
      }
    }
    Reap();
    // Sleep until the next heartbeat, an early one, the heartbeat timeout or a wake-up.
    while (true) {
      std::shared_ptr<base::CancelToken> wake;
      base::Clock::SteadyTime deadline = sent_at + next_in;
      bool reap = false;
      {
        base::MutexLock lock(&mu_);
        if (stop_requested_ || end_.has_value()) break;
        reap = std::exchange(reap_needed_, false);
        if (early_since_.has_value()) {
          deadline = std::min(deadline, std::max(*early_since_, sent_at) +
                                            config_.early_heartbeat_debounce);
        }
        wake_ = std::make_shared<base::CancelToken>();
        wake = wake_;
      }
      if (reap) {
        Reap();  // a reader ended: join it, maybe start the one waiting for it
        continue;
      }
      deadline = std::min(deadline, last_ok + config_.heartbeat_timeout);
      if (clock_->Now() >= deadline) break;
      if (clock_->SleepUntil(deadline, wake.get())) break;
    }
  }

  // Shutdown sequence.
  WorkerOutcome outcome;
  bool clean = false;
  {
    base::MutexLock lock(&mu_);
    if (end_.has_value()) {
      outcome = *end_;
    } else {
      outcome = {base::Status::Ok(), false, true};
      clean = true;
    }
  }
  const bool client_gone = !clean && !outcome.fatal;  // resource gone / heartbeat timeout
  StopReaders(client_gone ? ChannelReader::StopMode::kDrop
                          : ChannelReader::StopMode::kGraceful);
  if (clean && last_heartbeat_ok) {
    std::vector<ChannelState> final_report;
    {
      base::MutexLock lock(&mu_);
      final_report = channels_.Snapshot();
    }
    // Best effort: tells the service which channels finished or closed.
    base::Result<std::vector<ChannelState>> ignored =
        api_->Heartbeat(tunnel_id_, client_id, final_report);
    if (!ignored.ok()) spdlog::debug("final heartbeat: {}", ignored.status().ToString());
  }
  if (outcome.status.code() != base::StatusCode::kNotFound) {
    base::Status shut = api_->Shutdown(tunnel_id_, client_id);
    if (shut.ok()) {
      if (store != nullptr) {
        base::Status cleared = store->OnClientId(tunnel_id_, "");
        if (!cleared.ok()) {
          spdlog::warn("tunnel {}: clearing the recorded client id: {}", tunnel_id_,
                       cleared.ToString());
        }
      }
    } else if (clean) {
      spdlog::warn("tunnel {}: Shutdown: {}", tunnel_id_, shut.ToString());
    }
  }
  spdlog::info("tunnel {}: client {} ended: {}", tunnel_id_, client_id,
               clean ? std::string("stopped") : outcome.status.ToString());
  return outcome;
}

void Worker::StopReaders(ChannelReader::StopMode mode) {
  std::vector<ChannelReader*> live;
  {
    base::MutexLock lock(&mu_);
    channels_.StopAll();
    pending_starts_.clear();
    for (ReaderSlot& slot : readers_) {
      slot.reader->RequestStop(mode);
      live.push_back(slot.reader.get());
    }
  }
  // Outside the lock: a reader's last act (OnReaderDone) takes it.
  for (ChannelReader* reader : live) reader->Join();
  std::vector<ReaderSlot> finished;
  {
    base::MutexLock lock(&mu_);
    finished.swap(readers_);
  }
}

void Worker::Execute(const std::vector<ChannelAction>& actions) {
  for (const ChannelAction& a : actions) {
    switch (a.kind) {
      case ChannelAction::Kind::kStart:
        spdlog::info("tunnel {}: channel {} OPEN", tunnel_id_, a.channel_id);
        if (HasLiveReader(a.channel_id)) {
          pending_starts_[a.channel_id] = a.generation;  // after the old reader ends
        } else {
          StartReader(a.channel_id, a.generation);
        }
        break;
      case ChannelAction::Kind::kStop:
        spdlog::info("tunnel {}: channel {} CLOSING", tunnel_id_, a.channel_id);
        if (ChannelReader* r = FindLive(a.channel_id, a.generation)) {
          r->RequestStop(ChannelReader::StopMode::kGraceful);
        }
        break;
      case ChannelAction::Kind::kDrop:
        spdlog::info("tunnel {}: channel {} taken away", tunnel_id_, a.channel_id);
        if (ChannelReader* r = FindLive(a.channel_id, a.generation)) {
          r->RequestStop(ChannelReader::StopMode::kDrop);
        }
        if (auto it = pending_starts_.find(a.channel_id);
            it != pending_starts_.end() && it->second == a.generation) {
          pending_starts_.erase(it);
        }
        break;
    }
  }
}

bool Worker::HasLiveReader(const std::string& channel_id) {
  for (const ReaderSlot& slot : readers_) {
    if (!slot.done && slot.reader->channel_id() == channel_id) return true;
  }
  return false;
}

ChannelReader* Worker::FindLive(const std::string& channel_id, uint64_t generation) {
  for (ReaderSlot& slot : readers_) {
    if (!slot.done && slot.reader->channel_id() == channel_id &&
        slot.reader->generation() == generation) {
      return slot.reader.get();
    }
  }
  return nullptr;
}

void Worker::StartReader(const std::string& channel_id, uint64_t generation) {
  ChannelReaderOptions o;
  o.tunnel_id = tunnel_id_;
  o.client_id = client_id_;
  o.channel_id = channel_id;
  o.generation = generation;
  o.read_ahead_pages = config_.read_ahead_pages;
  o.max_page_failures = config_.max_page_failures;
  o.checkpoint_interval = config_.checkpoint_interval;
  o.stream_backoff_initial = config_.stream_backoff_initial;
  o.stream_backoff_multiplier = config_.stream_backoff_multiplier;
  o.stream_backoff_max = config_.stream_backoff_max;
  o.page_retry_initial = config_.page_retry_initial;
  o.page_retry_max = config_.page_retry_max;
  auto reader = std::make_unique<ChannelReader>(
      std::move(o), api_, config_.checkpoint_store.get(), config_.processor_factory.get(),
      config_.max_channel_parallel > 0 ? &semaphore_ : nullptr, clock_,
      [this](const ChannelReader& r, const ChannelReader::Outcome& outcome) {
        OnReaderDone(r, outcome);
      });
  reader->Start();
  readers_.push_back({std::move(reader), false});
}

void Worker::OnReaderDone(const ChannelReader& reader, const ChannelReader::Outcome& outcome) {
  base::MutexLock lock(&mu_);
  for (ReaderSlot& slot : readers_) {
    if (slot.reader.get() == &reader) slot.done = true;
  }
  bool reported = false;
  switch (outcome.end) {
    case ChannelReader::End::kTerminated:
      spdlog::info("tunnel {}: channel {} finished", tunnel_id_, reader.channel_id());
      reported = channels_.Report(reader.channel_id(), reader.generation(),
                                  ChannelStatus::kTerminated);
      break;
    case ChannelReader::End::kClosed:
      reported =
          channels_.Report(reader.channel_id(), reader.generation(), ChannelStatus::kClose);
      break;
    case ChannelReader::End::kDropped:
      channels_.ReaderGone(reader.channel_id(), reader.generation());
      break;
    case ChannelReader::End::kFatal:
      channels_.ReaderGone(reader.channel_id(), reader.generation());
      End({outcome.status, true, false});
      break;
    case ChannelReader::End::kClientGone:
      channels_.ReaderGone(reader.channel_id(), reader.generation());
      End({outcome.status, false, false});
      break;
  }
  if (reported && !early_since_.has_value()) early_since_ = clock_->Now();
  reap_needed_ = true;
  Wake();
}

void Worker::Reap() {
  std::vector<ReaderSlot> finished;
  {
    base::MutexLock lock(&mu_);
    auto it = std::stable_partition(readers_.begin(), readers_.end(),
                                    [](const ReaderSlot& s) { return !s.done; });
    std::move(it, readers_.end(), std::back_inserter(finished));
    readers_.erase(it, readers_.end());
  }
  for (ReaderSlot& slot : finished) slot.reader->Join();
  finished.clear();
  base::MutexLock lock(&mu_);
  if (stop_requested_ || end_.has_value()) return;
  for (auto it = pending_starts_.begin(); it != pending_starts_.end();) {
    if (!channels_.IsCurrent(it->first, it->second)) {
      it = pending_starts_.erase(it);
    } else if (!HasLiveReader(it->first)) {
      StartReader(it->first, it->second);
      it = pending_starts_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace tablestore::tunnel
