// Fault injection (contracts.md §3 PUT /admin/faults): each kind observable.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/tunnel/emulator/emulator_test_util.h"
#include "tunnel/protocol/record_decoder.h"

namespace tablestore::tunnel::emulator::testing {
namespace {

// Sends one signed request over a fresh socket and returns every byte received until the
// server closes the connection (empty when it was reset before answering).
std::string RawExchange(int port, const std::string& instance, const std::string& path,
                        const std::string& body) {
  HeaderList h = SignRequest(SigningInput{path, body, kAk, kSk, "", instance, kApiVersionGo, "",
                                          std::chrono::system_clock::now()});
  std::string req = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : h) req += k + ": " + v + "\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  std::string got;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return got;
}

struct ReadSetup {
  std::string tunnel, client, token;
};

// A BaseData tunnel with a few rows, one open channel and its first token.
ReadSetup SetupRead(Harness& h) {
  h.CreateTable("orders", 1);
  h.Apply({Harness::Put("a", 1), Harness::Put("b", 2), Harness::Put("c", 3)});
  ReadSetup s;
  s.tunnel = h.CreateTunnel("t", pb::BaseData);
  s.client = h.Connect(s.tunnel);
  h.Heartbeat(s.tunnel, s.client);
  s.token = h.GetCheckpoint(s.tunnel, s.client, "BaseData_0").checkpoint();
  return s;
}

FaultSettings Only(double FaultSettings::*rate) {
  FaultSettings f;
  f.seed = 11;
  f.*rate = 1.0;
  f.slow_delay = std::chrono::milliseconds(1);
  return f;
}

TEST(EmulatorFaults, Http5xxIsPlainText) {
  Harness h;
  ASSERT_TRUE(h.emu->SetFaults(Only(&FaultSettings::http_5xx)).ok());
  RawResponse r = h.client->Post("/tunnel/list", "");
  ASSERT_TRUE(r.transport_ok);
  EXPECT_TRUE(r.status == 500 || r.status == 503) << r.status;
  EXPECT_FALSE(r.has_error) << "http_5xx has no Error body";
  EXPECT_FALSE(r.header("x-ots-requestid").empty());
  // Never on /admin.
  int status = 0;
  h.Admin("GET", "/admin/tables", nullptr, &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(h.emu->fault_counts().http_5xx, 1);
}

TEST(EmulatorFaults, ServerUnavailableHasErrorBody) {
  Harness h;
  ASSERT_TRUE(h.emu->SetFaults(Only(&FaultSettings::server_unavailable)).ok());
  RawResponse r = h.client->Post("/tunnel/list", "");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.error.code(), "OTSTunnelServerUnavailable");
}

TEST(EmulatorFaults, ResetClosesTheConnection) {
  Harness h;
  ASSERT_TRUE(h.emu->SetFaults(Only(&FaultSettings::reset)).ok());
  std::string got = RawExchange(h.emu->port(), h.emu->instance(), "/tunnel/list", "");
  EXPECT_TRUE(got.empty()) << "no response bytes expected, got: " << got.substr(0, 80);
  EXPECT_FALSE(h.client->Post("/tunnel/list", "").transport_ok);
  EXPECT_GE(h.emu->fault_counts().reset, 2);
}

TEST(EmulatorFaults, TruncateCutsTheBodyShort) {
  Harness h;
  ReadSetup s = SetupRead(h);
  ASSERT_TRUE(h.emu->SetFaults(Only(&FaultSettings::truncate)).ok());
  pb::ReadRecordsRequest req;
  req.set_tunnel_id(s.tunnel);
  req.set_client_id(s.client);
  req.set_channel_id("BaseData_0");
  req.set_token(s.token);
  std::string got =
      RawExchange(h.emu->port(), h.emu->instance(), "/tunnel/readrecords", req.SerializeAsString());
  size_t end = got.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos) << "headers are sent";
  EXPECT_EQ(got.substr(0, 12), "HTTP/1.1 200");
  size_t cl = got.find("Content-Length: ");
  ASSERT_NE(cl, std::string::npos);
  size_t declared = std::stoul(got.substr(cl + 16));
  size_t received = got.size() - end - 4;
  EXPECT_GE(received, 1u);
  EXPECT_LT(received, declared);
  EXPECT_EQ(h.emu->fault_counts().truncate, 1);
}

TEST(EmulatorFaults, ResponseMd5IsSentUnlessTurnedOff) {
  for (bool md5 : {true, false}) {
    EmulatorOptions o = TestOptions();
    o.response_md5 = md5;
    Harness h(o);
    ReadSetup s = SetupRead(h);
    pb::ReadRecordsResponse page;
    RawResponse r = h.Read(s.tunnel, s.client, "BaseData_0", s.token, &page);
    ASSERT_EQ(r.status, 200);
    EXPECT_GT(page.records_size(), 0);
    EXPECT_EQ(r.header("x-ots-contentmd5"), md5 ? ContentMd5(r.body) : "") << md5;
  }
}

TEST(EmulatorFaults, CorruptFlipsOneCheckedByte) {
  Harness h;
  ReadSetup s = SetupRead(h);
  pb::ReadRecordsResponse clean;
  ASSERT_EQ(h.Read(s.tunnel, s.client, "BaseData_0", s.token, &clean).status, 200);
  ASSERT_TRUE(h.emu->SetFaults(Only(&FaultSettings::corrupt)).ok());
  pb::ReadRecordsResponse bad;
  RawResponse r = h.Read(s.tunnel, s.client, "BaseData_0", s.token, &bad);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("x-ots-contentmd5"), ContentMd5(r.body));
  EXPECT_EQ(bad.next_token(), clean.next_token()) << "tokens are never touched";
  std::vector<base::RowChange> out;
  base::Status st = DecodeRecords(bad, &out);
  EXPECT_EQ(st.code(), base::StatusCode::kDataLoss) << st.ToString();
  // Exactly one byte differs.
  std::string a = clean.SerializeAsString(), b = bad.SerializeAsString();
  ASSERT_EQ(a.size(), b.size());
  int diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff += a[i] != b[i];
  EXPECT_EQ(diff, 1);
  EXPECT_EQ(h.emu->fault_counts().corrupt, 1);
}

// Base pages are copies of records cached with the rows: a corrupt fault flips a byte of
// the page, never of the cache, so the next clean read of the token is the clean page.
TEST(EmulatorFaults, CorruptLeavesCachedRecordsIntact) {
  Harness h;
  ReadSetup s = SetupRead(h);
  RawResponse clean = h.Read(s.tunnel, s.client, "BaseData_0", s.token, nullptr);
  ASSERT_EQ(clean.status, 200);
  ASSERT_TRUE(h.emu->SetFaults(Only(&FaultSettings::corrupt)).ok());
  for (int i = 0; i < 5; ++i) {
    RawResponse bad = h.Read(s.tunnel, s.client, "BaseData_0", s.token, nullptr);
    ASSERT_EQ(bad.status, 200);
    EXPECT_NE(bad.body, clean.body);
  }
  EXPECT_EQ(h.emu->fault_counts().corrupt, 5);
  ASSERT_TRUE(h.emu->SetFaults(FaultSettings{}).ok());
  RawResponse again = h.Read(s.tunnel, s.client, "BaseData_0", s.token, nullptr);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.body, clean.body);
  pb::ReadRecordsResponse page;
  ASSERT_TRUE(page.ParseFromString(again.body));
  std::vector<base::RowChange> out;
  EXPECT_TRUE(DecodeRecords(page, &out).ok());
  EXPECT_EQ(out.size(), 3u);
}

TEST(EmulatorFaults, SlowIsCountedAndAnswered) {
  Harness h;
  ASSERT_TRUE(h.emu->SetFaults(Only(&FaultSettings::slow)).ok());
  EXPECT_EQ(h.client->Post("/tunnel/list", "").status, 200);
  EXPECT_EQ(h.emu->fault_counts().slow, 1);
}

TEST(EmulatorFaults, SeededSequenceIsDeterministic) {
  auto run = [] {
    Harness h;
    FaultSettings f;
    f.seed = 42;
    f.server_unavailable = 0.5;
    EXPECT_TRUE(h.emu->SetFaults(f).ok());
    std::string pattern;
    for (int i = 0; i < 40; ++i)
      pattern += h.client->Post("/tunnel/list", "").status == 200 ? '.' : 'x';
    return pattern;
  };
  std::string first = run();
  EXPECT_EQ(first, run());
  EXPECT_NE(first.find('x'), std::string::npos);
  EXPECT_NE(first.find('.'), std::string::npos);
}

}  // namespace
}  // namespace tablestore::tunnel::emulator::testing
