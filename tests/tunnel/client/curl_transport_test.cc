// CurlTransport against real sockets on 127.0.0.1 ephemeral ports: httplib servers (plain
// and TLS with a certificate generated here), a raw socket that resets, a bound port that
// refuses. The only real waits are the client timeouts under test (a few hundred ms).

#include "tunnel/client/curl_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "tablestore/tunnel/tunnel_client.h"
#include "tests/support/test_paths.h"
#include "tests/tunnel/client/client_test_util.h"
#include "tunnel/protocol/signing.h"

namespace tablestore::tunnel {
namespace {

using base::StatusCode;

// An httplib server on an ephemeral loopback port, serving until destroyed.
class LocalServer {
 public:
  explicit LocalServer(std::unique_ptr<httplib::Server> server) : server_(std::move(server)) {
    server_->set_keep_alive_max_count(10'000);
    server_->set_tcp_nodelay(true);  // else Nagle + delayed ACK add 40 ms per response
    server_->Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_header("x-ots-requestid", "srv-1");
      res.set_header("x-remote-port", std::to_string(req.remote_port));
      res.set_header("x-got-header", req.get_header_value("x-ots-test"));
      res.status = req.has_header("x-want-status") ? std::stoi(req.get_header_value("x-want-status"))
                                                   : 200;
      res.set_content(req.body, "application/octet-stream");
    });
    server_->Post("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(2 << 20, 'b'), "application/octet-stream");
    });
    server_->Post("/slow", [this](const httplib::Request&, httplib::Response& res) {
      std::unique_lock<std::mutex> lock(mu_);
      // Held until the test ends (safety bound so a broken test cannot hang forever).
      cv_.wait_for(lock, std::chrono::seconds(30), [this] { return released_; });
      res.set_content("late", "text/plain");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // stop() before the accept loop starts would be lost (httplib), so wait for it. The
    // socket already listens: this is a short spin, not a timing assumption.
    while (port_ > 0 && !server_->is_running()) std::this_thread::yield();
  }
  ~LocalServer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
    server_->stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string Url(const std::string& scheme, const std::string& path) const {
    return scheme + "://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

HttpRequest Post(const std::string& url, std::string body = "payload") {
  HttpRequest r;
  r.url = url;
  r.path = url.substr(url.find('/', 8));
  r.body = std::move(body);
  r.headers.emplace_back("x-ots-test", "v1");
  r.timeout = std::chrono::milliseconds(10'000);
  return r;
}

TEST(CurlTransport, SendsBodyAndHeadersAndReturnsResponse) {
  LocalServer server(std::make_unique<httplib::Server>());
  CurlTransport transport;
  std::string body("\x00\x01binary\xff", 9);
  auto r = transport.Send(Post(server.Url("http", "/echo"), body));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, body);
  ASSERT_NE(FindHeader(r->headers, "X-OTS-RequestId"), nullptr);
  EXPECT_EQ(*FindHeader(r->headers, "x-ots-requestid"), "srv-1");
  EXPECT_EQ(*FindHeader(r->headers, "x-got-header"), "v1");
}

TEST(CurlTransport, Non2xxIsASuccessfulSend) {
  LocalServer server(std::make_unique<httplib::Server>());
  CurlTransport transport;
  HttpRequest req = Post(server.Url("http", "/echo"), "err");
  req.headers.emplace_back("x-want-status", "503");
  auto r = transport.Send(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "err");
}

TEST(CurlTransport, ReusesKeepAliveConnection) {
  LocalServer server(std::make_unique<httplib::Server>());
  CurlTransport transport;
  std::set<std::string> ports;
  for (int i = 0; i < 5; ++i) {
    auto r = transport.Send(Post(server.Url("http", "/echo")));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ports.insert(*FindHeader(r->headers, "x-remote-port"));
  }
  EXPECT_EQ(ports.size(), 1u) << "one TCP connection for sequential requests";
  EXPECT_EQ(transport.connections_opened(), 1);
}

TEST(CurlTransport, OneConnectionPerConcurrentThread) {
  LocalServer server(std::make_unique<httplib::Server>());
  CurlTransport transport;
  constexpr int kThreads = 4;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (transport.Send(Post(server.Url("http", "/echo"))).ok()) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * 25);
  EXPECT_LE(transport.connections_opened(), kThreads);
}

TEST(CurlTransport, TimeoutIsDeadlineExceeded) {
  LocalServer server(std::make_unique<httplib::Server>());
  CurlTransport transport;
  HttpRequest req = Post(server.Url("http", "/slow"));
  req.timeout = std::chrono::milliseconds(300);
  auto r = transport.Send(req);
  ASSERT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_EQ(r.status().GetPayload(kPayloadRequestNotSent), nullptr) << "the request was sent";
  EXPECT_NE(r.status().message().find("request timeout"), std::string::npos);
}

TEST(CurlTransport, ConnectionRefusedIsUnavailableAndNotSent) {
  // A bound but not listening socket: its port refuses connections and nobody else can take
  // it while we hold it.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int port = ntohs(addr.sin_port);

  CurlTransport transport;
  auto r = transport.Send(Post("http://127.0.0.1:" + std::to_string(port) + "/echo"));
  ::close(fd);
  ASSERT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  ASSERT_NE(r.status().GetPayload(kPayloadRequestNotSent), nullptr);
  EXPECT_EQ(*r.status().GetPayload(kPayloadRequestNotSent), "1");
}

TEST(CurlTransport, ResetIsUnavailable) {
  // A raw server that reads the request and closes without answering.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::thread server([fd] {
    int c = ::accept(fd, nullptr, nullptr);
    if (c < 0) return;
    char buf[4096];
    (void)::recv(c, buf, sizeof(buf), 0);
    ::close(c);
  });
  CurlTransport transport;
  auto r = transport.Send(Post("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) +
                               "/echo"));
  server.join();
  ::close(fd);
  ASSERT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_EQ(r.status().GetPayload(kPayloadRequestNotSent), nullptr);
}

TEST(CurlTransport, OversizedResponseIsResourceExhausted) {
  LocalServer server(std::make_unique<httplib::Server>());
  CurlTransportOptions o;
  o.max_response_bytes = 1 << 20;
  CurlTransport transport(o);
  auto r = transport.Send(Post(server.Url("http", "/big")));
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().ToString();
}

TEST(CurlTransport, RejectsHeaderInjection) {
  CurlTransport transport;
  HttpRequest req = Post("http://127.0.0.1:1/echo");
  req.headers.emplace_back("x-ots-ststoken", "SECRETVALUE\r\nEvil: 1");
  auto r = transport.Send(req);
  ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().find("SECRETVALUE"), std::string::npos);
}

// ---- TLS ----

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

// Writes a self-signed certificate for 127.0.0.1/localhost and its key.
void MakeSelfSignedCert(const std::string& cert_path, const std::string& key_path) {
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(EVP_EC_gen("P-256"));
  ASSERT_NE(key, nullptr);
  std::unique_ptr<X509, X509Deleter> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    ASSERT_NE(ext, nullptr);
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  ASSERT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  std::unique_ptr<FILE, FileCloser> cf(std::fopen(cert_path.c_str(), "w"));
  std::unique_ptr<FILE, FileCloser> kf(std::fopen(key_path.c_str(), "w"));
  ASSERT_TRUE(cf && kf);
  ASSERT_EQ(PEM_write_X509(cf.get(), cert.get()), 1);
  ASSERT_EQ(PEM_write_PrivateKey(kf.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
}

class CurlTransportTls : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeSelfSignedCert(dir_.File("cert.pem"), dir_.File("key.pem"));
    auto ssl = std::make_unique<httplib::SSLServer>(dir_.File("cert.pem").c_str(),
                                                    dir_.File("key.pem").c_str());
    ASSERT_TRUE(ssl->is_valid());
    server_ = std::make_unique<LocalServer>(std::move(ssl));
  }
  testing::TempDir dir_;
  std::unique_ptr<LocalServer> server_;
};

TEST_F(CurlTransportTls, VerificationIsOnByDefault) {
  EXPECT_FALSE(CurlTransportOptions{}.insecure_skip_verify);
  EXPECT_FALSE(ClientOptions{}.insecure_skip_verify);
  CurlTransport transport;  // system trust store: our self-signed cert is unknown
  auto r = transport.Send(Post(server_->Url("https", "/echo")));
  ASSERT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  EXPECT_NE(r.status().message().find("TLS"), std::string::npos);
}

TEST_F(CurlTransportTls, CaFileTrustsTheServer) {
  CurlTransportOptions o;
  o.ca_file = dir_.File("cert.pem");
  CurlTransport transport(o);
  auto r = transport.Send(Post(server_->Url("https", "/echo"), "over tls"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "over tls");
}

TEST_F(CurlTransportTls, InsecureSkipVerifyWorksAndWarns) {
  testing::LogCapture capture;
  CurlTransportOptions o;
  o.insecure_skip_verify = true;
  CurlTransport transport(o);
  auto r = transport.Send(Post(server_->Url("https", "/echo"), "x"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::string logs = capture.text();
  EXPECT_NE(logs.find("[warning]"), std::string::npos) << logs;
  EXPECT_NE(logs.find("insecure_skip_verify"), std::string::npos) << logs;
}

TEST_F(CurlTransportTls, MissingCaFileIsFailedPrecondition) {
  CurlTransportOptions o;
  o.ca_file = dir_.File("does-not-exist.pem");
  CurlTransport transport(o);
  EXPECT_EQ(transport.Send(Post(server_->Url("https", "/echo"))).status().code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace tablestore::tunnel
