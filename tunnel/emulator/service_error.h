#pragma once

// An error answer of the Tunnel Service: HTTP status, `Error.code`, `Error.message`
// (docs/tunnel-protocol.md §1.3, §4.1). Plain data.

#include <optional>
#include <string>
#include <string_view>

#include "tunnel/protocol/service_errors.h"

namespace tablestore::tunnel::emulator {

struct ServiceError {
  int http_status = 400;
  std::string code;
  std::string message;
};

// nullopt: success.
using MaybeError = std::optional<ServiceError>;

inline ServiceError ParameterInvalid(std::string message) {
  return {400, std::string(errors::kParameterInvalid), std::move(message)};
}
inline ServiceError ResourceGone(std::string message) {
  return {410, std::string(errors::kResourceGone), std::move(message)};
}
inline ServiceError TunnelExpired(std::string message) {
  return {400, std::string(errors::kTunnelExpired), std::move(message)};
}
inline ServiceError AuthFailed(std::string message) {
  return {403, std::string(errors::kAuthFailed), std::move(message)};
}

}  // namespace tablestore::tunnel::emulator
