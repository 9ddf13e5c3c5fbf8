#pragma once

// Parsing and validation of every Tunnel Service response (docs/tunnel-protocol.md §1.2,
// §3.3, §4), shared by TunnelClient, the retry policy and the fuzz targets. Pure functions
// on untrusted bytes: never crash, never allocate beyond what the input holds.
// Thread-safe.
//
// Body rules: a 2xx body must parse as the operation's response message with every required
// field (protobuf proto2 rules). An empty body is the valid encoding of a message with no
// required fields, so it is accepted for DeleteTunnel, Shutdown, Checkpoint (no fields),
// ListTunnel (zero tunnels) and Heartbeat (zero channels), and refused for CreateTunnel,
// DescribeTunnel, Connect, GetCheckpoint and ReadRecords. A body that fails these rules is
// kDataLoss ("response body ...: missing required fields: next_token"); unknown fields are
// skipped.

#include <string>
#include <string_view>
#include <vector>

#include "tablestore/base/result.h"
#include "tablestore/tunnel/tunnel_client.h"
#include "tunnel/client/transport.h"

namespace tablestore::tunnel {

// Operation paths (§1.1).
inline constexpr std::string_view kPathCreateTunnel = "/tunnel/create";
inline constexpr std::string_view kPathDeleteTunnel = "/tunnel/delete";
inline constexpr std::string_view kPathListTunnel = "/tunnel/list";
inline constexpr std::string_view kPathDescribeTunnel = "/tunnel/describe";
inline constexpr std::string_view kPathConnect = "/tunnel/connect";
inline constexpr std::string_view kPathHeartbeat = "/tunnel/heartbeat";
inline constexpr std::string_view kPathShutdown = "/tunnel/shutdown";
inline constexpr std::string_view kPathGetCheckpoint = "/tunnel/getcheckpoint";
inline constexpr std::string_view kPathCheckpoint = "/tunnel/checkpoint";
inline constexpr std::string_view kPathReadRecords = "/tunnel/readrecords";

// What a non-2xx response says (§1.2, §3.3, §4.4).
struct ServiceError {
  int http_status = 0;
  std::string code;        // the Error code; empty when the body is not an Error message
  std::string message;     // the Error message, or a printable excerpt of a raw body
  std::string request_id;  // x-ots-requestid (or x-ots-request-id); may be empty
};

// Never fails: an unparseable body gives an empty `code` and a sanitised excerpt.
ServiceError ParseServiceError(const HttpResponse& response);

// OTSTunnelServerUnavailable whose message reports OTSTrimmedDataAccess (§4.1): data loss.
bool IsTrimmedDataAccess(const ServiceError& error);

// The request id of any response (x-ots-requestid, else x-ots-request-id), "" if none.
std::string ResponseRequestId(const HttpResponse& response);

// The Status of a failed call (codes as documented in tunnel_client.h), e.g.
// "ReadRecords channel 'c1': HTTP 400 OTSTunnelExpired: tunnel expired (request id X)",
// with the kPayloadServiceCode / kPayloadHttpStatus / kPayloadRequestId payloads.
// `context` names the operation and its subject. 3xx: kFailedPrecondition (endpoint moved);
// raw 5xx: kUnavailable; raw 4xx and unknown codes: kInternal.
base::Status ServiceErrorStatus(std::string_view context, const ServiceError& error);

// Per-operation 2xx parsing (the rules above). `context` prefixes error messages.
base::Result<CreateTunnelResponse> ParseCreateTunnelResponse(std::string_view context,
                                                             std::string_view body);
base::Result<std::vector<TunnelInfo>> ParseListTunnelResponse(std::string_view context,
                                                              std::string_view body);
base::Result<DescribeTunnelResponse> ParseDescribeTunnelResponse(std::string_view context,
                                                                 std::string_view body);
base::Result<std::string> ParseConnectResponse(std::string_view context, std::string_view body);
base::Result<std::vector<ChannelState>> ParseHeartbeatResponse(std::string_view context,
                                                               std::string_view body);
base::Result<CheckpointInfo> ParseGetCheckpointResponse(std::string_view context,
                                                        std::string_view body);
// Also decodes every record (PlainBuffer + CRC, §8, §9.1): a bad page is kDataLoss and
// yields no records at all.
base::Result<ReadRecordsResult> ParseReadRecordsResponse(std::string_view context,
                                                         std::string_view body);
// The same into `*out`, whose records' allocations are reused (DecodeRecordsReusing). On
// error `out->records` is empty.
base::Status ParseReadRecordsResponseInto(std::string_view context, std::string_view body,
                                          ReadRecordsResult* out);
// The same with the generated protobuf parser for every body, where
// ParseReadRecordsResponseInto reads canonical bodies in place (ScanReadRecordsResponse).
// Both give the same result for every body; this one is the reference for tests and fuzzing.
base::Status ParseReadRecordsResponseWithLibrary(std::string_view context, std::string_view body,
                                                 ReadRecordsResult* out);
// DeleteTunnel, Shutdown, Checkpoint: empty messages (unknown fields skipped).
base::Status ParseEmptyResponse(std::string_view context, std::string_view body);

// Fuzzing entry point: runs the exact parse/validate code the client runs on a 2xx body of
// the operation at `path` (e.g. "/tunnel/readrecords"). kInvalidArgument for an unknown
// path.
base::Status ParseResponseForFuzzing(std::string_view path, std::string_view body);
// The same for a non-2xx answer: ParseServiceError + ServiceErrorStatus.
base::Status ParseErrorResponseForFuzzing(int http_status, std::string_view body);

}  // namespace tablestore::tunnel
