// Request verification of the emulator (docs/tunnel-protocol.md §1.3, §2).

#include <gtest/gtest.h>

#include "tests/tunnel/emulator/emulator_test_util.h"

namespace tablestore::tunnel::emulator::testing {
namespace {

std::string ListBody() { return pb::ListTunnelRequest().SerializeAsString(); }

void ExpectError(const RawResponse& r, int status, const std::string& code,
                 const std::string& message_part = "") {
  ASSERT_TRUE(r.transport_ok);
  EXPECT_EQ(r.status, status);
  ASSERT_TRUE(r.has_error) << "error body does not parse as Error";
  EXPECT_EQ(r.error.code(), code);
  EXPECT_FALSE(r.error.has_tunnel_id()) << "Error.tunnel_id breaks the Java SDK";
  EXPECT_FALSE(r.header("x-ots-requestid").empty()) << "errors must carry x-ots-requestid";
  if (!message_part.empty()) {
    EXPECT_NE(r.error.message().find(message_part), std::string::npos) << r.error.message();
  }
}

TEST(Emulator, AcceptsValidSignature) {
  Harness h;
  RawResponse r = h.client->Post("/tunnel/list", ListBody());
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.header("x-ots-requestid").empty());
}

TEST(Emulator, RejectsBadSignature) {
  Harness h;
  SignOptions o;
  o.mutate = [](HeaderList& hl) {
    for (auto& [k, v] : hl) {
      if (k == "x-ots-signature") v = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    }
  };
  ExpectError(h.client->Post("/tunnel/list", ListBody(), o), 403, "OTSAuthFailed", "Signature");
  // Signed with the wrong secret.
  SignOptions wrong;
  wrong.access_key_secret = "not-the-secret";
  ExpectError(h.client->Post("/tunnel/list", ListBody(), wrong), 403, "OTSAuthFailed");
  // An extra x-ots-* header added after signing is covered by the server's signature.
  SignOptions extra;
  extra.mutate = [](HeaderList& hl) { hl.emplace_back("x-ots-tunnel-type", "x"); };
  ExpectError(h.client->Post("/tunnel/list", ListBody(), extra), 403, "OTSAuthFailed");
}

TEST(Emulator, VerifiesEveryReceivedOtsHeader) {
  Harness h;
  // A Java-style extra header that is signed is accepted.
  SignOptions o;
  o.mutate = [](HeaderList& hl) {
    HeaderList without_sig;
    for (auto& kv : hl) {
      if (kv.first != "x-ots-signature") without_sig.push_back(kv);
    }
    without_sig.emplace_back("X-Ots-Sdk-TraceId", "trace-1");
    without_sig.emplace_back("x-ots-signature",
                             SignCanonical(kSk, CanonicalString("/tunnel/list", without_sig)));
    hl = without_sig;
  };
  EXPECT_EQ(h.client->Post("/tunnel/list", ListBody(), o).status, 200);
}

TEST(Emulator, RejectsMissingHeader) {
  Harness h;
  for (std::string name : {"x-ots-date", "x-ots-apiversion", "x-ots-accesskeyid",
                           "x-ots-instancename", "x-ots-contentmd5", "x-ots-signature"}) {
    SignOptions o;
    o.mutate = [name](HeaderList& hl) {
      HeaderList out;
      for (auto& kv : hl) {
        if (kv.first != name) out.push_back(kv);
      }
      hl = out;
    };
    ExpectError(h.client->Post("/tunnel/list", ListBody(), o), 400, "OTSParameterInvalid",
                "Missing header: " + name);
  }
}

TEST(Emulator, RejectsWrongContentMd5) {
  Harness h;
  SignOptions o;
  o.mutate = [](HeaderList& hl) {
    for (auto& [k, v] : hl) {
      if (k == "x-ots-contentmd5") v = ContentMd5("something else");
    }
    HeaderList re;
    for (auto& kv : hl) {
      if (kv.first != "x-ots-signature") re.push_back(kv);
    }
    re.emplace_back("x-ots-signature", SignCanonical(kSk, CanonicalString("/tunnel/list", re)));
    hl = re;
  };
  ExpectError(h.client->Post("/tunnel/list", ListBody(), o), 403, "OTSAuthFailed", "MD5");
}

TEST(Emulator, RejectsUnknownKeyAndInstance) {
  Harness h;
  SignOptions o;
  o.access_key_id = "AKIDunknown";
  ExpectError(h.client->Post("/tunnel/list", ListBody(), o), 403, "OTSAuthFailed");
  SignOptions inst;
  inst.instance = "other-instance";
  ExpectError(h.client->Post("/tunnel/list", ListBody(), inst), 403, "OTSAuthFailed");
}

TEST(Emulator, RejectsExpiredStsToken) {
  EmulatorOptions opts = TestOptions();
  opts.fixed_clock_ms = 1'795'620'000'000;
  Harness h(opts);
  h.emu->SetCredentials({AccessKey{"STS.tmp", "tmp-secret", "token-1", 1'795'620'060'000}});
  SignOptions o;
  o.access_key_id = "STS.tmp";
  o.access_key_secret = "tmp-secret";
  o.sts_token = "token-1";
  EXPECT_EQ(h.client->Post("/tunnel/list", ListBody(), o).status, 200);
  SignOptions bad = o;
  bad.sts_token = "token-2";
  ExpectError(h.client->Post("/tunnel/list", ListBody(), bad), 403, "OTSAuthFailed");
  SignOptions none = o;
  none.sts_token = "";
  ExpectError(h.client->Post("/tunnel/list", ListBody(), none), 403, "OTSAuthFailed");
  h.emu->AdvanceClock(std::chrono::minutes(1));
  ExpectError(h.client->Post("/tunnel/list", ListBody(), o), 403, "OTSAuthFailed", "expired");
  // The old long-term key was replaced.
  ExpectError(h.client->Post("/tunnel/list", ListBody()), 403, "OTSAuthFailed");
}

TEST(Emulator, RejectsSkewedDate) {
  Harness h;
  SignOptions o;
  o.date = FormatOtsDate(std::chrono::system_clock::now() - std::chrono::minutes(16));
  ExpectError(h.client->Post("/tunnel/list", ListBody(), o), 403, "OTSAuthFailed",
              "Mismatch between system time");
  SignOptions bad;
  bad.date = "2024-03-05 14:07:09";
  ExpectError(h.client->Post("/tunnel/list", ListBody(), bad), 400, "OTSParameterInvalid",
              "Invalid date format");
}

TEST(Emulator, AdvancingTheClockNeverBreaksSigning) {
  Harness h;
  h.emu->AdvanceClock(std::chrono::hours(24 * 30));
  EXPECT_EQ(h.client->Post("/tunnel/list", ListBody()).status, 200);
}

TEST(Emulator, AcceptsGoStyleDatesAndBothApiVersions) {
  Harness h;
  // The Go SDK writes month, day and 12-hour hour digits as the "fraction" (§2.2).
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  int hour12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%d%d%dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_mon + 1,
                tm.tm_mday, hour12);
  for (std::string version : {std::string(kApiVersionGo), std::string(kApiVersionJava)}) {
    SignOptions o;
    o.date = buf;
    o.api_version = version;
    EXPECT_EQ(h.client->Post("/tunnel/list", ListBody(), o).status, 200) << buf << " " << version;
  }
  SignOptions nofrac;
  nofrac.date = std::string(buf).substr(0, 19) + "Z";
  EXPECT_EQ(h.client->Post("/tunnel/list", ListBody(), nofrac).status, 200);
  SignOptions other;
  other.api_version = "2099-01-01";
  ExpectError(h.client->Post("/tunnel/list", ListBody(), other), 400, "OTSParameterInvalid");
}

TEST(Emulator, RejectsNonPostWith405) {
  Harness h;
  RawResponse r = h.client->Raw("GET", "/tunnel/list", "");
  ExpectError(r, 405, "OTSMethodNotAllowed");
}

TEST(Emulator, UnknownOperationIsParameterInvalid) {
  Harness h;
  ExpectError(h.client->Post("/tunnel/lockchannel", ""), 400, "OTSParameterInvalid",
              "Unsupported operation");
}

TEST(Emulator, MalformedProtobufIsParameterInvalid) {
  Harness h;
  ExpectError(h.client->Post("/tunnel/connect", std::string("\xff\xff\xff\x0f", 4)), 400,
              "OTSParameterInvalid");
  // Missing required fields.
  ExpectError(h.client->Post("/tunnel/readrecords", ""), 400, "OTSParameterInvalid");
}

TEST(Emulator, PermissionDenied) {
  Harness h;
  h.emu->SetDeniedKeys({kAk});
  ExpectError(h.client->Post("/tunnel/list", ListBody()), 403, "OTSPermissionDenied");
  h.emu->SetDeniedKeys({});
  EXPECT_EQ(h.client->Post("/tunnel/list", ListBody()).status, 200);
}

TEST(Emulator, UnknownTunnelClientAndChannelCodes) {
  Harness h;
  h.CreateTable("orders", 1);
  pb::ConnectRequest c;
  c.set_tunnel_id("no-such-tunnel");
  pb::ConnectResponse cr;
  ExpectError(h.client->Call("connect", c, &cr), 400, "OTSParameterInvalid");
  std::string tunnel = h.CreateTunnel("t", pb::Stream);
  RawResponse hb;
  h.Heartbeat(tunnel, "no-such-client", {}, &hb);
  ExpectError(hb, 410, "OTSResourceGone");
  std::string client_id = h.Connect(tunnel);
  pb::GetCheckpointRequest g;
  g.set_tunnel_id(tunnel);
  g.set_client_id(client_id);
  g.set_channel_id("no-such-channel");
  pb::GetCheckpointResponse gr;
  ExpectError(h.client->Call("getcheckpoint", g, &gr), 400, "OTSParameterInvalid");
  // Duplicate name: 409.
  pb::CreateTunnelRequest dup;
  dup.mutable_tunnel()->set_table_name("orders");
  dup.mutable_tunnel()->set_tunnel_name("t");
  dup.mutable_tunnel()->set_tunnel_type(pb::Stream);
  pb::CreateTunnelResponse dr;
  ExpectError(h.client->Call("create", dup, &dr), 409, "OTSTunnelExist");
  dup.mutable_tunnel()->set_table_name("missing");
  ExpectError(h.client->Call("create", dup, &dr), 400, "OTSParameterInvalid");
}

}  // namespace
}  // namespace tablestore::tunnel::emulator::testing
