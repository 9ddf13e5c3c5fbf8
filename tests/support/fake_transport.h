#pragma once

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "tunnel/client/transport.h"

namespace tablestore::testing {

// A scripted tunnel::Transport (docs/style.md "fault switches"): answers each Send with the
// next queued outcome, or, when the queue is empty, with the handler; records every request
// as it arrived (signed headers included). With neither, Send returns kInternal
// "FakeTransport: nothing scripted". Thread-safe.
class FakeTransport final : public tunnel::Transport {
 public:
  using Outcome = base::Result<tunnel::HttpResponse>;
  using Handler = std::function<Outcome(const tunnel::HttpRequest&)>;

  // A response with the given status and body and an x-ots-requestid header
  // ("req-<n>", n counting from 1 per FakeTransport) unless `headers` has one.
  static tunnel::HttpResponse Response(int status, std::string body,
                                       tunnel::HeaderList headers = {});

  void Push(Outcome outcome);
  void PushResponse(int status, std::string body, tunnel::HeaderList headers = {});
  void PushError(base::Status status);
  void SetHandler(Handler handler);

  base::Result<tunnel::HttpResponse> Send(const tunnel::HttpRequest& request) override;

  std::vector<tunnel::HttpRequest> requests();
  int calls();

 private:
  base::Mutex mu_;
  std::deque<Outcome> script_ GUARDED_BY(mu_);
  Handler handler_ GUARDED_BY(mu_);
  std::vector<tunnel::HttpRequest> requests_ GUARDED_BY(mu_);
};

}  // namespace tablestore::testing
