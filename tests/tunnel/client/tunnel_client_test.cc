#include "tablestore/tunnel/tunnel_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <set>

#include "base/clock.h"
#include "tests/support/fake_transport.h"
#include "tests/tunnel/client/client_test_util.h"
#include "tunnel/client/response_parser.h"
#include "tunnel/protocol/record_decoder.h"
#include "tunnel/protocol/service_errors.h"
#include "tunnel/protocol/signing.h"

namespace tablestore::tunnel {
namespace {

using base::StatusCode;
using testing::ErrorBody;
using testing::FakeTransport;
using testing::LogCapture;
using testing::RecordingClock;

constexpr char kId[] = "AKIDclienttest01";
constexpr char kSecret[] = "SuperSecret/Value+0001=";
constexpr char kToken[] = "STS-TOKEN-must-not-leak-0001";

struct Fixture {
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  RecordingClock clock;

  ClientOptions Options() {
    ClientOptions o;
    o.transport = transport;
    o.clock = &clock;
    return o;
  }
  std::unique_ptr<TunnelClient> Client(std::shared_ptr<CredentialsProvider> creds = nullptr) {
    if (creds == nullptr) creds = NewStaticCredentialsProvider(kId, kSecret, kToken);
    return std::make_unique<TunnelClient>("http://127.0.0.1:1/", "inst", std::move(creds),
                                          Options());
  }
};

std::string Serialize(const google::protobuf::Message& m) { return m.SerializeAsString(); }

std::string CheckpointBody(const std::string& token, int64_t seq) {
  pb::GetCheckpointResponse r;
  r.set_checkpoint(token);
  r.set_sequence_number(seq);
  return Serialize(r);
}

base::RowChange SampleChange(int64_t id) {
  base::RowChange change;
  change.action = base::ActionType::kPutRow;
  base::Cell pk;
  pk.name = "id";
  pk.value = base::Value::Integer(id);
  change.row.primary_key.push_back(pk);
  base::Cell c;
  c.name = "name";
  c.value = base::Value::String("row-" + std::to_string(id));
  c.timestamp = 1'700'000'000'000;
  change.row.cells.push_back(c);
  return change;
}

std::string PageBody(int records, const std::string& next_token, bool may_more) {
  pb::ReadRecordsResponse page;
  for (int i = 0; i < records; ++i) *page.add_records() = EncodeRecord(SampleChange(i));
  page.set_next_token(next_token);
  page.set_may_more_record(may_more);
  return Serialize(page);
}

// ---- signing, headers, bodies ----

TEST(TunnelClient, SignsEveryAttemptVerifiably) {
  Fixture f;
  std::vector<std::string> trace_ids;
  f.transport->PushResponse(503, ErrorBody("OTSTunnelServerUnavailable", "try again"));
  f.transport->PushResponse(200, CheckpointBody("tok", 3));
  auto client = f.Client();
  auto result = client->GetCheckpoint("tid", "cid", "ch1");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->token, "tok");
  EXPECT_EQ(result->sequence_number, 3);

  auto requests = f.transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  std::regex uuid_v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (const HttpRequest& r : requests) {
    EXPECT_EQ(r.url, "http://127.0.0.1:1/tunnel/getcheckpoint");  // trailing '/' trimmed
    EXPECT_EQ(r.path, "/tunnel/getcheckpoint");
    EXPECT_TRUE(VerifySignature(r.path, r.headers, kSecret));
    EXPECT_FALSE(VerifySignature(r.path, r.headers, "wrong-secret"));
    ASSERT_NE(FindHeader(r.headers, "x-ots-apiversion"), nullptr);
    EXPECT_EQ(*FindHeader(r.headers, "x-ots-apiversion"), "2018-04-01");
    EXPECT_EQ(*FindHeader(r.headers, "x-ots-accesskeyid"), kId);
    EXPECT_EQ(*FindHeader(r.headers, "x-ots-instancename"), "inst");
    EXPECT_EQ(*FindHeader(r.headers, "x-ots-ststoken"), kToken);
    EXPECT_EQ(*FindHeader(r.headers, "x-ots-contentmd5"), ContentMd5(r.body));
    const std::string* trace = FindHeader(r.headers, "x-ots-trace-id");
    ASSERT_NE(trace, nullptr);
    EXPECT_TRUE(std::regex_match(*trace, uuid_v4)) << *trace;
    seen.insert(*trace);
    pb::GetCheckpointRequest body;
    ASSERT_TRUE(body.ParseFromString(r.body));
    EXPECT_EQ(body.tunnel_id(), "tid");
    EXPECT_EQ(body.client_id(), "cid");
    EXPECT_EQ(body.channel_id(), "ch1");
  }
  EXPECT_EQ(seen.size(), 2u) << "a fresh trace id per attempt";
  // The date comes from the clock seam (the FakeClock's wall time after the backoff sleep).
  EXPECT_EQ(*FindHeader(requests[1].headers, "x-ots-date"), FormatOtsDate(f.clock.WallNow()));
}

TEST(Credentials, RefreshMidRun) {
  // A provider whose keys rotate on every call, as a refreshing STS provider's would.
  class Rotating final : public CredentialsProvider {
   public:
    base::Result<Credentials> GetCredentials() override {
      int n = ++calls;
      Credentials c;
      c.access_key_id = "AKIDrotating" + std::to_string(n);
      c.access_key_secret = "secret-" + std::to_string(n);
      c.security_token = "token-" + std::to_string(n);
      return c;
    }
    std::atomic<int> calls{0};
  };
  auto provider = std::make_shared<Rotating>();
  Fixture f;
  f.transport->PushResponse(503, ErrorBody("OTSTunnelServerUnavailable", "a"));
  f.transport->PushError(base::UnavailableError("connection reset"));
  f.transport->PushResponse(200, PageBody(1, "next", false));
  auto client = f.Client(provider);
  auto page = client->ReadRecords("tid", "cid", "ch1", "tok");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  auto requests = f.transport->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(provider->calls.load(), 3);
  for (size_t i = 0; i < requests.size(); ++i) {
    std::string n = std::to_string(i + 1);
    EXPECT_EQ(*FindHeader(requests[i].headers, "x-ots-accesskeyid"), "AKIDrotating" + n);
    EXPECT_EQ(*FindHeader(requests[i].headers, "x-ots-ststoken"), "token-" + n);
    EXPECT_TRUE(VerifySignature(requests[i].path, requests[i].headers, "secret-" + n));
    EXPECT_FALSE(VerifySignature(requests[i].path, requests[i].headers,
                                 "secret-" + std::to_string(i + 2)));
  }
}

TEST(TunnelClient, CredentialsFailureIsNotRetriedAndNotSent) {
  class Failing final : public CredentialsProvider {
   public:
    base::Result<Credentials> GetCredentials() override {
      return base::UnauthenticatedError("credentials command: exited with status 1");
    }
  };
  Fixture f;
  auto client = f.Client(std::make_shared<Failing>());
  auto r = client->ListTunnel("t");
  ASSERT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(f.transport->calls(), 0);
  EXPECT_NE(r.status().message().find("ListTunnel table 't'"), std::string::npos);
}

TEST(TunnelClient, CreateTunnelSendsNanosecondOffsets) {
  Fixture f;
  pb::CreateTunnelResponse resp;
  resp.set_tunnel_id("9933470d-8a5e-4972-a5b0-b7ae6f836460");
  f.transport->PushResponse(200, Serialize(resp));
  f.transport->PushResponse(200, Serialize(resp));
  auto client = f.Client();
  CreateTunnelRequest req;
  req.table_name = "orders";
  req.tunnel_name = "mirror";
  req.stream_start_ms = 1'700'000'000'123;
  req.stream_end_ms = 1'800'000'000'000;
  auto r = client->CreateTunnel(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tunnel_id, "9933470d-8a5e-4972-a5b0-b7ae6f836460");
  req.stream_start_ms = 0;
  req.stream_end_ms = 0;
  req.start_from_earliest = true;
  ASSERT_TRUE(client->CreateTunnel(req).ok());

  auto requests = f.transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  pb::CreateTunnelRequest sent;
  ASSERT_TRUE(sent.ParseFromString(requests[0].body));
  EXPECT_EQ(sent.tunnel().table_name(), "orders");
  EXPECT_EQ(sent.tunnel().tunnel_name(), "mirror");
  EXPECT_EQ(sent.tunnel().tunnel_type(), pb::BaseAndStream);
  EXPECT_EQ(sent.tunnel().stream_tunnel_config().startoffset(), 1'700'000'000'123'000'000ULL);
  EXPECT_EQ(sent.tunnel().stream_tunnel_config().endoffset(), 1'800'000'000'000'000'000ULL);
  EXPECT_FALSE(sent.tunnel().stream_tunnel_config().has_flag());
  ASSERT_TRUE(sent.ParseFromString(requests[1].body));
  EXPECT_FALSE(sent.tunnel().stream_tunnel_config().has_startoffset());
  EXPECT_EQ(sent.tunnel().stream_tunnel_config().flag(), pb::EARLIEST);
}

TEST(TunnelClient, CreateTunnelRejectsBadArgumentsWithoutNetwork) {
  Fixture f;
  auto client = f.Client();
  CreateTunnelRequest req;
  req.table_name = "orders";
  EXPECT_EQ(client->CreateTunnel(req).status().code(), StatusCode::kInvalidArgument);
  req.tunnel_name = "t";
  req.stream_start_ms = -5;
  EXPECT_EQ(client->CreateTunnel(req).status().code(), StatusCode::kInvalidArgument);
  req.stream_start_ms = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(client->CreateTunnel(req).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.transport->calls(), 0);
}

TEST(TunnelClient, DescribeConvertsEveryField) {
  Fixture f;
  pb::DescribeTunnelResponse resp;
  pb::TunnelInfo* t = resp.mutable_tunnel();
  t->set_tunnel_id("tid");
  t->set_tunnel_type("BaseAndStream");
  t->set_table_name("orders");
  t->set_instance_name("inst");
  t->set_stream_id("sid");
  t->set_stage("ProcessStream");
  t->set_expired(true);
  t->set_tunnel_name("mirror");
  t->set_create_time(1'700'000'000'123'456'789);
  pb::ChannelInfo* c = resp.add_channels();
  c->set_channel_id("ch1");
  c->set_channel_type("Stream");
  c->set_channel_status("OPEN");
  c->set_client_id("cid");
  c->set_channel_rpo(1'700'000'000'999'000'000);
  resp.set_tunnel_rpo(1'699'000'000'000'000'000);
  f.transport->PushResponse(200, Serialize(resp));
  auto client = f.Client();
  auto r = client->DescribeTunnel("orders", "mirror");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tunnel.tunnel_id, "tid");
  EXPECT_EQ(r->tunnel.tunnel_type, "BaseAndStream");
  EXPECT_EQ(r->tunnel.stage, "ProcessStream");
  EXPECT_TRUE(r->tunnel.expired);
  EXPECT_EQ(r->tunnel.tunnel_name, "mirror");
  EXPECT_EQ(r->tunnel.instance_name, "inst");
  EXPECT_EQ(r->tunnel.stream_id, "sid");
  EXPECT_EQ(r->tunnel.create_time_ns, 1'700'000'000'123'456'789);
  ASSERT_EQ(r->channels.size(), 1u);
  EXPECT_EQ(r->channels[0].channel_id, "ch1");
  EXPECT_EQ(r->channels[0].channel_type, "Stream");
  EXPECT_EQ(r->channels[0].channel_status, "OPEN");
  EXPECT_EQ(r->channels[0].client_id, "cid");
  EXPECT_EQ(r->channels[0].channel_rpo_ns, 1'700'000'000'999'000'000);
  EXPECT_EQ(r->tunnel_rpo_ns, 1'699'000'000'000'000'000);
}

TEST(TunnelClient, HeartbeatRoundTripsChannels) {
  Fixture f;
  pb::HeartbeatResponse resp;
  pb::Channel* ch = resp.add_channels();
  ch->set_channel_id("ch1");
  ch->set_version(4);
  ch->set_status(pb::CLOSING);
  f.transport->PushResponse(200, Serialize(resp));
  auto client = f.Client();
  auto r = client->Heartbeat("tid", "cid", {{"ch1", 3, ChannelStatus::kOpen},
                                            {"ch2", 7, ChannelStatus::kTerminated}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].channel_id, "ch1");
  EXPECT_EQ((*r)[0].version, 4);
  EXPECT_EQ((*r)[0].status, ChannelStatus::kClosing);
  pb::HeartbeatRequest sent;
  ASSERT_TRUE(sent.ParseFromString(f.transport->requests()[0].body));
  ASSERT_EQ(sent.channels_size(), 2);
  EXPECT_EQ(sent.channels(1).status(), pb::TERMINATED);
  EXPECT_EQ(sent.channels(1).version(), 7);

  // WAIT never goes on the wire.
  EXPECT_EQ(client->Heartbeat("tid", "cid", {{"ch1", 1, ChannelStatus::kWait}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(f.transport->calls(), 1);
}

TEST(TunnelClient, ConnectSendsTimeoutInSeconds) {
  Fixture f;
  pb::ConnectResponse resp;
  resp.set_client_id("client-1");
  f.transport->PushResponse(200, Serialize(resp));
  auto client = f.Client();
  auto r = client->Connect("tid", std::chrono::seconds(300), "host-a");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "client-1");
  pb::ConnectRequest sent;
  ASSERT_TRUE(sent.ParseFromString(f.transport->requests()[0].body));
  EXPECT_EQ(sent.client_config().timeout(), 300);
  EXPECT_EQ(sent.client_config().client_tag(), "host-a");
}

// ---- ReadRecords ----

TEST(TunnelClient, ReadRecordsDecodesPage) {
  Fixture f;
  std::string body = PageBody(3, "next-token", true);
  f.transport->PushResponse(200, body);
  auto client = f.Client();
  auto r = client->ReadRecords("tid", "cid", "ch1", "tok");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->records.size(), 3u);
  EXPECT_EQ(r->records[2].row, SampleChange(2).row);
  EXPECT_EQ(r->next_token, "next-token");
  EXPECT_EQ(r->may_more_record, std::optional<bool>(true));
  EXPECT_EQ(r->wire_bytes, body.size());
}

TEST(TunnelClient, BadPageIsDataLossAndNotRetried) {
  Fixture f;
  pb::ReadRecordsResponse page;
  pb::Record rec = EncodeRecord(SampleChange(1));
  std::string bytes = rec.record();
  bytes[bytes.size() / 2] ^= 0x20;  // flips a checksummed byte
  rec.set_record(bytes);
  *page.add_records() = rec;
  page.set_next_token("n");
  f.transport->PushResponse(200, Serialize(page));
  auto client = f.Client();
  auto r = client->ReadRecords("tid", "cid", "ch1", "tok");
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("ReadRecords channel 'ch1'"), std::string::npos);
  EXPECT_EQ(f.transport->calls(), 1);
}

TEST(TunnelClient, TruncatedPageIsDataLoss) {
  Fixture f;
  std::string body = PageBody(2, "next-token", true);
  f.transport->PushResponse(200, body.substr(0, body.size() - 15));
  auto client = f.Client();
  EXPECT_EQ(client->ReadRecords("tid", "cid", "ch1", "tok").status().code(),
            StatusCode::kDataLoss);
}

// ---- empty bodies ----

TEST(TunnelClient, EmptyBodyAllowedOnlyWhereTheMessageHasNoRequiredFields) {
  Fixture f;
  f.transport->SetHandler([](const HttpRequest&) { return FakeTransport::Response(200, ""); });
  auto client = f.Client();
  EXPECT_TRUE(client->Checkpoint("tid", "cid", "ch1", "tok", 4).ok());
  EXPECT_TRUE(client->Shutdown("tid", "cid").ok());
  EXPECT_TRUE(client->DeleteTunnel("orders", "mirror").ok());
  auto hb = client->Heartbeat("tid", "cid", {});
  ASSERT_TRUE(hb.ok());
  EXPECT_TRUE(hb->empty());
  auto list = client->ListTunnel("orders");
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());

  EXPECT_EQ(client->GetCheckpoint("tid", "cid", "ch1").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(client->ReadRecords("tid", "cid", "ch1", "tok").status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(client->Connect("tid", std::chrono::seconds(300), "x").status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(client->DescribeTunnel("orders", "mirror").status().code(), StatusCode::kDataLoss);
  CreateTunnelRequest req;
  req.table_name = "orders";
  req.tunnel_name = "mirror";
  EXPECT_EQ(client->CreateTunnel(req).status().code(), StatusCode::kDataLoss);
}

TEST(TunnelClient, NonEmptyBodyMustCarryRequiredFields) {
  Fixture f;
  pb::GetCheckpointResponse partial;
  partial.set_checkpoint("tok");  // sequence_number missing
  f.transport->PushResponse(200, partial.SerializePartialAsString());
  auto client = f.Client();
  auto r = client->GetCheckpoint("tid", "cid", "ch1");
  ASSERT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("sequence_number"), std::string::npos)
      << r.status().message();
}

// ---- error mapping ----

struct Mapping {
  int http;
  const char* code;
  const char* message;
  StatusCode expected;
};

TEST(TunnelClient, MapsServiceCodesToStatusCodes) {
  const Mapping cases[] = {
      {403, "OTSAuthFailed", "Signature mismatch.", StatusCode::kUnauthenticated},
      {403, "OTSPermissionDenied", "denied", StatusCode::kPermissionDenied},
      {400, "OTSTunnelExpired", "expired", StatusCode::kOutOfRange},
      {400, "OTSParameterInvalid", "bad", StatusCode::kInvalidArgument},
      {409, "OTSTunnelExist", "exists", StatusCode::kAlreadyExists},
      {410, "OTSResourceGone", "gone", StatusCode::kNotFound},
      {400, "OTSSequenceNumberNotMatch", "seq", StatusCode::kAborted},
      {405, "OTSMethodNotAllowed", "no", StatusCode::kInternal},
      {400, "OTSBrandNewCode", "?", StatusCode::kInternal},
  };
  for (const Mapping& m : cases) {
    Fixture f;
    f.transport->PushResponse(m.http, ErrorBody(m.code, m.message),
                              {{"x-ots-requestid", "rid-42"}});
    auto client = f.Client();
    auto r = client->ReadRecords("tid", "cid", "c1", "tok");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), m.expected) << m.code;
    EXPECT_EQ(f.transport->calls(), 1) << m.code << " must not be retried";
    ASSERT_NE(r.status().GetPayload(kPayloadServiceCode), nullptr);
    EXPECT_EQ(*r.status().GetPayload(kPayloadServiceCode), m.code);
    EXPECT_EQ(*r.status().GetPayload(kPayloadHttpStatus), std::to_string(m.http));
    EXPECT_EQ(*r.status().GetPayload(kPayloadRequestId), "rid-42");
  }
}

TEST(TunnelClient, ErrorMessageNamesOperationCodeMessageAndRequestId) {
  Fixture f;
  f.transport->PushResponse(400, ErrorBody("OTSTunnelExpired", "tunnel data expired"),
                            {{"x-ots-requestid", "X"}});
  auto client = f.Client();
  auto r = client->ReadRecords("tid", "cid", "c1", "tok");
  EXPECT_EQ(r.status().message(),
            "ReadRecords channel 'c1': HTTP 400 OTSTunnelExpired: tunnel data expired "
            "(request id X)");
}

TEST(TunnelClient, TrimmedDataIsOutOfRangeAndNotRetried) {
  Fixture f;
  f.transport->PushResponse(
      503, ErrorBody("OTSTunnelServerUnavailable", std::string(errors::kTrimmedDataMessage)));
  auto client = f.Client();
  auto r = client->ReadRecords("tid", "cid", "c1", "tok");
  ASSERT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(f.transport->calls(), 1);
  EXPECT_EQ(*r.status().GetPayload(kPayloadServiceCode), "OTSTunnelServerUnavailable");
  EXPECT_NE(r.status().message().find("OTSTrimmedDataAccess"), std::string::npos);
}

TEST(TunnelClient, RetriesServerUnavailableThenSucceeds) {
  Fixture f;
  f.transport->PushResponse(503, ErrorBody("OTSTunnelServerUnavailable", "a"));
  f.transport->PushResponse(500, "Internal Server Error");  // raw 5xx body
  f.transport->PushError(base::UnavailableError("connection reset"));
  f.transport->PushError(base::DeadlineExceededError("request timeout"));
  f.transport->PushResponse(200, PageBody(1, "n", false));
  auto client = f.Client();
  auto r = client->ReadRecords("tid", "cid", "c1", "tok");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(f.transport->calls(), 5);
  auto sleeps = f.clock.sleeps();
  ASSERT_EQ(sleeps.size(), 4u);
  int64_t base = 16;  // ReadRecords: 16 ms first, doubling
  for (auto d : sleeps) {
    EXPECT_GE(d.count(), base * 67 / 100 - 1);
    EXPECT_LE(d.count(), base * 133 / 100 + 1);
    base *= 2;
  }
}

TEST(TunnelClient, GivesUpWhenTheBudgetIsSpent) {
  Fixture f;
  f.transport->SetHandler([](const HttpRequest&) {
    return FakeTransport::Response(503, ErrorBody("OTSTunnelServerUnavailable", "down"),
                                   {{"x-ots-requestid", "last"}});
  });
  auto client = f.Client();
  auto start = f.clock.Now();
  auto r = client->DescribeTunnel("orders", "mirror");
  ASSERT_EQ(r.status().code(), StatusCode::kUnavailable);
  auto elapsed = f.clock.Now() - start;
  ClientOptions defaults;
  EXPECT_LE(elapsed, defaults.meta_retry_budget);
  EXPECT_GE(elapsed, defaults.meta_retry_budget - std::chrono::milliseconds(2660));
  // Meta backoff caps at 2 s ± 33%: 35 s takes about 20 attempts.
  EXPECT_GE(f.transport->calls(), 15);
  EXPECT_LE(f.transport->calls(), 40);
  for (auto d : f.clock.sleeps()) EXPECT_LE(d.count(), 2660);
  EXPECT_EQ(*r.status().GetPayload(kPayloadRequestId), "last");
  EXPECT_NE(r.status().message().find("attempts"), std::string::npos) << r.status().message();
}

TEST(TunnelClient, TransportErrorsGiveUpWithAttemptCount) {
  Fixture f;
  f.transport->SetHandler(
      [](const HttpRequest&) { return FakeTransport::Outcome(base::UnavailableError("reset")); });
  ClientOptions o = f.Options();
  o.read_retry_budget = std::chrono::milliseconds(1'000);
  TunnelClient client("http://h", "inst", kId, kSecret, o);
  auto start = f.clock.Now();
  auto r = client.ReadRecords("tid", "cid", "c1", "tok");
  ASSERT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_LE(f.clock.Now() - start, std::chrono::milliseconds(1'000));
  EXPECT_GT(f.transport->calls(), 3);
  EXPECT_NE(r.status().message().find("gave up after"), std::string::npos);
  EXPECT_NE(r.status().message().find("ReadRecords channel 'c1'"), std::string::npos);
}

TEST(TunnelClient, CreateTunnelNotRetriedOnAmbiguousFailure) {
  CreateTunnelRequest req;
  req.table_name = "orders";
  req.tunnel_name = "mirror";
  {
    Fixture f;
    f.transport->PushError(base::UnavailableError("connection reset"));
    auto r = f.Client()->CreateTunnel(req);
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(f.transport->calls(), 1);
  }
  {
    Fixture f;
    f.transport->PushResponse(502, "Bad Gateway");
    auto r = f.Client()->CreateTunnel(req);
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(f.transport->calls(), 1);
  }
  {
    Fixture f;  // provably never sent: safe to repeat
    base::Status refused = base::UnavailableError("connection refused");
    refused.SetPayload(kPayloadRequestNotSent, "1");
    f.transport->PushError(refused);
    pb::CreateTunnelResponse resp;
    resp.set_tunnel_id("t1");
    f.transport->PushResponse(200, Serialize(resp));
    auto r = f.Client()->CreateTunnel(req);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(f.transport->calls(), 2);
  }
}

TEST(TunnelClient, HeartbeatRetriedOnResetButNotOnTimeout) {
  {
    Fixture f;
    f.transport->PushError(base::UnavailableError("connection reset"));
    f.transport->PushResponse(200, "");
    EXPECT_TRUE(f.Client()->Heartbeat("tid", "cid", {}).ok());
    EXPECT_EQ(f.transport->calls(), 2);
  }
  {
    Fixture f;
    f.transport->PushError(base::DeadlineExceededError("request timeout"));
    f.transport->PushResponse(200, "");
    auto r = f.Client()->Heartbeat("tid", "cid", {});
    EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
    EXPECT_EQ(f.transport->calls(), 1);
  }
}

TEST(TunnelClient, CancelStopsRetrying) {
  Fixture f;
  base::CancelToken cancel;
  cancel.Cancel();
  f.transport->SetHandler([](const HttpRequest&) {
    return FakeTransport::Response(503, ErrorBody("OTSTunnelServerUnavailable", "down"));
  });
  ClientOptions o = f.Options();
  o.cancel = &cancel;
  TunnelClient client("http://h", "inst", kId, kSecret, o);
  auto r = client.ReadRecords("tid", "cid", "c1", "tok");
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(f.transport->calls(), 1);
}

TEST(TunnelClient, RawClientErrorIsInternalAndSanitised) {
  Fixture f;
  f.transport->PushResponse(404, std::string("no such\x01\xff path\n", 16));
  auto r = f.Client()->ListTunnel("orders");
  ASSERT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_EQ(f.transport->calls(), 1);
  EXPECT_EQ(r.status().GetPayload(kPayloadServiceCode), nullptr);
  EXPECT_EQ(*r.status().GetPayload(kPayloadHttpStatus), "404");
  for (char c : r.status().message()) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "control byte in message";
  }
}

// ---- secrets ----

TEST(TunnelClient, SecretsNeverInStatusesOrLogs) {
  LogCapture capture;
  Fixture f;
  std::vector<base::Status> statuses;
  f.transport->PushResponse(403, ErrorBody("OTSAuthFailed", "Signature mismatch."));
  f.transport->PushResponse(503, ErrorBody("OTSTunnelServerUnavailable", "down"));
  f.transport->PushError(base::UnavailableError("connection reset"));
  f.transport->PushResponse(200, "garbage-not-protobuf\xff");
  f.transport->SetHandler([](const HttpRequest&) {
    return FakeTransport::Response(500, "Internal Server Error");
  });
  ClientOptions o = f.Options();
  o.meta_retry_budget = std::chrono::milliseconds(500);
  o.read_retry_budget = std::chrono::milliseconds(500);
  TunnelClient client("http://h", "inst", kId, kSecret, kToken, o);
  statuses.push_back(client.ListTunnel("orders").status());
  statuses.push_back(client.GetCheckpoint("tid", "cid", "c1").status());
  statuses.push_back(client.ReadRecords("tid", "cid", "c1", "tok").status());
  statuses.push_back(client.Checkpoint("tid", "cid", "c1", "tok", 1));
  std::string logs = capture.text();
  EXPECT_NE(logs.find("tunnel request: POST /tunnel/list"), std::string::npos) << logs;
  EXPECT_NE(logs.find("x-ots-trace-id="), std::string::npos) << logs;
  for (const base::Status& s : statuses) {
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.ToString().find(kSecret), std::string::npos) << s.ToString();
    EXPECT_EQ(s.ToString().find(kToken), std::string::npos) << s.ToString();
  }
  EXPECT_EQ(logs.find(kSecret), std::string::npos);
  EXPECT_EQ(logs.find(kToken), std::string::npos);
  EXPECT_EQ(logs.find("x-ots-signature"), std::string::npos);
  // The signature itself would let a reader replay the request: never logged.
  for (const HttpRequest& r : f.transport->requests()) {
    EXPECT_EQ(logs.find(*FindHeader(r.headers, "x-ots-signature")), std::string::npos);
  }
}

TEST(Credentials, RedactedShowsOnlyTheIdPrefix) {
  Credentials c;
  c.access_key_id = "AKIDexample0001";
  c.access_key_secret = kSecret;
  EXPECT_EQ(c.Redacted(), "AKID****");
  c.security_token = kToken;
  EXPECT_EQ(c.Redacted(), "AKID**** (sts)");
  c.access_key_id = "AK";
  c.security_token.clear();
  EXPECT_EQ(c.Redacted(), "AK****");
}

}  // namespace
}  // namespace tablestore::tunnel
