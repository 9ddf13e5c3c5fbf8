#pragma once

// The HTTP seam (docs/style.md): one method. CurlTransport is the only file that includes
// <curl/curl.h>; tests use a scripted fake or the emulator on loopback; retry is a
// decorator over this interface.

#include <chrono>
#include <string>

#include "tablestore/base/result.h"
#include "tunnel/protocol/signing.h"

namespace tablestore::tunnel {

struct HttpRequest {
  std::string url;   // endpoint + path, e.g. "http://127.0.0.1:40123/tunnel/readrecords"
  std::string path;  // "/tunnel/readrecords" (for logs and signing)
  HeaderList headers;
  std::string body;
  std::chrono::milliseconds timeout{60'000};
};

struct HttpResponse {
  int status = 0;
  HeaderList headers;  // names as received; look up with FindHeader (case-insensitive)
  std::string body;
  // HTTP attempts that produced this response (set by RetryingTransport; 1 otherwise).
  int attempts = 1;
};

// Status payload set by transports on a failed Send when the request provably never left
// this process (connection refused, DNS failure, connect timeout, TLS handshake failure).
// The retry policy may then repeat even non-idempotent operations (retry_policy.h).
inline constexpr char kPayloadRequestNotSent[] = "request_not_sent";

// Sends one POST. Implementations are thread-safe.
// Errors: kUnavailable for connection failures and resets (message says which),
// kDeadlineExceeded for timeouts, kFailedPrecondition for TLS verification failures.
// Any HTTP status, 4xx/5xx included, is a successful Send.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual base::Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace tablestore::tunnel
