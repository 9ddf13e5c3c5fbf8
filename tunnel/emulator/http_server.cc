#include "tunnel/emulator/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string_view>

#include <httplib.h>

#include "tunnel/protocol/signing.h"

namespace tablestore::tunnel::emulator {
namespace {

constexpr char kProtobufType[] = "application/x-protobuf";

void SetError(httplib::Response& res, const ServiceError& e) {
  pb::Error pe;
  pe.set_code(e.code);  // never tunnel_id (§3.3)
  pe.set_message(e.message);
  res.status = e.http_status;
  res.set_content(pe.SerializeAsString(), kProtobufType);
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

int PortOf(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  return -1;
}

// The accepted socket serving `req` (found by its ports), or -1. httplib 0.11 does not hand
// the socket to handlers; this is used only by the `reset` fault.
int FindConnectionSocket(const httplib::Request& req) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const std::string name = entry.path().filename().string();
    int fd = -1;
    if (std::sscanf(name.c_str(), "%d", &fd) != 1 || fd < 0) continue;
    sockaddr_storage peer{}, local{};
    socklen_t plen = sizeof peer, llen = sizeof local;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) != 0) continue;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen) != 0) continue;
    if (PortOf(peer) == req.remote_port && PortOf(local) == req.local_port) return fd;
  }
  return -1;
}

// Shuts down every accepted connection of this process whose local port is `port`.
void ShutdownConnections(int port) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const std::string name = entry.path().filename().string();
    int fd = -1;
    if (std::sscanf(name.c_str(), "%d", &fd) != 1 || fd < 0) continue;
    sockaddr_storage peer{}, local{};
    socklen_t plen = sizeof peer, llen = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen) != 0) continue;
    if (PortOf(local) != port) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) != 0) continue;
    shutdown(fd, SHUT_RDWR);
  }
}

}  // namespace

HttpServer::HttpServer(const EmulatorOptions& options, TunnelService* service, Authenticator* auth,
                       FaultInjector* faults, ControlApi* control)
    : options_(options),
      service_(service),
      auth_(auth),
      faults_(faults),
      control_(control),
      server_(std::make_unique<httplib::Server>()),
      request_id_prefix_(
          std::random_device{}() ^
          static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {}

HttpServer::~HttpServer() { Stop(); }

std::string HttpServer::NewRequestId() {
  uint64_t n = request_counter_.fetch_add(1) + 1;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(request_id_prefix_ >> 32),
                static_cast<unsigned>((request_id_prefix_ >> 16) & 0xffff),
                0x4000u | static_cast<unsigned>(request_id_prefix_ & 0x0fff),
                static_cast<unsigned>(0x8000 | ((n >> 48) & 0x3fff)),
                static_cast<unsigned long long>(n & 0xffffffffffffULL));  // NOLINT
  return buf;
}

base::Status HttpServer::Start() {
  const int threads = options_.http_threads > 0 ? options_.http_threads : 8;
  // httplib's API takes ownership of a raw TaskQueue pointer.
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_keep_alive_max_count(1'000'000);
  server_->set_payload_max_length(options_.max_body_bytes);
  server_->set_tcp_nodelay(true);
  auto dispatch = [this](const httplib::Request& req, httplib::Response& res) {
    Dispatch(req, res);
  };
  server_->Get(".*", dispatch);
  server_->Post(".*", dispatch);
  server_->Put(".*", dispatch);
  server_->Delete(".*", dispatch);
  server_->Patch(".*", dispatch);
  server_->Options(".*", dispatch);
  server_->set_error_handler(httplib::Server::HandlerWithResponse([this](
                                                                      const httplib::Request& req,
                                                                      httplib::Response& res) {
    if (!res.has_header("x-ots-requestid")) res.set_header("x-ots-requestid", NewRequestId());
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (StartsWith(req.path, "/admin")) {
      res.set_content(
          R"({"error": "bad_request", "message": "HTTP )" + std::to_string(res.status) + "\"}",
          "application/json");
      return httplib::Server::HandlerResponse::Handled;
    }
    switch (res.status) {
      case 413:
        SetError(res, {413, std::string(errors::kRequestBodyTooLarge), "Request body too large."});
        break;
      case 408:
        SetError(res, {408, std::string(errors::kRequestTimeout), "Request timed out."});
        break;
      default:
        SetError(res, ParameterInvalid("Bad request (HTTP " + std::to_string(res.status) + ")."));
        break;
    }
    return httplib::Server::HandlerResponse::Handled;
  }));
  server_->set_exception_handler(
      [this](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.set_header("x-ots-requestid", NewRequestId());
        SetError(res, {500, "OTSInternalServerError", "Internal error."});
      });
  std::string host = options_.listen_host;
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(host);
    if (port_ <= 0) return base::UnavailableError("cannot listen on " + host + ":0");
  } else {
    if (!server_->bind_to_port(host, options_.port)) {
      return base::UnavailableError("cannot listen on " + host + ":" +
                                    std::to_string(options_.port));
    }
    port_ = options_.port;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return base::Status::Ok();
}

void HttpServer::Stop() {
  stop_.Cancel();
  if (server_) server_->stop();
  // httplib 0.11 lets an idle keep-alive connection hold its worker thread until the
  // keep-alive timeout; shutting those sockets down wakes them, so Stop() is prompt.
  if (port_ > 0) ShutdownConnections(port_);
  if (thread_.joinable()) thread_.join();
}

void HttpServer::Dispatch(const httplib::Request& req, httplib::Response& res) {
  if (req.path == "/admin" || StartsWith(req.path, "/admin/")) {
    HandleAdmin(req, res);
  } else {
    HandleTunnel(req, res);
  }
  if (options_.log_requests) {
    std::fprintf(stderr, "tunnel-emulator: %s %s -> %d\n", req.method.c_str(), req.path.c_str(),
                 res.status);
  }
}

void HttpServer::HandleAdmin(const httplib::Request& req, httplib::Response& res) {
  res.set_header("x-ots-requestid", NewRequestId());
  ControlReply r =
      control_->Handle(req.method, req.target, req.body, req.get_header_value("Authorization"));
  res.status = r.status;
  res.set_content(r.body, r.content_type);
}

void HttpServer::HandleTunnel(const httplib::Request& req, httplib::Response& res) {
  res.set_header("x-ots-requestid", NewRequestId());
  res.set_header("x-ots-date", FormatOtsDate(std::chrono::system_clock::now()));
  if (req.method != "POST") {
    SetError(res, {405, std::string(errors::kMethodNotAllowed),
                   "Method " + req.method + " is not allowed; use POST."});
    return;
  }
  const bool is_tunnel = StartsWith(req.path, "/tunnel/");
  uint64_t detail = 0;
  Fault fault = is_tunnel ? faults_->Next(&detail) : Fault::kNone;
  switch (fault) {
    case Fault::kHttp5xx:
      faults_->Count(fault);
      res.status = (detail & 1) ? 500 : 503;
      res.set_content("tunnel-emulator: injected HTTP " + std::to_string(res.status) + " fault\n",
                      "text/plain");
      return;
    case Fault::kServerUnavailable:
      faults_->Count(fault);
      SetError(res, {503, std::string(errors::kTunnelServerUnavailable),
                     "injected fault: the server is unavailable, retry later"});
      return;
    case Fault::kReset: {
      faults_->Count(fault);
      int fd = FindConnectionSocket(req);
      if (fd >= 0) {
        linger lg{1, 0};  // close() then sends RST
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        shutdown(fd, SHUT_RDWR);
      }
      // Whatever httplib writes now fails; if the socket was not found, abort after headers.
      res.set_content_provider(1, "text/plain",
                               [](size_t, size_t, httplib::DataSink&) { return false; });
      return;
    }
    case Fault::kSlow:
      faults_->Count(fault);
      stop_.WaitUntil(std::chrono::steady_clock::now() + faults_->settings().slow_delay);
      break;
    default:
      break;
  }
  HeaderList headers;
  headers.reserve(req.headers.size());
  for (const auto& [name, value] : req.headers) headers.emplace_back(name, value);
  std::string key_id;
  if (auto e = auth_->Verify(req.path, headers, req.body, &key_id)) {
    SetError(res, *e);
    return;
  }
  std::string_view op = std::string_view(req.path).substr(is_tunnel ? 8 : 0);
  if (!is_tunnel || !TunnelService::IsOperation(op)) {
    SetError(res, ParameterInvalid("Unsupported operation: " + req.path));
    return;
  }
  if (auto e = auth_->CheckPermission(key_id)) {
    SetError(res, *e);
    return;
  }
  std::optional<uint64_t> corrupt;
  if (fault == Fault::kCorrupt) corrupt = detail;
  ServiceReply reply = service_->Handle(op, req.body, corrupt);
  if (reply.corrupted) faults_->Count(Fault::kCorrupt);
  res.status = reply.http_status;
  if (options_.response_md5) res.set_header("x-ots-contentmd5", ContentMd5(reply.body));
  if (fault == Fault::kTruncate && reply.http_status / 100 == 2 && reply.body.size() >= 2) {
    faults_->Count(fault);
    size_t cut = 1 + static_cast<size_t>(detail % (reply.body.size() - 1));
    auto body = std::make_shared<std::string>(std::move(reply.body));
    res.set_content_provider(body->size(), kProtobufType,
                             [body, cut](size_t offset, size_t, httplib::DataSink& sink) {
                               if (offset < cut) sink.write(body->data() + offset, cut - offset);
                               return false;  // the connection closes short of the body
                             });
    return;
  }
  res.set_content(reply.body, kProtobufType);
}

}  // namespace tablestore::tunnel::emulator
