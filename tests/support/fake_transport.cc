#include "tests/support/fake_transport.h"

#include <atomic>
#include <utility>

namespace tablestore::testing {

namespace {
std::atomic<int> g_request_ids{0};

bool HasRequestId(const tunnel::HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    if (name == "x-ots-requestid") return true;
  }
  return false;
}
}  // namespace

tunnel::HttpResponse FakeTransport::Response(int status, std::string body,
                                             tunnel::HeaderList headers) {
  tunnel::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  if (!HasRequestId(r.headers)) {
    r.headers.emplace_back("x-ots-requestid", "req-" + std::to_string(++g_request_ids));
  }
  return r;
}

void FakeTransport::Push(Outcome outcome) {
  base::MutexLock lock(&mu_);
  script_.push_back(std::move(outcome));
}

void FakeTransport::PushResponse(int status, std::string body, tunnel::HeaderList headers) {
  Push(Response(status, std::move(body), std::move(headers)));
}

void FakeTransport::PushError(base::Status status) { Push(Outcome(std::move(status))); }

void FakeTransport::SetHandler(Handler handler) {
  base::MutexLock lock(&mu_);
  handler_ = std::move(handler);
}

base::Result<tunnel::HttpResponse> FakeTransport::Send(const tunnel::HttpRequest& request) {
  Handler handler;
  {
    base::MutexLock lock(&mu_);
    requests_.push_back(request);
    if (!script_.empty()) {
      Outcome next = std::move(script_.front());
      script_.pop_front();
      return next;
    }
    handler = handler_;
  }
  if (handler) return handler(request);
  return base::InternalError("FakeTransport: nothing scripted for " + request.path);
}

std::vector<tunnel::HttpRequest> FakeTransport::requests() {
  base::MutexLock lock(&mu_);
  return requests_;
}

int FakeTransport::calls() {
  base::MutexLock lock(&mu_);
  return static_cast<int>(requests_.size());
}

}  // namespace tablestore::testing
