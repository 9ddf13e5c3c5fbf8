#pragma once

// The emulator's control API (contracts.md §3): plain JSON under /admin/, errors
// {"error": CODE, "message": TEXT}. A bad body never changes state. Thread-safe.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tunnel/emulator/authenticator.h"
#include "tunnel/emulator/fault_injector.h"
#include "tunnel/emulator/tunnel_service.h"
#include "tunnel/emulator/workload.h"

namespace tablestore::tunnel::emulator {

struct ControlReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class ControlApi {
 public:
  // Pointers must outlive this object. `served`: whether the API is reachable at all
  // (loopback listener or an admin token); `admin_token`: required bearer token if set.
  ControlApi(TunnelService* service, Authenticator* auth, FaultInjector* faults,
             Workload* workload, bool served, std::string admin_token);

  // `raw_target`: the request target as received (path still percent-encoded).
  ControlReply Handle(std::string_view method, std::string_view raw_target,
                      std::string_view body, std::string_view authorization);

 private:
  ControlReply Route(std::string_view method, std::string_view raw_target,
                     std::string_view body);

  TunnelService* const service_;
  Authenticator* const auth_;
  FaultInjector* const faults_;
  Workload* const workload_;
  const bool served_;
  const std::string admin_token_;
};

// The body of POST /admin/tables (also the `tables` entries of the binary's --config).
base::Result<TableSpec> TableSpecFromJson(const nlohmann::json& j);

// "90m" → 5400000. Units ms, s, m, h, d. kInvalidArgument otherwise.
base::Result<int64_t> ParseDurationMs(std::string_view text);
// Decodes %XX escapes; kInvalidArgument on a malformed escape.
base::Result<std::string> PercentDecode(std::string_view text);

}  // namespace tablestore::tunnel::emulator
