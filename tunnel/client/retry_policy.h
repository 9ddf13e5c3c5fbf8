#pragma once

// The one place that decides whether an HTTP attempt is repeated (docs/tunnel-protocol.md
// §4, docs/style.md "Retry"), and how long to wait before it. docs/client.md has the table.
//
// Operations fall in three classes:
//  * kIdempotent (ReadRecords, GetCheckpoint, ListTunnel, DescribeTunnel): repeated on every
//    transient outcome: transient service codes (OTSTunnelServerUnavailable, ...), raw 5xx
//    bodies, resets, receive errors and timeouts.
//  * kRetryBeforeResponse (Heartbeat, Checkpoint, Shutdown): repeating is harmless (a
//    heartbeat restates the client's table; a duplicated checkpoint at worst answers
//    OTSSequenceNumberNotMatch, which the worker already handles), but an attempt whose
//    request was sent and is still being served must not race a second one. So: transient
//    service codes, raw 5xx and connection failures/resets are repeated; timeouts after the
//    request left are not.
//  * kNotIdempotent (CreateTunnel, DeleteTunnel, Connect): a repeat after an ambiguous
//    failure could create a second tunnel or client, or report a confusing error for a
//    delete that did happen. Repeated only when the request provably never left
//    (kPayloadRequestNotSent: refused connection, DNS, connect timeout, TLS handshake) or
//    the service answered with an explicit transient code (it did not serve the request).
// Never repeated: the trimmed-data form of OTSTunnelServerUnavailable (fatal, §4.1), any
// other 4xx, TLS verification failures, malformed 2xx bodies (kDataLoss, decided above this
// layer) and credential failures.
//
// Backoff (official Go SDK, §4.2): exponential, multiplier 2, each delay drawn uniformly
// from [0.67·d, 1.33·d]; ReadRecords 16 ms first / 3 s max, other operations 100 ms / 2 s;
// no new attempt once elapsed time plus the next delay would exceed the operation's budget
// (ClientOptions::read_retry_budget / meta_retry_budget).

#include <chrono>
#include <cstdint>
#include <random>
#include <string_view>

#include "tablestore/base/result.h"
#include "tablestore/tunnel/tunnel_client.h"
#include "tunnel/client/transport.h"

namespace tablestore::tunnel {

enum class RetryClass { kIdempotent, kRetryBeforeResponse, kNotIdempotent };

// By operation path; unknown paths are kNotIdempotent.
RetryClass RetryClassForPath(std::string_view path);

// True if `outcome` (a Send result) may be repeated for an operation of class `cls`.
bool IsRetryable(RetryClass cls, const base::Result<HttpResponse>& outcome);

struct BackoffConfig {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{2'000};
  std::chrono::milliseconds budget{35'000};
};

// ReadRecords: 16 ms / 3 s / read_retry_budget; others: 100 ms / 2 s / meta_retry_budget.
BackoffConfig BackoffForPath(std::string_view path, const ClientOptions& options);

// The delays of one call. Thread-compatible (one per call).
class Backoff {
 public:
  // `seed` 0 picks a random seed.
  explicit Backoff(BackoffConfig config, uint64_t seed = 0);

  // The delay before the next attempt: base = min(initial·2^n, max), jittered ±33%.
  std::chrono::milliseconds Next();

  const BackoffConfig& config() const { return config_; }

 private:
  BackoffConfig config_;
  std::chrono::milliseconds current_;
  std::mt19937_64 rng_;
};

}  // namespace tablestore::tunnel
