#pragma once

// Signing as a Transport decorator (docs/tunnel-protocol.md §2).

#include <memory>
#include <string>

#include "base/clock.h"
#include "tablestore/tunnel/credentials.h"
#include "tunnel/client/transport.h"

namespace tablestore::tunnel {

// Adds the signed x-ots-* headers to every Send: credentials fetched from `credentials` for
// each attempt (so rotated STS keys apply to the next attempt, §2.5), x-ots-date from
// `clock`'s wall time, API version 2018-04-01, and a fresh random UUID v4 x-ots-trace-id.
// Errors from the provider are returned as they are (never retried), prefixed
// "credentials: "; an empty key id or secret is kUnauthenticated. Thread-safe if `inner` and
// the provider are. `clock` must outlive this object.
class SigningTransport final : public Transport {
 public:
  SigningTransport(std::shared_ptr<Transport> inner,
                   std::shared_ptr<CredentialsProvider> credentials, std::string instance,
                   base::Clock* clock);

  base::Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  const std::shared_ptr<Transport> inner_;
  const std::shared_ptr<CredentialsProvider> credentials_;
  const std::string instance_;
  base::Clock* const clock_;
};

// A random UUID v4 ("7b1e2a04-5c3d-4f6e-8a9b-0c1d2e3f4a5b"). Thread-safe.
std::string NewTraceId();

}  // namespace tablestore::tunnel
