#include "tunnel/worker/channel_reader.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "tunnel/protocol/token.h"

namespace tablestore::tunnel {

namespace {

bool IsFatalCode(base::StatusCode code) {
  switch (code) {
    case base::StatusCode::kOutOfRange:
    case base::StatusCode::kUnauthenticated:
    case base::StatusCode::kPermissionDenied:
      return true;
    default:
      return false;
  }
}

}  // namespace

const char* ChannelReader::EndName(End end) {
  switch (end) {
    case End::kTerminated:
      return "terminated";
    case End::kClosed:
      return "closed";
    case End::kDropped:
      return "dropped";
    case End::kFatal:
      return "fatal";
    case End::kClientGone:
      return "client gone";
  }
  return "?";
}

ChannelReader::ChannelReader(ChannelReaderOptions options, TunnelDataApi* api,
                             CheckpointStore* store, ChannelProcessorFactory* factory,
                             FairSemaphore* semaphore, base::Clock* clock, DoneCallback done)
    : options_(std::move(options)),
      api_(api),
      store_(store),
      factory_(factory),
      semaphore_(semaphore),
      clock_(clock),
      done_(std::move(done)),
      checkpointer_(api, store, clock, options_.checkpoint_interval, options_.tunnel_id,
                    options_.client_id, options_.channel_id),
      stream_backoff_(options_.stream_backoff_initial, options_.stream_backoff_multiplier,
                      options_.stream_backoff_max),
      retry_backoff_(options_.page_retry_initial, 2.0, options_.page_retry_max) {}

ChannelReader::~ChannelReader() {
  RequestStop(StopMode::kDrop);
  Join();
}

void ChannelReader::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ChannelReader::RequestStop(StopMode mode) {
  {
    base::MutexLock lock(&mu_);
    if (mode == StopMode::kDrop) drop_ = true;
  }
  cancel_.Cancel();
  if (semaphore_ != nullptr) semaphore_->WakeAll();
  // A fetcher woken by the cancellation closes the read-ahead queue, which wakes the
  // processing loop; a Process call in progress is never interrupted.
}

void ChannelReader::Join() {
  if (thread_.joinable()) thread_.join();
}

ChannelReader::StopMode ChannelReader::stop_mode() {
  base::MutexLock lock(&mu_);
  return drop_ ? StopMode::kDrop : StopMode::kGraceful;
}

void ChannelReader::Run() {
  ChannelContext context;
  context.tunnel_id = options_.tunnel_id;
  context.client_id = options_.client_id;
  context.channel_id = options_.channel_id;
  Outcome outcome = ReadChannel(context);
  if (outcome.end == End::kFatal || (outcome.end == End::kClosed && !outcome.status.ok())) {
    spdlog::warn("tunnel {} channel {}: reader {}: {}", options_.tunnel_id, options_.channel_id,
                 EndName(outcome.end), outcome.status.ToString());
  } else {
    spdlog::debug("tunnel {} channel {}: reader {} after {} pages", options_.tunnel_id,
                  options_.channel_id, EndName(outcome.end), pages_processed_.load());
  }
  done_(*this, outcome);
}

ChannelReader::Outcome ChannelReader::Classify(const base::Status& status, const char* operation) {
  base::Status s =
      status.WithContext(std::string("channel '") + options_.channel_id + "': " + operation);
  if (status.code() == base::StatusCode::kNotFound) return {End::kClientGone, s};
  if (IsFatalCode(status.code())) return {End::kFatal, s};
  if (status.code() == base::StatusCode::kCancelled || stopping()) return {End::kClosed, {}};
  return {End::kClosed, s};
}

ChannelReader::Outcome ChannelReader::FinishChannel(bool server_finished) {
  // Design rule 3: what the service is told is never ahead of what is durable. The
  // checkpointer calls EnsureDurable before its Checkpoint.
  if (!server_finished) {
    base::Status s = checkpointer_.Offer(std::string(kFinishedToken));
    if (s.ok()) s = checkpointer_.Flush();
    if (!s.ok()) {
      if (s.message().find("checkpoint store") != std::string::npos) {
        return {End::kFatal, s.WithContext("channel '" + options_.channel_id + "'")};
      }
      return Classify(s, "final Checkpoint");  // CLOSE: re-checked on the next assignment
    }
  } else if (store_ != nullptr) {
    base::Status durable = store_->EnsureDurable();
    if (!durable.ok()) {
      return {End::kFatal, durable.WithContext("channel '" + options_.channel_id +
                                               "': checkpoint store: EnsureDurable")};
    }
  }
  return {End::kTerminated, {}};
}

ChannelReader::Outcome ChannelReader::ReadChannel(ChannelContext& context) {
  base::Result<CheckpointInfo> server =
      api_->GetCheckpoint(options_.tunnel_id, options_.client_id, options_.channel_id);
  if (!server.ok()) return Classify(server.status(), "GetCheckpoint");
  checkpointer_.Start(*server);
  std::string start = server->token;
  if (store_ != nullptr) {
    base::Result<std::optional<std::string>> local =
        store_->Load(options_.tunnel_id, options_.channel_id);
    if (!local.ok()) {
      return {End::kFatal, local.status().WithContext("channel '" + options_.channel_id +
                                                      "': checkpoint store: Load")};
    }
    if (local->has_value()) start = **local;
  }
  if (start == kFinishedToken) return FinishChannel(server->token == kFinishedToken);
  if (stopping()) return {End::kClosed, {}};

  std::unique_ptr<ChannelProcessor> processor = factory_->NewProcessor(context);
  if (processor == nullptr) {
    return {End::kFatal, base::InternalError("channel '" + options_.channel_id +
                                             "': the processor factory returned null")};
  }
  fetch_token_ = start;
  if (options_.read_ahead_pages > 0) {
    queue_ = std::make_unique<BoundedQueue<Fetched>>(options_.read_ahead_pages);
    fetcher_ = std::thread([this] { FetchLoop(); });
  }

  Outcome outcome{End::kClosed, {}};
  bool ended = false;
  int64_t batch = 0;
  while (!ended && !stopping()) {
    std::optional<Fetched> fetched = queue_ ? queue_->Pop() : FetchNext();
    if (!fetched.has_value() || stopping()) break;  // stopped: abandon, no checkpoint
    if (!fetched->page.ok()) {
      outcome = Classify(fetched->page.status(), "ReadRecords");
      // The fetcher delivers kDataLoss only after max_page_failures re-reads (rule 8).
      if (fetched->page.status().code() == base::StatusCode::kDataLoss) outcome.end = End::kFatal;
      ended = true;
      break;
    }
    ReadRecordsResult& page = *fetched->page;
    context.token_in = fetched->token_in;
    context.token_out = page.next_token;
    context.trace_id = options_.client_id + "/" + options_.channel_id + "/" +
                       std::to_string(options_.generation) + "." + std::to_string(++batch);
    context.caught_up = !IsFullPage(page);
    context.read_at = fetched->read_at;
    context.is_stream = fetched->is_stream;
    base::Status processed = processor->Process(context, page.records);
    fetched->permit.Release();
    RecycleRecords(std::move(page.records), page.wire_bytes);
    if (!processed.ok()) {
      // Never skipped: the channel is re-read from the last checkpoint.
      outcome = {End::kClosed,
                 processed.WithContext("channel '" + options_.channel_id + "': Process token '" +
                                       context.token_in + "'")};
      ended = true;
      break;
    }
    ++pages_processed_;
    if (page.next_token == kFinishedToken) {
      StopFetcher();
      outcome = FinishChannel(/*server_finished=*/false);
      ended = true;
      break;
    }
    base::Status cp = checkpointer_.Offer(page.next_token);
    if (!cp.ok()) {
      Outcome o = Classify(cp, "Checkpoint");
      bool from_store = cp.message().find("checkpoint store") != std::string::npos;
      if (o.end == End::kFatal || o.end == End::kClientGone || from_store) {
        if (from_store) o.end = End::kFatal;
        outcome = o;
        ended = true;
        break;
      }
      // Transient: the token stays pending and is retried after the interval.
      spdlog::warn("tunnel {} channel {}: {}", options_.tunnel_id, options_.channel_id,
                   o.status.ToString());
    }
  }
  StopFetcher();
  context.token_in = context.token_out;
  processor->Shutdown(context);

  bool drop = stop_mode() == StopMode::kDrop && stopping();
  if (drop || outcome.end == End::kClientGone || outcome.end == End::kTerminated) {
    return drop && outcome.end != End::kFatal ? Outcome{End::kDropped, {}} : outcome;
  }
  // Stopped, closed after an error, or fatal: the processed position goes to the service.
  base::Status flushed = checkpointer_.Flush();
  if (!flushed.ok()) {
    spdlog::warn("tunnel {} channel {}: final checkpoint failed: {}", options_.tunnel_id,
                 options_.channel_id, flushed.ToString());
    if (flushed.code() == base::StatusCode::kNotFound && outcome.end == End::kClosed) {
      outcome.end = End::kClientGone;
    }
  }
  return outcome;
}

void ChannelReader::StopFetcher() {
  if (queue_) queue_->Close();
  if (fetcher_.joinable()) {
    // The fetcher may be sleeping or waiting for a slot: interrupt it.
    cancel_.Cancel();
    if (semaphore_ != nullptr) semaphore_->WakeAll();
    fetcher_.join();
  }
}

void ChannelReader::FetchLoop() {
  while (true) {
    std::optional<Fetched> fetched = FetchNext();
    if (!fetched.has_value()) {
      queue_->Close();  // stopped: wake the processing loop
      break;
    }
    bool last = !fetched->page.ok() || fetched->page->next_token == kFinishedToken;
    if (!queue_->Push(std::move(*fetched))) break;
    if (last) break;
  }
}

std::vector<Record> ChannelReader::TakeSpareRecords() {
  base::MutexLock lock(&spare_mu_);
  if (spare_records_.empty()) return {};
  std::vector<Record> records = std::move(spare_records_.back());
  spare_records_.pop_back();
  return records;
}

void ChannelReader::RecycleRecords(std::vector<Record> records, size_t wire_bytes) {
  // A processor that moved the records away leaves nothing worth keeping.
  if (records.capacity() == 0 || wire_bytes > kMaxRecycledPageBytes) return;
  base::MutexLock lock(&spare_mu_);
  // One spare is enough: each fetch takes the vector of the page processed just before
  // (the fetcher waits for queue room, which the processing loop makes before it
  // processes, then recycles), and an idle channel keeps no more than one page of rows.
  if (!spare_records_.empty()) return;
  spare_records_.push_back(std::move(records));
}

std::optional<ChannelReader::Fetched> ChannelReader::FetchNext() {
  if (fetch_done_) return std::nullopt;
  int failures = 0;
  while (true) {
    if (sleep_before_next_.count() > 0) {
      if (!clock_->SleepUntil(clock_->Now() + sleep_before_next_, &cancel_)) return std::nullopt;
      sleep_before_next_ = std::chrono::milliseconds(0);
    }
    if (stopping()) return std::nullopt;
    FairSemaphore::Permit permit;
    if (semaphore_ != nullptr) {
      permit = semaphore_->Acquire(&cancel_);
      if (stopping()) return std::nullopt;
    }
    const std::string token_in = fetch_token_;
    ReadRecordsResult into;
    into.records = TakeSpareRecords();
    const base::Clock::SteadyTime read_at = clock_->Now();
    base::Status read = api_->ReadRecordsInto(options_.tunnel_id, options_.client_id,
                                              options_.channel_id, token_in, &into);
    base::Result<ReadRecordsResult> page = read.ok()
                                               ? base::Result<ReadRecordsResult>(std::move(into))
                                               : base::Result<ReadRecordsResult>(std::move(read));
    if (!page.ok() && page.status().code() == base::StatusCode::kDataLoss) {
      // Design rule 8: never applied, re-read from the same token with backoff.
      ++failures;
      spdlog::warn("tunnel {} channel {}: page at token '{}' failed ({} of {}): {}",
                   options_.tunnel_id, options_.channel_id, token_in, failures,
                   options_.max_page_failures, page.status().ToString());
      if (failures >= options_.max_page_failures) {
        fetch_done_ = true;
        base::Status fatal(base::StatusCode::kDataLoss,
                           "token '" + token_in + "': page failed " + std::to_string(failures) +
                               " times in a row, last: " + page.status().message());
        return Fetched{token_in, fatal, false, std::move(permit), read_at};
      }
      sleep_before_next_ = retry_backoff_.Next();
      continue;
    }
    if (!page.ok()) {
      fetch_done_ = true;
      return Fetched{token_in, std::move(page), false, std::move(permit), read_at};
    }
    retry_backoff_.Reset();
    const bool is_stream = IsStreamToken(token_in);
    if (page->next_token.empty() || page->next_token == kFinishedToken) {
      page->next_token = std::string(kFinishedToken);  // Java: missing = finished (§5.4)
      fetch_done_ = true;
    } else {
      fetch_token_ = page->next_token;
      // §5.7, improved: a full page reads again at once; a non-empty one polls again after
      // the initial delay; only empty pages grow the delay (idle: at most one read per max).
      if (!is_stream || IsFullPage(*page)) {
        stream_backoff_.Reset();
      } else if (!page->records.empty()) {
        stream_backoff_.Reset();
        sleep_before_next_ = stream_backoff_.Next();
      } else {
        sleep_before_next_ = stream_backoff_.Next();
      }
    }
    return Fetched{token_in, std::move(page), is_stream, std::move(permit), read_at};
  }
}

}  // namespace tablestore::tunnel
