#include "tunnel/client/signing_transport.h"

#include <cstdio>
#include <random>
#include <utility>

#include "tunnel/protocol/signing.h"

namespace tablestore::tunnel {

std::string NewTraceId() {
  thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }());
  uint64_t hi = rng();
  uint64_t lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10xx
  char buf[37];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(hi >> 32), static_cast<unsigned>((hi >> 16) & 0xffff),
                static_cast<unsigned>(hi & 0xffff), static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

SigningTransport::SigningTransport(std::shared_ptr<Transport> inner,
                                   std::shared_ptr<CredentialsProvider> credentials,
                                   std::string instance, base::Clock* clock)
    : inner_(std::move(inner)),
      credentials_(std::move(credentials)),
      instance_(std::move(instance)),
      clock_(clock != nullptr ? clock : base::Clock::Real()) {}

base::Result<HttpResponse> SigningTransport::Send(const HttpRequest& request) {
  if (credentials_ == nullptr) return base::UnauthenticatedError("no credentials provider");
  base::Result<Credentials> creds = credentials_->GetCredentials();
  if (!creds.ok()) return creds.status().WithContext("credentials");
  if (creds->access_key_id.empty() || creds->access_key_secret.empty()) {
    return base::UnauthenticatedError(
        "credentials: the provider returned an empty access key id or secret");
  }
  std::string trace_id = NewTraceId();
  SigningInput in;
  in.uri = request.path;
  in.body = request.body;
  in.access_key_id = creds->access_key_id;
  in.access_key_secret = creds->access_key_secret;
  in.security_token = creds->security_token;
  in.instance_name = instance_;
  in.api_version = kApiVersionGo;
  in.trace_id = trace_id;
  in.now = clock_->WallNow();

  HttpRequest signed_request = request;
  HeaderList headers = SignRequest(in);
  signed_request.headers.insert(signed_request.headers.end(),
                                std::make_move_iterator(headers.begin()),
                                std::make_move_iterator(headers.end()));
  return inner_->Send(signed_request);
}

}  // namespace tablestore::tunnel
