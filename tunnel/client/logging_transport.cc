#include "tunnel/client/logging_transport.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "tunnel/client/response_parser.h"

namespace tablestore::tunnel {

namespace {

bool IsLogged(std::string_view name) {
  for (std::string_view allowed : kLoggedHeaders) {
    if (name.size() != allowed.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      char c = name[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      same = c == allowed[i];
    }
    if (same) return true;
  }
  return false;
}

}  // namespace

LoggingTransport::LoggingTransport(std::shared_ptr<Transport> inner) : inner_(std::move(inner)) {}

base::Result<HttpResponse> LoggingTransport::Send(const HttpRequest& request) {
  if (!spdlog::should_log(spdlog::level::debug)) return inner_->Send(request);

  std::string headers;
  for (const auto& [name, value] : request.headers) {
    if (!IsLogged(name)) continue;
    if (!headers.empty()) headers += ' ';
    headers += name + '=' + value;
  }
  spdlog::debug("tunnel request: POST {} ({} bytes) {}", request.path, request.body.size(),
                headers);
  auto start = std::chrono::steady_clock::now();
  base::Result<HttpResponse> outcome = inner_->Send(request);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  if (outcome.ok()) {
    std::string request_id = ResponseRequestId(*outcome);
    spdlog::debug("tunnel response: {} HTTP {} ({} bytes, request id {}) in {} ms", request.path,
                  outcome->status, outcome->body.size(),
                  request_id.empty() ? "none" : request_id, ms);
  } else {
    spdlog::debug("tunnel response: {} failed in {} ms: {}", request.path, ms,
                  outcome.status().ToString());
  }
  return outcome;
}

}  // namespace tablestore::tunnel
