#include "tunnel/client/retrying_transport.h"

#include <spdlog/spdlog.h>

#include <optional>
#include <utility>

#include "tunnel/client/retry_policy.h"

namespace tablestore::tunnel {

namespace {

std::string OutcomeSummary(const base::Result<HttpResponse>& outcome) {
  if (!outcome.ok()) return outcome.status().ToString();
  return "HTTP " + std::to_string(outcome->status);
}

int64_t Millis(base::Clock::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// `s` with "(gave up after N attempts in T ms)" appended, payloads kept.
base::Status WithAttempts(const base::Status& s, int attempts, base::Clock::Duration elapsed) {
  base::Status out(s.code(), s.message() + " (gave up after " + std::to_string(attempts) +
                                 " attempts in " + std::to_string(Millis(elapsed)) + " ms)");
  if (const std::string* p = s.GetPayload(kPayloadRequestNotSent)) {
    out.SetPayload(kPayloadRequestNotSent, *p);
  }
  return out;
}

}  // namespace

RetryingTransport::RetryingTransport(std::shared_ptr<Transport> inner, base::Clock* clock,
                                     ClientOptions budgets, const base::CancelToken* cancel,
                                     uint64_t seed)
    : inner_(std::move(inner)),
      clock_(clock != nullptr ? clock : base::Clock::Real()),
      budgets_([&budgets] {
        budgets.transport.reset();  // keep only the numbers
        budgets.clock = nullptr;
        return std::move(budgets);
      }()),
      cancel_(cancel),
      seed_(seed) {}

base::Result<HttpResponse> RetryingTransport::Send(const HttpRequest& request) {
  const RetryClass cls = RetryClassForPath(request.path);
  const BackoffConfig config = BackoffForPath(request.path, budgets_);
  const base::Clock::SteadyTime start = clock_->Now();
  std::optional<Backoff> backoff;  // created on the first retry only
  int attempts = 0;
  while (true) {
    ++attempts;
    base::Result<HttpResponse> outcome = inner_->Send(request);
    if (!IsRetryable(cls, outcome)) {
      if (outcome.ok()) {
        outcome->attempts = attempts;
        return outcome;
      }
      if (attempts == 1) return outcome;
      return WithAttempts(outcome.status(), attempts, clock_->Now() - start);
    }
    if (!backoff) backoff.emplace(config, seed_);
    std::chrono::milliseconds delay = backoff->Next();
    base::Clock::Duration elapsed = clock_->Now() - start;
    if (elapsed + delay > config.budget) {
      spdlog::debug("{}: giving up after {} attempts in {} ms (budget {} ms): {}", request.path,
                    attempts, Millis(elapsed), config.budget.count(), OutcomeSummary(outcome));
      if (outcome.ok()) {
        outcome->attempts = attempts;
        return outcome;
      }
      return WithAttempts(outcome.status(), attempts, elapsed);
    }
    spdlog::debug("{}: attempt {} failed ({}); retrying in {} ms", request.path, attempts,
                  OutcomeSummary(outcome), delay.count());
    if (!clock_->SleepFor(delay, cancel_)) {
      return base::CancelledError(request.path + ": cancelled while waiting to retry after " +
                                  OutcomeSummary(outcome));
    }
  }
}

}  // namespace tablestore::tunnel
