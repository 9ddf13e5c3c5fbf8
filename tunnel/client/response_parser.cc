#include "tunnel/client/response_parser.h"

#include <climits>
#include <optional>
#include <utility>

#include "tunnel/protocol/record_decoder.h"
#include "tunnel/protocol/service_errors.h"
#include "tunnel/protocol/signing.h"
#include "tunnel/protocol/tunnel.pb.h"

namespace tablestore::tunnel {

namespace {

using base::Result;
using base::Status;

constexpr size_t kMaxMessageChars = 512;
constexpr size_t kMaxRawExcerpt = 200;

// Printable ASCII only, bounded: remote text goes into Status messages and logs.
std::string Printable(std::string_view s, size_t max_chars) {
  std::string out;
  out.reserve(std::min(s.size(), max_chars) + 3);
  for (size_t i = 0; i < s.size() && out.size() < max_chars; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.');
  }
  if (s.size() > max_chars) out += "...";
  return out;
}

Status BodyError(std::string_view context, const std::string& what) {
  return base::DataLossError(std::string(context) + ": response body " + what);
}

// Parses `body` into `msg` with proto2 rules: unknown fields skipped, every required field
// present (an empty body is fine only when the message has none).
Status ParseMessage(std::string_view context, std::string_view body,
                    google::protobuf::Message* msg) {
  if (body.size() > static_cast<size_t>(INT_MAX)) return BodyError(context, "too large");
  if (!msg->ParsePartialFromArray(body.data(), static_cast<int>(body.size()))) {
    return BodyError(context, "is not a valid " + msg->GetTypeName() + " (" +
                                  std::to_string(body.size()) + " bytes)");
  }
  if (!msg->IsInitialized()) {
    return BodyError(context, std::string(body.empty() ? "is empty; " : "") + "missing " +
                                  msg->GetTypeName() + " required fields: " +
                                  Printable(msg->InitializationErrorString(), kMaxMessageChars));
  }
  return Status::Ok();
}

TunnelInfo ToTunnelInfo(const pb::TunnelInfo& t) {
  TunnelInfo info;
  info.tunnel_id = t.tunnel_id();
  info.tunnel_name = t.tunnel_name();
  info.table_name = t.table_name();
  info.instance_name = t.instance_name();
  info.stream_id = t.stream_id();
  info.tunnel_type = t.tunnel_type();
  info.stage = t.stage();
  info.expired = t.expired();
  info.create_time_ns = t.create_time();  // §7.6: nanoseconds, passed through
  return info;
}

base::StatusCode CodeForService(const ServiceError& e) {
  using base::StatusCode;
  const std::string& c = e.code;
  if (c == errors::kAuthFailed) return StatusCode::kUnauthenticated;
  if (c == errors::kPermissionDenied) return StatusCode::kPermissionDenied;
  if (c == errors::kTunnelExpired) return StatusCode::kOutOfRange;
  if (c == errors::kParameterInvalid) return StatusCode::kInvalidArgument;
  if (c == errors::kTunnelExist) return StatusCode::kAlreadyExists;
  if (c == errors::kResourceGone) return StatusCode::kNotFound;
  if (c == errors::kSequenceNumberNotMatch) return StatusCode::kAborted;
  if (c == errors::kTunnelServerUnavailable) {
    return IsTrimmedDataAccess(e) ? StatusCode::kOutOfRange : StatusCode::kUnavailable;
  }
  // Generic table-service codes (§4.1 last paragraph).
  if (c == "OTSServerUnavailable" || c == "OTSServerBusy" || c == "OTSPartitionUnavailable" ||
      c == "OTSInternalServerError" || c == "OTSTableNotReady") {
    return StatusCode::kUnavailable;
  }
  if (c == "OTSTimeout" || c == errors::kRequestTimeout) return StatusCode::kDeadlineExceeded;
  if (c == "OTSQuotaExhausted" || c == "OTSNotEnoughCapacityUnit") {
    return StatusCode::kResourceExhausted;
  }
  if (!c.empty()) {
    // Unknown codes, and ones only our own bugs cause (OTSMethodNotAllowed, ...).
    return e.http_status >= 500 ? StatusCode::kUnavailable : StatusCode::kInternal;
  }
  // Raw bodies (§4.4).
  if (e.http_status >= 500) return StatusCode::kUnavailable;
  if (e.http_status >= 300 && e.http_status < 400) return StatusCode::kFailedPrecondition;
  if (e.http_status == 429) return StatusCode::kResourceExhausted;
  return StatusCode::kInternal;
}

}  // namespace

std::string ResponseRequestId(const HttpResponse& response) {
  const std::string* id = FindHeader(response.headers, "x-ots-requestid");
  if (id == nullptr) id = FindHeader(response.headers, "x-ots-request-id");
  return id == nullptr ? std::string() : Printable(*id, 128);
}

ServiceError ParseServiceError(const HttpResponse& response) {
  ServiceError e;
  e.http_status = response.status;
  e.request_id = ResponseRequestId(response);
  pb::Error error;
  if (!response.body.empty() && response.body.size() <= static_cast<size_t>(INT_MAX) &&
      // Partial parse + explicit check: ParseFromArray would log every malformed body.
      error.ParsePartialFromArray(response.body.data(), static_cast<int>(response.body.size())) &&
      error.IsInitialized() && !error.code().empty()) {
    e.code = Printable(error.code(), 128);
    e.message = Printable(error.message(), kMaxMessageChars);
    return e;
  }
  if (response.status >= 300 && response.status < 400) {
    const std::string* location = FindHeader(response.headers, "location");
    e.message = "endpoint moved" +
                (location != nullptr ? " to " + Printable(*location, kMaxRawExcerpt) : "");
    return e;
  }
  e.message = Printable(response.body, kMaxRawExcerpt);
  return e;
}

bool IsTrimmedDataAccess(const ServiceError& error) {
  return error.code == errors::kTunnelServerUnavailable &&
         error.message.find(errors::kTrimmedDataAccess) != std::string::npos;
}

Status ServiceErrorStatus(std::string_view context, const ServiceError& error) {
  std::string msg(context);
  msg += ": HTTP " + std::to_string(error.http_status);
  if (!error.code.empty()) msg += " " + error.code;
  if (!error.message.empty()) msg += ": " + error.message;
  if (IsTrimmedDataAccess(error)) {
    msg += " (stream position trimmed from retention: data loss, resync needed)";
  }
  if (!error.request_id.empty()) msg += " (request id " + error.request_id + ")";
  Status s(CodeForService(error), std::move(msg));
  if (!error.code.empty()) s.SetPayload(kPayloadServiceCode, error.code);
  s.SetPayload(kPayloadHttpStatus, std::to_string(error.http_status));
  if (!error.request_id.empty()) s.SetPayload(kPayloadRequestId, error.request_id);
  return s;
}

Result<CreateTunnelResponse> ParseCreateTunnelResponse(std::string_view context,
                                                       std::string_view body) {
  pb::CreateTunnelResponse msg;
  TS_RETURN_IF_ERROR(ParseMessage(context, body, &msg));
  CreateTunnelResponse out;
  out.tunnel_id = msg.tunnel_id();
  return out;
}

Result<std::vector<TunnelInfo>> ParseListTunnelResponse(std::string_view context,
                                                        std::string_view body) {
  pb::ListTunnelResponse msg;
  TS_RETURN_IF_ERROR(ParseMessage(context, body, &msg));
  std::vector<TunnelInfo> out;
  out.reserve(static_cast<size_t>(msg.tunnels_size()));
  for (const pb::TunnelInfo& t : msg.tunnels()) out.push_back(ToTunnelInfo(t));
  return out;
}

Result<DescribeTunnelResponse> ParseDescribeTunnelResponse(std::string_view context,
                                                           std::string_view body) {
  pb::DescribeTunnelResponse msg;
  TS_RETURN_IF_ERROR(ParseMessage(context, body, &msg));
  DescribeTunnelResponse out;
  out.tunnel = ToTunnelInfo(msg.tunnel());
  out.tunnel_rpo_ns = msg.tunnel_rpo();
  out.channels.reserve(static_cast<size_t>(msg.channels_size()));
  for (const pb::ChannelInfo& c : msg.channels()) {
    ChannelInfo info;
    info.channel_id = c.channel_id();
    info.channel_type = c.channel_type();
    info.channel_status = c.channel_status();
    info.client_id = c.client_id();
    info.channel_rpo_ns = c.channel_rpo();
    out.channels.push_back(std::move(info));
  }
  return out;
}

Result<std::string> ParseConnectResponse(std::string_view context, std::string_view body) {
  pb::ConnectResponse msg;
  TS_RETURN_IF_ERROR(ParseMessage(context, body, &msg));
  return std::string(msg.client_id());
}

Result<std::vector<ChannelState>> ParseHeartbeatResponse(std::string_view context,
                                                         std::string_view body) {
  pb::HeartbeatResponse msg;
  TS_RETURN_IF_ERROR(ParseMessage(context, body, &msg));
  std::vector<ChannelState> out;
  out.reserve(static_cast<size_t>(msg.channels_size()));
  for (const pb::Channel& c : msg.channels()) {
    ChannelState state;
    state.channel_id = c.channel_id();
    state.version = c.version();
    // The parser refuses numbers outside the enum (the required field then looks unset).
    state.status = static_cast<ChannelStatus>(static_cast<int>(c.status()));
    out.push_back(std::move(state));
  }
  return out;
}

Result<CheckpointInfo> ParseGetCheckpointResponse(std::string_view context, std::string_view body) {
  pb::GetCheckpointResponse msg;
  TS_RETURN_IF_ERROR(ParseMessage(context, body, &msg));
  CheckpointInfo out;
  out.token = msg.checkpoint();
  out.sequence_number = msg.sequence_number();
  return out;
}

namespace {

Status BadPage(std::string_view context, std::string_view body, const Status& decoded) {
  // Always kDataLoss: the page is re-read from its token (design.md rule 8).
  return base::DataLossError(std::string(context) + ": bad page (" + std::to_string(body.size()) +
                             " bytes): " + decoded.message());
}

}  // namespace

Status ParseReadRecordsResponseWithLibrary(std::string_view context, std::string_view body,
                                           ReadRecordsResult* out) {
  out->next_token.clear();
  out->may_more_record.reset();
  out->wire_bytes = body.size();
  // Each thread keeps one message: parsing over an earlier page reuses its records and
  // their byte strings. A page larger than kReusedMessageMaxBytes gets a message of its
  // own, so a thread never keeps more than that.
  constexpr size_t kReusedMessageMaxBytes = 4 << 20;
  thread_local pb::ReadRecordsResponse reused;
  std::optional<pb::ReadRecordsResponse> own;
  pb::ReadRecordsResponse* msg = body.size() <= kReusedMessageMaxBytes ? &reused : &own.emplace();
  Status parsed = ParseMessage(context, body, msg);
  if (!parsed.ok()) {
    out->records.clear();
    return parsed;
  }
  out->next_token = msg->next_token();
  if (msg->has_may_more_record()) out->may_more_record = msg->may_more_record();
  Status decoded = DecodeRecordsReusing(*msg, &out->records);
  return decoded.ok() ? decoded : BadPage(context, body, decoded);
}

Status ParseReadRecordsResponseInto(std::string_view context, std::string_view body,
                                    ReadRecordsResult* out) {
  // A body in the canonical encoding (what servers write) is read in place and its
  // records decoded straight from it, into the records `out` already holds; each thread
  // (a channel's fetcher) keeps one view, for its vector's capacity only (its spans point
  // into `body` and are never read after this call). Any other body goes through the
  // generated parser, which applies every proto2 rule.
  thread_local ReadRecordsPageView view;
  if (!ScanReadRecordsResponse(body, &view)) {
    return ParseReadRecordsResponseWithLibrary(context, body, out);
  }
  out->next_token = view.next_token;
  out->may_more_record = view.may_more_record;
  out->wire_bytes = body.size();
  Status decoded = DecodeRecordSpansReusing(view.records, &out->records);
  return decoded.ok() ? decoded : BadPage(context, body, decoded);
}

Result<ReadRecordsResult> ParseReadRecordsResponse(std::string_view context,
                                                   std::string_view body) {
  ReadRecordsResult out;
  TS_RETURN_IF_ERROR(ParseReadRecordsResponseInto(context, body, &out));
  return out;
}

Status ParseEmptyResponse(std::string_view context, std::string_view body) {
  // Any empty message type does: all three have no fields.
  pb::CheckpointResponse msg;
  return ParseMessage(context, body, &msg);
}

Status ParseResponseForFuzzing(std::string_view path, std::string_view body) {
  std::string context = "fuzz " + std::string(path);
  if (path == kPathCreateTunnel) return ParseCreateTunnelResponse(context, body).status();
  if (path == kPathListTunnel) return ParseListTunnelResponse(context, body).status();
  if (path == kPathDescribeTunnel) return ParseDescribeTunnelResponse(context, body).status();
  if (path == kPathConnect) return ParseConnectResponse(context, body).status();
  if (path == kPathHeartbeat) return ParseHeartbeatResponse(context, body).status();
  if (path == kPathGetCheckpoint) return ParseGetCheckpointResponse(context, body).status();
  if (path == kPathReadRecords) return ParseReadRecordsResponse(context, body).status();
  if (path == kPathDeleteTunnel || path == kPathShutdown || path == kPathCheckpoint) {
    return ParseEmptyResponse(context, body);
  }
  return base::InvalidArgumentError("unknown operation path '" + Printable(path, 64) + "'");
}

Status ParseErrorResponseForFuzzing(int http_status, std::string_view body) {
  HttpResponse response;
  response.status = http_status;
  response.body = std::string(body);
  response.headers.emplace_back("x-ots-requestid", "fuzz");
  return ServiceErrorStatus("fuzz", ParseServiceError(response));
}

}  // namespace tablestore::tunnel
