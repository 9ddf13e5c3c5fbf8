#pragma once

// Request logging as a Transport decorator (docs/style.md "Secrets").

#include <memory>
#include <string_view>

#include "tunnel/client/transport.h"

namespace tablestore::tunnel {

// Logs every Send at spdlog debug level: path, body size, the allow-listed request headers
// (kLoggedHeaders: never x-ots-signature, x-ots-ststoken or the access key id), then the
// status or error, response size, request id and latency. Formats nothing unless debug
// logging is on. Thread-safe if `inner` is.
class LoggingTransport final : public Transport {
 public:
  explicit LoggingTransport(std::shared_ptr<Transport> inner);

  base::Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  const std::shared_ptr<Transport> inner_;
};

// The request headers that may appear in logs (lower case).
inline constexpr std::string_view kLoggedHeaders[] = {
    "x-ots-date", "x-ots-apiversion", "x-ots-instancename", "x-ots-trace-id",
    "x-ots-contentmd5", "user-agent", "content-type"};

}  // namespace tablestore::tunnel
