#include "tunnel/client/retry_policy.h"

#include <algorithm>

#include "tunnel/client/response_parser.h"
#include "tunnel/protocol/service_errors.h"

namespace tablestore::tunnel {

namespace {

// The service says it did not serve the request; safe to repeat for every class.
bool IsTransientServiceCode(const std::string& code) {
  return code == errors::kTunnelServerUnavailable || code == "OTSServerUnavailable" ||
         code == "OTSServerBusy" || code == "OTSPartitionUnavailable" ||
         code == "OTSTableNotReady";
}

// Transient, but the request may have been (partly) served.
bool IsAmbiguousServiceCode(const std::string& code) {
  return code == "OTSInternalServerError" || code == "OTSTimeout";
}

}  // namespace

RetryClass RetryClassForPath(std::string_view path) {
  if (path == kPathReadRecords || path == kPathGetCheckpoint || path == kPathListTunnel ||
      path == kPathDescribeTunnel) {
    return RetryClass::kIdempotent;
  }
  if (path == kPathHeartbeat || path == kPathCheckpoint || path == kPathShutdown) {
    return RetryClass::kRetryBeforeResponse;
  }
  return RetryClass::kNotIdempotent;
}

bool IsRetryable(RetryClass cls, const base::Result<HttpResponse>& outcome) {
  if (!outcome.ok()) {
    const base::Status& s = outcome.status();
    const std::string* not_sent = s.GetPayload(kPayloadRequestNotSent);
    bool never_left = not_sent != nullptr && *not_sent == "1";
    switch (s.code()) {
      case base::StatusCode::kUnavailable:
        return never_left || cls != RetryClass::kNotIdempotent;
      case base::StatusCode::kDeadlineExceeded:
        return never_left || cls == RetryClass::kIdempotent;
      default:
        return false;  // TLS, bad URL, credentials, oversized body, cancellation
    }
  }
  const HttpResponse& r = outcome.value();
  if (r.status >= 200 && r.status < 300) return false;
  ServiceError e = ParseServiceError(r);
  if (IsTrimmedDataAccess(e)) return false;  // data loss, never transient
  if (!e.code.empty()) {
    if (IsTransientServiceCode(e.code)) return true;
    if (IsAmbiguousServiceCode(e.code)) return cls != RetryClass::kNotIdempotent;
    return false;
  }
  // Raw body (§4.4): 5xx is transient (Go maps it to OTSTunnelServerUnavailable).
  return r.status >= 500 && r.status < 600 && cls != RetryClass::kNotIdempotent;
}

BackoffConfig BackoffForPath(std::string_view path, const ClientOptions& options) {
  BackoffConfig c;
  if (path == kPathReadRecords) {
    c.initial = std::chrono::milliseconds(16);
    c.max = std::chrono::milliseconds(3'000);
    c.budget = options.read_retry_budget;
  } else {
    c.initial = std::chrono::milliseconds(100);
    c.max = std::chrono::milliseconds(2'000);
    c.budget = options.meta_retry_budget;
  }
  return c;
}

Backoff::Backoff(BackoffConfig config, uint64_t seed)
    : config_(config),
      current_(std::max(std::chrono::milliseconds(1), config.initial)),
      rng_(seed != 0 ? seed : std::random_device{}()) {}

std::chrono::milliseconds Backoff::Next() {
  std::chrono::milliseconds base = std::min(current_, config_.max);
  std::uniform_real_distribution<double> jitter(0.67, 1.33);
  auto delay = std::chrono::milliseconds(
      static_cast<int64_t>(static_cast<double>(base.count()) * jitter(rng_)));
  if (current_ < config_.max) current_ = std::min(current_ * 2, config_.max);
  return std::max(delay, std::chrono::milliseconds(1));
}

}  // namespace tablestore::tunnel
