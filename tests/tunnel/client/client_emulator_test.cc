// TunnelClient over real HTTP (CurlTransport) against the in-process emulator on an
// ephemeral loopback port.

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>

#include "tablestore/tunnel/tunnel_client.h"
#include "tunnel/emulator/emulator.h"
#include "tunnel/protocol/service_errors.h"

namespace tablestore::tunnel {
namespace {

using base::StatusCode;
using emulator::Emulator;
using emulator::EmulatorOptions;

constexpr char kId[] = "AKIDemulator01";
constexpr char kSecret[] = "EmulatorSecret/0001=";

std::unique_ptr<Emulator> StartEmulator(size_t page_max_records = 1000) {
  EmulatorOptions o;
  o.page_max_records = page_max_records;
  o.keys = {{kId, kSecret, "", std::nullopt}};
  auto emu = Emulator::Start(o);
  EXPECT_TRUE(emu.ok()) << emu.status().ToString();
  return emu.ok() ? std::move(emu).value() : nullptr;
}

std::vector<base::RowChange> Puts(int first, int count) {
  std::vector<base::RowChange> changes;
  for (int i = first; i < first + count; ++i) {
    base::RowChange c;
    c.action = base::ActionType::kPutRow;
    base::Cell pk;
    pk.name = "id";
    pk.value = base::Value::Integer(i);
    c.row.primary_key.push_back(pk);
    base::Cell v;
    v.name = "v";
    v.value = base::Value::String("value-" + std::to_string(i));
    c.row.cells.push_back(v);
    changes.push_back(std::move(c));
  }
  return changes;
}

// Creates table "orders" with `rows` rows and a BaseAndStream tunnel; returns its id.
std::string Prepare(Emulator& emu, TunnelClient& client, int rows) {
  emulator::TableSpec spec;
  spec.name = "orders";
  spec.primary_key = {{"id", base::ValueType::kInteger}};
  spec.partitions = 2;
  EXPECT_TRUE(emu.CreateTable(spec).ok());
  EXPECT_TRUE(emu.ApplyChanges("orders", Puts(0, rows)).ok());
  CreateTunnelRequest req;
  req.table_name = "orders";
  req.tunnel_name = "mirror";
  auto created = client.CreateTunnel(req);
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  return created.ok() ? created->tunnel_id : "";
}

// Connects, takes the channels and reads every base channel to its end, re-reading a page
// from the same token after kDataLoss (design.md rule 8). Returns the records read.
// `during_reads` (may be null) runs before the first ReadRecords and again, with false, after
// the last one.
int ReadAllBaseData(TunnelClient& client, const std::string& tunnel_id, int* data_loss = nullptr,
                    const std::function<void(bool)>& during_reads = nullptr) {
  auto client_id = client.Connect(tunnel_id, std::chrono::seconds(300), "test");
  EXPECT_TRUE(client_id.ok()) << client_id.status().ToString();
  if (!client_id.ok()) return -1;
  std::vector<ChannelState> channels;
  for (int i = 0; i < 5 && channels.empty(); ++i) {
    auto hb = client.Heartbeat(tunnel_id, *client_id, {});
    EXPECT_TRUE(hb.ok()) << hb.status().ToString();
    if (hb.ok()) channels = *hb;
  }
  EXPECT_FALSE(channels.empty());
  std::map<std::string, CheckpointInfo> start;
  for (const ChannelState& ch : channels) {
    auto cp = client.GetCheckpoint(tunnel_id, *client_id, ch.channel_id);
    EXPECT_TRUE(cp.ok()) << cp.status().ToString();
    if (!cp.ok()) return -1;
    start[ch.channel_id] = *cp;
  }
  if (during_reads) during_reads(true);
  int records = 0;
  std::map<std::string, std::string> end;
  for (const ChannelState& ch : channels) {
    std::string token = start[ch.channel_id].token;
    for (int pages = 0; token != "finished" && pages < 10'000; ++pages) {
      auto page = client.ReadRecords(tunnel_id, *client_id, ch.channel_id, token);
      if (!page.ok() && page.status().code() == StatusCode::kDataLoss) {
        if (data_loss != nullptr) ++*data_loss;
        continue;  // same token again
      }
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return -1;
      records += static_cast<int>(page->records.size());
      token = page->next_token;
    }
    end[ch.channel_id] = token;
  }
  if (during_reads) during_reads(false);
  for (const ChannelState& ch : channels) {
    base::Status s = client.Checkpoint(tunnel_id, *client_id, ch.channel_id, end[ch.channel_id],
                                       start[ch.channel_id].sequence_number + 1);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_TRUE(client.Shutdown(tunnel_id, *client_id).ok());
  return records;
}

TEST(TunnelClientEmulator, EveryOperationRoundTrips) {
  auto emu = StartEmulator();
  ASSERT_NE(emu, nullptr);
  TunnelClient client(emu->endpoint(), emu->instance(), kId, kSecret);
  std::string tunnel_id = Prepare(*emu, client, 300);
  ASSERT_FALSE(tunnel_id.empty());

  auto list = client.ListTunnel("orders");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].tunnel_id, tunnel_id);
  EXPECT_EQ((*list)[0].tunnel_type, "BaseAndStream");

  auto described = client.DescribeTunnel("orders", "mirror");
  ASSERT_TRUE(described.ok()) << described.status().ToString();
  EXPECT_EQ(described->tunnel.tunnel_id, tunnel_id);
  EXPECT_GT(described->tunnel.create_time_ns, int64_t{1'000'000'000'000'000'000});

  EXPECT_EQ(ReadAllBaseData(client, tunnel_id), 300);

  CreateTunnelRequest dup;
  dup.table_name = "orders";
  dup.tunnel_name = "mirror";
  auto again = client.CreateTunnel(dup);
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists) << again.status().ToString();
  ASSERT_NE(again.status().GetPayload(kPayloadRequestId), nullptr);

  EXPECT_TRUE(client.DeleteTunnel("orders", "mirror").ok());
  EXPECT_EQ(client.DescribeTunnel("orders", "mirror").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(TunnelClientEmulator, WrongSecretIsUnauthenticated) {
  auto emu = StartEmulator();
  ASSERT_NE(emu, nullptr);
  TunnelClient client(emu->endpoint(), emu->instance(), kId, "not-the-secret");
  auto r = client.ListTunnel("orders");
  ASSERT_EQ(r.status().code(), StatusCode::kUnauthenticated) << r.status().ToString();
  EXPECT_EQ(*r.status().GetPayload(kPayloadServiceCode), "OTSAuthFailed");
  EXPECT_EQ(r.status().message().find("not-the-secret"), std::string::npos);
}

TEST(TunnelClientEmulator, DeniedKeyIsPermissionDenied) {
  auto emu = StartEmulator();
  ASSERT_NE(emu, nullptr);
  emu->SetDeniedKeys({kId});
  TunnelClient client(emu->endpoint(), emu->instance(), kId, kSecret);
  EXPECT_EQ(client.ListTunnel("orders").status().code(), StatusCode::kPermissionDenied);
}

TEST(Credentials, RefreshMidRunAgainstEmulator) {
  // The service rotates keys while a run is in progress; the provider hands out the new
  // ones and the very next request uses them.
  class Switchable final : public CredentialsProvider {
   public:
    base::Result<Credentials> GetCredentials() override {
      Credentials c;
      bool second = use_second.load();
      c.access_key_id = second ? "STS.second" : "STS.first";
      c.access_key_secret = second ? "secret-2" : "secret-1";
      c.security_token = second ? "token-2" : "token-1";
      return c;
    }
    std::atomic<bool> use_second{false};
  };
  auto emu = StartEmulator();
  ASSERT_NE(emu, nullptr);
  int64_t far = emu->NowMs() + 3'600'000;
  emu->SetCredentials({{"STS.first", "secret-1", "token-1", far}});
  auto provider = std::make_shared<Switchable>();
  TunnelClient client(emu->endpoint(), emu->instance(), provider);
  ASSERT_TRUE(client.ListTunnel("orders").ok());

  emu->SetCredentials({{"STS.second", "secret-2", "token-2", far}});
  EXPECT_EQ(client.ListTunnel("orders").status().code(), StatusCode::kUnauthenticated);
  provider->use_second = true;
  auto r = client.ListTunnel("orders");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
}

TEST(TunnelClientEmulator, ReadsEverythingDespiteInjectedFaults) {
  auto emu = StartEmulator(/*page_max_records=*/25);
  ASSERT_NE(emu, nullptr);
  TunnelClient client(emu->endpoint(), emu->instance(), kId, kSecret);
  std::string tunnel_id = Prepare(*emu, client, 2000);
  ASSERT_FALSE(tunnel_id.empty());
  emulator::FaultSettings faults;
  faults.seed = 7;
  faults.http_5xx = 0.05;
  faults.server_unavailable = 0.05;
  faults.reset = 0.03;
  faults.truncate = 0.03;
  faults.corrupt = 0.03;
  int data_loss = 0;
  // Faults only while reading: ReadRecords is retried by the client (5xx, resets) or re-read
  // from its token by the caller (kDataLoss). Connect, for one, must not be repeated blindly.
  int records = ReadAllBaseData(client, tunnel_id, &data_loss, [&](bool on) {
    ASSERT_TRUE(emu->SetFaults(on ? faults : emulator::FaultSettings{}).ok());
  });
  EXPECT_EQ(records, 2000);
  emulator::FaultCounts counts = emu->fault_counts();
  EXPECT_GT(counts.http_5xx + counts.server_unavailable + counts.reset + counts.truncate, 0);
  // A corrupt page parses but fails its CRC: kDataLoss, every time. A truncated body is
  // shorter than its Content-Length: a transport error the client retries by itself.
  EXPECT_GT(counts.corrupt, 0);
  EXPECT_EQ(data_loss, counts.corrupt) << "every corrupt page was caught";
}

}  // namespace
}  // namespace tablestore::tunnel
