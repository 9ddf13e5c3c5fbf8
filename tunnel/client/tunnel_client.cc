#include "tablestore/tunnel/tunnel_client.h"

#include <limits>
#include <utility>

#include "base/clock.h"
#include "tunnel/client/curl_transport.h"
#include "tunnel/client/logging_transport.h"
#include "tunnel/client/response_parser.h"
#include "tunnel/client/retrying_transport.h"
#include "tunnel/client/signing_transport.h"
#include "tunnel/client/transport.h"
#include "tunnel/protocol/tunnel.pb.h"

namespace tablestore::tunnel {

namespace {

using base::Result;
using base::Status;

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

Result<uint64_t> MillisToNanos(int64_t ms, const char* what) {
  constexpr int64_t kMaxMs = std::numeric_limits<int64_t>::max() / 1'000'000;
  if (ms < 0 || ms > kMaxMs) {
    return base::InvalidArgumentError(std::string(what) + " " + std::to_string(ms) +
                                      " ms is out of range");
  }
  return static_cast<uint64_t>(ms) * 1'000'000u;  // §3.3, §7.6: offsets in nanoseconds
}

Result<pb::ChannelStatus> ToWireStatus(ChannelStatus s, const std::string& channel_id) {
  switch (s) {
    case ChannelStatus::kOpen:
      return pb::OPEN;
    case ChannelStatus::kClosing:
      return pb::CLOSING;
    case ChannelStatus::kClose:
      return pb::CLOSE;
    case ChannelStatus::kTerminated:
      return pb::TERMINATED;
    case ChannelStatus::kWait:
      break;
  }
  return base::InvalidArgumentError("channel " + Quoted(channel_id) +
                                    ": status WAIT cannot be sent in a heartbeat");
}

}  // namespace

// Thread-safe: immutable after construction; the transports are thread-safe.
class TunnelClient::Impl {
 public:
  Impl(std::string endpoint, std::string instance, std::shared_ptr<CredentialsProvider> credentials,
       ClientOptions options)
      : endpoint_(std::move(endpoint)), instance_(std::move(instance)), options_(options) {
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();  // §1.1
    base::Clock* clock = options.clock != nullptr ? options.clock : base::Clock::Real();
    std::shared_ptr<Transport> wire = options.transport;
    if (wire == nullptr) {
      CurlTransportOptions curl;
      curl.connect_timeout = options.connect_timeout;
      curl.ca_file = options.ca_file;
      curl.ca_path = options.ca_path;
      curl.insecure_skip_verify = options.insecure_skip_verify;
      curl.user_agent = options.user_agent;
      wire = std::make_shared<CurlTransport>(std::move(curl));
    }
    // Stack (outermost first): retry → signing → logging → wire.
    auto logged = std::make_shared<LoggingTransport>(std::move(wire));
    auto signed_transport = std::make_shared<SigningTransport>(
        std::move(logged), std::move(credentials), instance_, clock);
    transport_ = std::make_shared<RetryingTransport>(std::move(signed_transport), clock, options,
                                                     options.cancel);
    options_.transport.reset();
  }

  const std::string& endpoint() const { return endpoint_; }
  const std::string& instance() const { return instance_; }

  // Sends `request` to `path`; returns the 2xx body or the mapped error.
  Result<std::string> Call(std::string_view path, const std::string& context,
                           const google::protobuf::Message& request) {
    HttpRequest http;
    http.path = std::string(path);
    http.url = endpoint_ + http.path;
    http.timeout = options_.request_timeout;
    if (!request.SerializeToString(&http.body)) {
      return base::InvalidArgumentError(
          context + ": request lacks required fields: " + request.InitializationErrorString());
    }
    Result<HttpResponse> outcome = transport_->Send(http);
    if (!outcome.ok()) return outcome.status().WithContext(context);
    HttpResponse& response = outcome.value();
    if (response.status < 200 || response.status >= 300) {
      Status s = ServiceErrorStatus(context, ParseServiceError(response));
      if (response.attempts > 1) {
        Status with(s.code(),
                    s.message() + " (after " + std::to_string(response.attempts) + " attempts)");
        for (const char* key : {kPayloadServiceCode, kPayloadHttpStatus, kPayloadRequestId}) {
          if (const std::string* v = s.GetPayload(key)) with.SetPayload(key, *v);
        }
        return with;
      }
      return s;
    }
    return std::move(response.body);
  }

 private:
  std::string endpoint_;
  const std::string instance_;
  ClientOptions options_;
  std::shared_ptr<Transport> transport_;
};

TunnelClient::TunnelClient(std::string endpoint, std::string instance, std::string access_key_id,
                           std::string access_key_secret, ClientOptions options)
    : TunnelClient(
          std::move(endpoint), std::move(instance),
          NewStaticCredentialsProvider(std::move(access_key_id), std::move(access_key_secret)),
          std::move(options)) {}

TunnelClient::TunnelClient(std::string endpoint, std::string instance, std::string access_key_id,
                           std::string access_key_secret, std::string security_token,
                           ClientOptions options)
    : TunnelClient(
          std::move(endpoint), std::move(instance),
          NewStaticCredentialsProvider(std::move(access_key_id), std::move(access_key_secret),
                                       std::move(security_token)),
          std::move(options)) {}

TunnelClient::TunnelClient(std::string endpoint, std::string instance,
                           std::shared_ptr<CredentialsProvider> credentials, ClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(endpoint), std::move(instance), std::move(credentials),
                                   std::move(options))) {}

TunnelClient::~TunnelClient() = default;

const std::string& TunnelClient::endpoint() const { return impl_->endpoint(); }
const std::string& TunnelClient::instance() const { return impl_->instance(); }

Result<CreateTunnelResponse> TunnelClient::CreateTunnel(const CreateTunnelRequest& request) {
  std::string context =
      "CreateTunnel table " + Quoted(request.table_name) + " tunnel " + Quoted(request.tunnel_name);
  if (request.table_name.empty() || request.tunnel_name.empty()) {
    return base::InvalidArgumentError(context + ": table and tunnel names must not be empty");
  }
  pb::CreateTunnelRequest msg;
  pb::Tunnel* t = msg.mutable_tunnel();
  t->set_table_name(request.table_name);
  t->set_tunnel_name(request.tunnel_name);
  switch (request.type) {
    case TunnelType::kBaseData:
      t->set_tunnel_type(pb::BaseData);
      break;
    case TunnelType::kStream:
      t->set_tunnel_type(pb::Stream);
      break;
    case TunnelType::kBaseAndStream:
      t->set_tunnel_type(pb::BaseAndStream);
      break;
    default:
      return base::InvalidArgumentError(context + ": unknown tunnel type");
  }
  if (request.type != TunnelType::kBaseData) {
    // Both SDKs: startOffset when a start time is given, else the flag; endOffset when set.
    pb::StreamTunnelConfig* cfg = t->mutable_stream_tunnel_config();
    if (request.stream_start_ms != 0) {
      TS_ASSIGN_OR_RETURN(uint64_t ns, MillisToNanos(request.stream_start_ms, "stream start"));
      cfg->set_startoffset(ns);
    } else {
      cfg->set_flag(request.start_from_earliest ? pb::EARLIEST : pb::LATEST);
    }
    if (request.stream_end_ms != 0) {
      TS_ASSIGN_OR_RETURN(uint64_t ns, MillisToNanos(request.stream_end_ms, "stream end"));
      cfg->set_endoffset(ns);
    }
  }
  TS_ASSIGN_OR_RETURN(std::string body, impl_->Call(kPathCreateTunnel, context, msg));
  return ParseCreateTunnelResponse(context, body);
}

Result<std::vector<TunnelInfo>> TunnelClient::ListTunnel(const std::string& table_name) {
  std::string context = "ListTunnel table " + Quoted(table_name);
  pb::ListTunnelRequest msg;
  msg.set_table_name(table_name);
  TS_ASSIGN_OR_RETURN(std::string body, impl_->Call(kPathListTunnel, context, msg));
  return ParseListTunnelResponse(context, body);
}

Result<DescribeTunnelResponse> TunnelClient::DescribeTunnel(const std::string& table_name,
                                                            const std::string& tunnel_name) {
  std::string context =
      "DescribeTunnel table " + Quoted(table_name) + " tunnel " + Quoted(tunnel_name);
  pb::DescribeTunnelRequest msg;
  msg.set_table_name(table_name);
  msg.set_tunnel_name(tunnel_name);
  TS_ASSIGN_OR_RETURN(std::string body, impl_->Call(kPathDescribeTunnel, context, msg));
  return ParseDescribeTunnelResponse(context, body);
}

Status TunnelClient::DeleteTunnel(const std::string& table_name, const std::string& tunnel_name) {
  std::string context =
      "DeleteTunnel table " + Quoted(table_name) + " tunnel " + Quoted(tunnel_name);
  pb::DeleteTunnelRequest msg;
  msg.set_table_name(table_name);
  msg.set_tunnel_name(tunnel_name);
  TS_ASSIGN_OR_RETURN(std::string body, impl_->Call(kPathDeleteTunnel, context, msg));
  return ParseEmptyResponse(context, body);
}

Result<std::string> TunnelClient::Connect(const std::string& tunnel_id,
                                          std::chrono::seconds heartbeat_timeout,
                                          const std::string& client_tag) {
  std::string context = "Connect tunnel " + Quoted(tunnel_id);
  pb::ConnectRequest msg;
  msg.set_tunnel_id(tunnel_id);
  pb::ClientConfig* cfg = msg.mutable_client_config();
  cfg->set_timeout(heartbeat_timeout.count());  // §3.3: seconds
  cfg->set_client_tag(client_tag);
  TS_ASSIGN_OR_RETURN(std::string body, impl_->Call(kPathConnect, context, msg));
  return ParseConnectResponse(context, body);
}

Result<std::vector<ChannelState>> TunnelClient::Heartbeat(
    const std::string& tunnel_id, const std::string& client_id,
    const std::vector<ChannelState>& channels) {
  std::string context = "Heartbeat tunnel " + Quoted(tunnel_id) + " client " + Quoted(client_id);
  pb::HeartbeatRequest msg;
  msg.set_tunnel_id(tunnel_id);
  msg.set_client_id(client_id);
  for (const ChannelState& c : channels) {
    TS_ASSIGN_OR_RETURN(pb::ChannelStatus status, ToWireStatus(c.status, c.channel_id));
    pb::Channel* ch = msg.add_channels();
    ch->set_channel_id(c.channel_id);
    ch->set_version(c.version);
    ch->set_status(status);
  }
  TS_ASSIGN_OR_RETURN(std::string body, impl_->Call(kPathHeartbeat, context, msg));
  return ParseHeartbeatResponse(context, body);
}

Status TunnelClient::Shutdown(const std::string& tunnel_id, const std::string& client_id) {
  std::string context = "Shutdown tunnel " + Quoted(tunnel_id) + " client " + Quoted(client_id);
  pb::ShutdownRequest msg;
  msg.set_tunnel_id(tunnel_id);
  msg.set_client_id(client_id);
  TS_ASSIGN_OR_RETURN(std::string body, impl_->Call(kPathShutdown, context, msg));
  return ParseEmptyResponse(context, body);
}

Result<CheckpointInfo> TunnelClient::GetCheckpoint(const std::string& tunnel_id,
                                                   const std::string& client_id,
                                                   const std::string& channel_id) {
  std::string context = "GetCheckpoint channel " + Quoted(channel_id);
  pb::GetCheckpointRequest msg;
  msg.set_tunnel_id(tunnel_id);
  msg.set_client_id(client_id);
  msg.set_channel_id(channel_id);
  TS_ASSIGN_OR_RETURN(std::string body, impl_->Call(kPathGetCheckpoint, context, msg));
  return ParseGetCheckpointResponse(context, body);
}

Status TunnelClient::Checkpoint(const std::string& tunnel_id, const std::string& client_id,
                                const std::string& channel_id, const std::string& token,
                                int64_t sequence_number) {
  std::string context =
      "Checkpoint channel " + Quoted(channel_id) + " sequence " + std::to_string(sequence_number);
  pb::CheckpointRequest msg;
  msg.set_tunnel_id(tunnel_id);
  msg.set_client_id(client_id);
  msg.set_channel_id(channel_id);
  msg.set_checkpoint(token);
  msg.set_sequence_number(sequence_number);
  TS_ASSIGN_OR_RETURN(std::string body, impl_->Call(kPathCheckpoint, context, msg));
  return ParseEmptyResponse(context, body);
}

Result<ReadRecordsResult> TunnelClient::ReadRecords(const std::string& tunnel_id,
                                                    const std::string& client_id,
                                                    const std::string& channel_id,
                                                    const std::string& token) {
  ReadRecordsResult page;
  TS_RETURN_IF_ERROR(ReadRecordsInto(tunnel_id, client_id, channel_id, token, &page));
  return page;
}

Status TunnelClient::ReadRecordsInto(const std::string& tunnel_id, const std::string& client_id,
                                     const std::string& channel_id, const std::string& token,
                                     ReadRecordsResult* page) {
  std::string context = "ReadRecords channel " + Quoted(channel_id);
  pb::ReadRecordsRequest msg;
  msg.set_tunnel_id(tunnel_id);
  msg.set_client_id(client_id);
  msg.set_channel_id(channel_id);
  msg.set_token(token);
  Result<std::string> body = impl_->Call(kPathReadRecords, context, msg);
  if (!body.ok()) {
    page->records.clear();
    return body.status();
  }
  return ParseReadRecordsResponseInto(context, *body, page);
}

}  // namespace tablestore::tunnel
