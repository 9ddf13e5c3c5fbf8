#pragma once

// The emulator's HTTP front (cpp-httplib): /tunnel/* requests are authenticated, may get
// an injected fault, and go to TunnelService; /admin/* goes to ControlApi. Every response
// carries x-ots-requestid. Thread-safe (httplib serves requests on a thread pool).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "base/clock.h"
#include "tablestore/base/status.h"
#include "tunnel/emulator/authenticator.h"
#include "tunnel/emulator/control_api.h"
#include "tunnel/emulator/emulator_options.h"
#include "tunnel/emulator/fault_injector.h"
#include "tunnel/emulator/tunnel_service.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace tablestore::tunnel::emulator {

class HttpServer {
 public:
  // Pointers must outlive this object.
  HttpServer(const EmulatorOptions& options, TunnelService* service, Authenticator* auth,
             FaultInjector* faults, ControlApi* control);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds options.listen_host:options.port (0: a free port) and starts serving.
  // kUnavailable if the address cannot be bound.
  base::Status Start();
  // Stops serving; idempotent.
  void Stop();
  int port() const { return port_; }

 private:
  void Dispatch(const httplib::Request& req, httplib::Response& res);
  void HandleTunnel(const httplib::Request& req, httplib::Response& res);
  void HandleAdmin(const httplib::Request& req, httplib::Response& res);
  std::string NewRequestId();

  const EmulatorOptions options_;
  TunnelService* const service_;
  Authenticator* const auth_;
  FaultInjector* const faults_;
  ControlApi* const control_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  base::CancelToken stop_;  // wakes requests sleeping in a `slow` fault
  int port_ = 0;
  const uint64_t request_id_prefix_;
  std::atomic<uint64_t> request_counter_{0};
};

}  // namespace tablestore::tunnel::emulator
