#pragma once

// Retry as a Transport decorator (docs/style.md "Seams"); the decisions live in
// retry_policy.h.

#include <memory>

#include "base/clock.h"
#include "tablestore/tunnel/tunnel_client.h"
#include "tunnel/client/transport.h"

namespace tablestore::tunnel {

// Repeats a Send through `inner` while retry_policy.h allows it, sleeping the backoff delay
// through `clock` (a FakeClock in tests: no real sleeps). The inner transport is called
// afresh for every attempt, so a signing layer below re-signs each attempt with current
// credentials and a new trace id.
//
// Returns the last response (HttpResponse::attempts says how many were made; its status
// may be non-2xx: mapping it is the caller's job), or the last transport error with
// "(gave up after N attempts in T ms)" appended. kCancelled if `cancel` fires during a
// backoff sleep. Thread-safe if `inner` is. `clock` and `cancel` (may be null) must outlive
// this object.
class RetryingTransport final : public Transport {
 public:
  RetryingTransport(std::shared_ptr<Transport> inner, base::Clock* clock,
                    ClientOptions budgets, const base::CancelToken* cancel = nullptr,
                    uint64_t seed = 0);

  base::Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  const std::shared_ptr<Transport> inner_;
  base::Clock* const clock_;
  const ClientOptions budgets_;  // only the budgets are used
  const base::CancelToken* const cancel_;
  const uint64_t seed_;
};

}  // namespace tablestore::tunnel
