#pragma once

// The libcurl Transport (docs/style.md "Seams"). The only file of the project that includes
// <curl/curl.h> is curl_transport.cc.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "tablestore/base/result.h"
#include "tunnel/client/transport.h"

namespace tablestore::tunnel {

struct CurlTransportOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  // TLS verification is ON unless insecure_skip_verify is set (which logs a warning once,
  // when the transport is created). Empty ca_file/ca_path: the system trust store.
  std::string ca_file;
  std::string ca_path;
  bool insecure_skip_verify = false;
  std::string user_agent = "tablestore-replicator/0.1";
  // A response body larger than this fails the Send with kResourceExhausted (a remote
  // peer never makes us allocate without bound).
  size_t max_response_bytes = 256u << 20;
  // Idle easy handles (each holding its keep-alive connection) kept for reuse.
  size_t max_idle_handles = 32;
};

// Sends POSTs with libcurl over HTTP/1.1 keep-alive (http:// and https:// only).
// Thread-safe: each Send borrows an easy handle from a small pool (creating one when all are
// busy) and returns it afterwards, so every concurrently sending thread owns one handle and
// its persistent connection, and sequential calls reuse the connection.
// Per request, HttpRequest::timeout bounds the whole transfer and connect_timeout the
// connection phase.
// Errors: kUnavailable (connection refused, DNS failure, reset, receive error, empty reply,
// short body), kDeadlineExceeded (timeouts), kFailedPrecondition (TLS handshake or
// verification failures, unusable CA file), kInvalidArgument (bad URL or scheme),
// kResourceExhausted (response over max_response_bytes). When the request provably never
// left, the status carries the kPayloadRequestNotSent payload ("1").
class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(CurlTransportOptions options = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  base::Result<HttpResponse> Send(const HttpRequest& request) override;

  const CurlTransportOptions& options() const { return options_; }
  // New TCP connections opened so far (keep-alive reuse keeps this low).
  int64_t connections_opened() const { return connections_opened_.load(); }

 private:
  class Handle;  // one CURL* easy handle (RAII)

  std::unique_ptr<Handle> Borrow();
  void Return(std::unique_ptr<Handle> handle);

  const CurlTransportOptions options_;
  std::atomic<int64_t> connections_opened_{0};

  base::Mutex mu_;
  std::vector<std::unique_ptr<Handle>> idle_ GUARDED_BY(mu_);
};

}  // namespace tablestore::tunnel
