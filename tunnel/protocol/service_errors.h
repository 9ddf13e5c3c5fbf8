#pragma once

// Service error codes and their HTTP statuses (docs/tunnel-protocol.md §1.3, §4.1).

#include <string_view>

namespace tablestore::tunnel::errors {

inline constexpr std::string_view kParameterInvalid = "OTSParameterInvalid";          // 400
inline constexpr std::string_view kTunnelExpired = "OTSTunnelExpired";                // 400
inline constexpr std::string_view kSequenceNumberNotMatch = "OTSSequenceNumberNotMatch";  // 400
inline constexpr std::string_view kPermissionDenied = "OTSPermissionDenied";          // 403
inline constexpr std::string_view kAuthFailed = "OTSAuthFailed";                      // 403
inline constexpr std::string_view kMethodNotAllowed = "OTSMethodNotAllowed";          // 405
inline constexpr std::string_view kRequestTimeout = "OTSRequestTimeout";              // 408
inline constexpr std::string_view kTunnelExist = "OTSTunnelExist";                    // 409
inline constexpr std::string_view kResourceGone = "OTSResourceGone";                  // 410
inline constexpr std::string_view kRequestBodyTooLarge = "OTSRequestBodyTooLarge";    // 413
inline constexpr std::string_view kTunnelServerUnavailable = "OTSTunnelServerUnavailable";  // 503
// Appears inside the message of OTSTunnelServerUnavailable when a stream position was
// trimmed from retention (§4.1): data loss, never transient.
inline constexpr std::string_view kTrimmedDataAccess = "OTSTrimmedDataAccess";
inline constexpr std::string_view kTrimmedDataMessage =
    "OTSTrimmedDataAccess Requested stream data is already trimmed or does not exist.";

}  // namespace tablestore::tunnel::errors
