#include "tunnel/client/curl_transport.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <string_view>
#include <utility>

namespace tablestore::tunnel {

namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Process lifetime: never paired with curl_global_cleanup (other threads may still use
    // handles while static destructors run).
    curl_global_init(CURL_GLOBAL_DEFAULT);
  });
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

struct ResponseSink {
  HttpResponse* response;
  size_t max_bytes;
  bool too_large = false;
};

size_t WriteBody(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* sink = static_cast<ResponseSink*>(userdata);
  size_t n = size * nmemb;
  if (sink->response->body.size() + n > sink->max_bytes) {
    sink->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  sink->response->body.append(data, n);
  return n;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

size_t WriteHeader(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* sink = static_cast<ResponseSink*>(userdata);
  size_t n = size * nmemb;
  std::string_view line(data, n);
  if (line.substr(0, 5) == "HTTP/") {
    // A new status line (e.g. after "100 Continue"): only the final response's headers count.
    sink->response->headers.clear();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return n;  // blank line or junk
  if (sink->response->headers.size() >= 1000) return n;         // bounded
  sink->response->headers.emplace_back(std::string(Trim(line.substr(0, colon))),
                                       std::string(Trim(line.substr(colon + 1))));
  return n;
}

bool IsTlsError(CURLcode rc) {
  switch (rc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
      return true;
    default:
      return false;
  }
}

bool HasLineBreak(std::string_view s) {
  return s.find('\r') != std::string_view::npos || s.find('\n') != std::string_view::npos ||
         s.find('\0') != std::string_view::npos;
}

}  // namespace

class CurlTransport::Handle {
 public:
  explicit Handle(CURL* c) : curl_(c) {}
  CURL* get() const { return curl_.get(); }

 private:
  CurlPtr curl_;
};

CurlTransport::CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {
  GlobalInitOnce();
  if (options_.insecure_skip_verify) {
    spdlog::warn(
        "TLS certificate verification is DISABLED (insecure_skip_verify): the server's "
        "identity is not checked; use only against test endpoints");
  }
}

CurlTransport::~CurlTransport() = default;

std::unique_ptr<CurlTransport::Handle> CurlTransport::Borrow() {
  {
    base::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Handle> h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
  }
  CURL* c = curl_easy_init();
  if (c == nullptr) return nullptr;
  return std::make_unique<Handle>(c);
}

void CurlTransport::Return(std::unique_ptr<Handle> handle) {
  base::MutexLock lock(&mu_);
  if (idle_.size() < options_.max_idle_handles) idle_.push_back(std::move(handle));
  // Otherwise the handle (and its connection) is closed here.
}

base::Result<HttpResponse> CurlTransport::Send(const HttpRequest& request) {
  std::string where = "POST " + request.url;
  if (HasLineBreak(request.url)) return base::InvalidArgumentError("URL contains a line break");

  SlistPtr headers;
  auto append = [&headers](const std::string& line) -> bool {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next == nullptr) return false;
    (void)headers.release();  // `next` now owns the old list
    headers.reset(next);
    return true;
  };
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value) ||
        name.find(':') != std::string::npos) {
      // The value is not quoted: it may be a token.
      return base::InvalidArgumentError(where + ": header '" +
                                        (HasLineBreak(name) ? std::string("?") : name) +
                                        "' has an invalid name or value");
    }
    if (!append(name + ": " + value)) return base::ResourceExhaustedError("curl_slist_append");
  }
  // No "Expect: 100-continue" round trip; the body type is not significant (§1.1).
  if (!append("Expect:") || !append("Content-Type: application/x-protobuf")) {
    return base::ResourceExhaustedError("curl_slist_append");
  }

  std::unique_ptr<Handle> handle = Borrow();
  if (handle == nullptr) return base::ResourceExhaustedError(where + ": curl_easy_init failed");
  CURL* c = handle->get();
  curl_easy_reset(c);  // keeps live connections and caches

  HttpResponse response;
  ResponseSink sink{&response, options_.max_response_bytes};
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(1, options_.connect_timeout.count())));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(1, request.timeout.count())));
  if (options_.insecure_skip_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  } else {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  }
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!options_.ca_path.empty()) curl_easy_setopt(c, CURLOPT_CAPATH, options_.ca_path.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &WriteHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);

  CURLcode rc = curl_easy_perform(c);

  long new_connections = 0;
  curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &new_connections);
  connections_opened_.fetch_add(new_connections);
  long request_size = 0;
  curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &request_size);
  long http_status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http_status);
  // The handle must not keep pointers into this stack frame.
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  Return(std::move(handle));

  if (rc == CURLE_OK) {
    response.status = static_cast<int>(http_status);
    return response;
  }

  std::string detail = errbuf[0] != '\0' ? std::string(errbuf) : curl_easy_strerror(rc);
  detail += " (curl " + std::to_string(static_cast<int>(rc)) + ")";
  bool not_sent = false;
  base::Status status;
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
      not_sent = true;
      status = base::UnavailableError(where + ": cannot resolve host: " + detail);
      break;
    case CURLE_COULDNT_CONNECT:
      not_sent = true;
      status = base::UnavailableError(where + ": connection failed: " + detail);
      break;
    case CURLE_OPERATION_TIMEDOUT:
      not_sent = request_size == 0;
      status = base::DeadlineExceededError(
          where + (not_sent ? ": connect timeout: " : ": request timeout: ") + detail);
      break;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      status = base::UnavailableError(where + ": connection reset or broken: " + detail);
      break;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      not_sent = true;
      status = base::InvalidArgumentError(where + ": unusable endpoint URL: " + detail);
      break;
    case CURLE_WRITE_ERROR:
      if (sink.too_large) {
        status = base::ResourceExhaustedError(where + ": response body larger than " +
                                              std::to_string(options_.max_response_bytes) +
                                              " bytes");
        break;
      }
      [[fallthrough]];
    default:
      if (IsTlsError(rc)) {
        not_sent = true;
        status = base::FailedPreconditionError(where + ": TLS failure: " + detail);
      } else {
        status = base::UnavailableError(where + ": transfer failed: " + detail);
      }
      break;
  }
  if (not_sent) status.SetPayload(kPayloadRequestNotSent, "1");
  return status;
}

}  // namespace tablestore::tunnel
