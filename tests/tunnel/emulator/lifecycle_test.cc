// Tunnel lifecycle through raw protobuf calls: stages, base snapshot, stream, tokens,
// split, scheduling, checkpoints, expiry, trimming (docs/tunnel-protocol.md §5-§7).

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/tunnel/emulator/emulator_test_util.h"
#include "tunnel/emulator/encoded_record.h"
#include "tunnel/protocol/plain_buffer.h"
#include "tunnel/protocol/record_decoder.h"
#include "tunnel/protocol/token.h"

namespace tablestore::tunnel::emulator::testing {
namespace {

std::string IdOf(const base::RowChange& c) { return c.row.primary_key[0].value->bytes; }

std::map<std::string, pb::Channel> ByName(const std::vector<pb::Channel>& v) {
  std::map<std::string, pb::Channel> out;
  for (const auto& c : v) out[c.channel_id()] = c;
  return out;
}

// Reads a channel to its end or until caught up; returns the decoded records and the last
// next_token.
std::vector<base::RowChange> Drain(Harness& h, const std::string& tunnel, const std::string& client,
                                   const std::string& channel, std::string* token) {
  std::vector<base::RowChange> out;
  for (int i = 0; i < 1000; ++i) {
    pb::ReadRecordsResponse page;
    RawResponse r = h.Read(tunnel, client, channel, *token, &page);
    EXPECT_EQ(r.status, 200) << r.error.code() << " " << r.error.message();
    if (r.status != 200) break;
    EXPECT_TRUE(page.has_may_more_record()) << "may_more_record must always be set";
    base::Status s = DecodeRecords(page, &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    *token = page.next_token();
    if (page.next_token() == kFinishedToken || !page.may_more_record()) break;
  }
  return out;
}

TEST(Emulator, BaseThenStreamLifecycle) {
  EmulatorOptions o = TestOptions();
  o.page_max_records = 2;
  Harness h(o);
  h.CreateTable("orders", 2, {"m"});
  h.Apply({Harness::Put("a", 1), Harness::Put("b", 2), Harness::Put("c", 3), Harness::Put("x", 4)});
  std::string tunnel = h.CreateTunnel("t1", pb::BaseAndStream);
  auto d = h.emu->DescribeTunnel(tunnel);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->tunnel().stage(), "InitBaseDataAndStreamShard");
  // Written after creation, before the snapshot: appears in both (§7.2).
  h.Apply({Harness::Update("a", 10)});

  std::string client = h.Connect(tunnel);
  d = h.emu->DescribeTunnel(tunnel);
  EXPECT_EQ(d->tunnel().stage(), "ProcessBaseData");
  auto assigned = ByName(h.Heartbeat(tunnel, client));
  ASSERT_EQ(assigned.size(), 2u);
  ASSERT_TRUE(assigned.count("BaseData_0") && assigned.count("BaseData_1"));
  for (auto& [id, c] : assigned) EXPECT_EQ(c.status(), pb::OPEN);

  std::map<std::string, std::string> cps;
  std::vector<base::RowChange> base_records;
  for (const std::string ch : {"BaseData_0", "BaseData_1"}) {
    pb::GetCheckpointResponse cp = h.GetCheckpoint(tunnel, client, ch);
    EXPECT_EQ(cp.sequence_number(), 0);
    auto content = DecodeToken(cp.checkpoint());
    ASSERT_TRUE(content.ok());
    EXPECT_TRUE(content->iterator().empty());
    EXPECT_TRUE(content->has_primary_key());
    // Re-serving the same token returns the same bytes.
    pb::ReadRecordsResponse p1, p2;
    h.Read(tunnel, client, ch, cp.checkpoint(), &p1);
    h.Read(tunnel, client, ch, cp.checkpoint(), &p2);
    EXPECT_EQ(p1.SerializeAsString(), p2.SerializeAsString());
    std::string token = cp.checkpoint();
    auto recs = Drain(h, tunnel, client, ch, &token);
    EXPECT_EQ(token, kFinishedToken);
    for (const auto& r : recs) {
      EXPECT_EQ(r.action, base::ActionType::kPutRow);
      EXPECT_FALSE(r.row.sequence.has_value()) << "base records carry no sequence info";
      for (const auto& c : r.row.cells) EXPECT_TRUE(c.timestamp.has_value());
    }
    base_records.insert(base_records.end(), recs.begin(), recs.end());
    EXPECT_EQ(h.Checkpoint(tunnel, client, ch, std::string(kFinishedToken), 1).status, 200);
    cps[ch] = kFinishedToken;
  }
  ASSERT_EQ(base_records.size(), 4u);
  EXPECT_EQ(base_records[0].row.cells[0].value->integer, 10) << "snapshot taken at Connect";

  // Stream channels open only once every base channel is TERMINATED.
  auto after_one = ByName(h.Heartbeat(tunnel, client, {Ch("BaseData_0", 2, pb::TERMINATED)}));
  EXPECT_EQ(after_one.count("Stream_0"), 0u);
  auto streams = ByName(h.Heartbeat(
      tunnel, client, {Ch("BaseData_1", 2, pb::TERMINATED), Ch("BaseData_0", 2, pb::TERMINATED)}));
  ASSERT_TRUE(streams.count("Stream_0") && streams.count("Stream_1"));
  EXPECT_EQ(h.emu->DescribeTunnel(tunnel)->tunnel().stage(), "ProcessStream");

  h.Apply({Harness::Put("y", 5), Harness::Delete("b")});
  std::map<std::string, std::string> tokens;
  std::vector<base::RowChange> stream0;
  for (const std::string ch : {"Stream_0", "Stream_1"}) {
    std::string token = h.GetCheckpoint(tunnel, client, ch).checkpoint();
    EXPECT_TRUE(IsStreamToken(token));
    auto recs = Drain(h, tunnel, client, ch, &token);
    EXPECT_NE(token, kFinishedToken);
    for (size_t i = 1; i < recs.size(); ++i) {
      ASSERT_TRUE(recs[i].row.sequence && recs[i - 1].row.sequence);
      EXPECT_TRUE(*recs[i - 1].row.sequence < *recs[i].row.sequence);
    }
    if (ch == "Stream_0") stream0 = recs;
    tokens[ch] = token;
    cps[ch] = token;
  }
  ASSERT_EQ(stream0.size(), 2u);  // update a (before the snapshot), delete b
  EXPECT_EQ(stream0[0].action, base::ActionType::kUpdateRow);
  EXPECT_EQ(stream0[1].action, base::ActionType::kDeleteRow);

  // Idle read: no records, may_more_record false, token still valid.
  pb::ReadRecordsResponse idle;
  EXPECT_EQ(h.Read(tunnel, client, "Stream_1", tokens["Stream_1"], &idle).status, 200);
  EXPECT_EQ(idle.records_size(), 0);
  EXPECT_FALSE(idle.may_more_record());

  // The mirror after everything equals the source.
  auto at = h.emu->RowsAt(tunnel, "orders", cps);
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  auto rows = h.emu->Rows("orders");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*at, *rows);
  // Nothing applied: empty.
  auto none = h.emu->RowsAt(tunnel, "orders", {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // Stream progress with unfinished base channels is impossible.
  auto bad = h.emu->RowsAt(tunnel, "orders", {{"Stream_0", tokens["Stream_0"]}});
  EXPECT_EQ(bad.status().code(), base::StatusCode::kAborted);
  auto unknown = h.emu->RowsAt(tunnel, "orders", {{"Stream_0", "bogus"}});
  EXPECT_EQ(unknown.status().code(), base::StatusCode::kNotFound);
}

// The base snapshot is the table as of the first Connect, although it shares the table's
// rows and their cached records: later writes never show in base pages, a re-served token
// returns identical bytes, and rows_at at a mid-base token is exact.
TEST(Emulator, BaseSnapshotIsIsolatedFromLaterWrites) {
  EmulatorOptions o = TestOptions();
  o.page_max_records = 2;
  Harness h(o);
  h.CreateTable("orders", 1, {});
  h.Apply({Harness::Put("a", 1), Harness::Put("b", 2), Harness::Put("c", 3), Harness::Put("d", 4)});
  std::string tunnel = h.CreateTunnel("t1", pb::BaseData);
  std::string client = h.Connect(tunnel);
  auto before = h.emu->Rows("orders");
  ASSERT_TRUE(before.ok());
  h.Apply({Harness::Update("a", 10), Harness::Delete("b"), Harness::Put("bb", 7),
           Harness::Put("c", 30)});
  auto assigned = ByName(h.Heartbeat(tunnel, client));
  ASSERT_EQ(assigned.count("BaseData_0"), 1u);
  std::string first = h.GetCheckpoint(tunnel, client, "BaseData_0").checkpoint();
  pb::ReadRecordsResponse p1, p2;
  ASSERT_EQ(h.Read(tunnel, client, "BaseData_0", first, &p1).status, 200);
  h.Apply({Harness::Delete("a"), Harness::Put("c", 300)});
  ASSERT_EQ(h.Read(tunnel, client, "BaseData_0", first, &p2).status, 200);
  EXPECT_EQ(p1.SerializeAsString(), p2.SerializeAsString());
  ASSERT_EQ(p1.records_size(), 2);
  EXPECT_TRUE(p1.may_more_record());
  // rows_at after the first page: exactly the first two snapshot rows.
  auto mid = h.emu->RowsAt(tunnel, "orders", {{"BaseData_0", p1.next_token()}});
  ASSERT_TRUE(mid.ok()) << mid.status().ToString();
  ASSERT_EQ(mid->size(), 2u);
  EXPECT_EQ((*mid)[0], (*before)[0]);
  EXPECT_EQ((*mid)[1], (*before)[1]);
  std::string token = first;
  auto recs = Drain(h, tunnel, client, "BaseData_0", &token);
  EXPECT_EQ(token, kFinishedToken);
  std::vector<base::Row> got;
  for (const auto& r : recs) got.push_back(r.row);
  ASSERT_EQ(got.size(), before->size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(IdOf(recs[i]), (*before)[i].primary_key[0].value->bytes);
    ASSERT_EQ(got[i].cells.size(), (*before)[i].cells.size());
    for (size_t k = 0; k < got[i].cells.size(); ++k) {
      EXPECT_EQ(got[i].cells[k].value, (*before)[i].cells[k].value);
    }
  }
  auto all = h.emu->RowsAt(tunnel, "orders", {{"BaseData_0", std::string(kFinishedToken)}});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, *before);
}

TEST(Emulator, PageLimitsAndMayMoreRecord) {
  EmulatorOptions o = TestOptions();
  o.page_max_records = 3;
  Harness h(o);
  h.CreateTable("orders", 1);
  std::vector<base::RowChange> rows;
  for (int i = 0; i < 7; ++i) rows.push_back(Harness::Put("k" + std::to_string(i), i));
  h.Apply(rows);
  std::string tunnel = h.CreateTunnel("t", pb::BaseData);
  std::string client = h.Connect(tunnel);
  h.Heartbeat(tunnel, client);
  std::string token = h.GetCheckpoint(tunnel, client, "BaseData_0").checkpoint();
  std::vector<int> sizes;
  std::vector<bool> more;
  while (token != kFinishedToken) {
    pb::ReadRecordsResponse page;
    ASSERT_EQ(h.Read(tunnel, client, "BaseData_0", token, &page).status, 200);
    sizes.push_back(page.records_size());
    more.push_back(page.may_more_record());
    token = page.next_token();
  }
  EXPECT_EQ(sizes, (std::vector<int>{3, 3, 1}));
  EXPECT_EQ(more, (std::vector<bool>{true, true, false}));
  // Reading with "finished" is refused.
  pb::ReadRecordsResponse page;
  EXPECT_EQ(h.Read(tunnel, client, "BaseData_0", std::string(kFinishedToken), &page).status, 400);
}

TEST(Emulator, HandBuiltPagesEqualProtobufSerialization) {
  base::Row row;
  base::Cell pk;
  pk.name = "id";
  pk.value = base::Value::Integer(1);
  row.primary_key.push_back(pk);
  EncodedRecord rec = EncodeRecordEntry(base::ActionType::kUpdateRow, row);
  std::string page = BuildReadRecordsPage({&rec, &rec}, "next", true);
  pb::ReadRecordsResponse expect;
  for (int i = 0; i < 2; ++i) {
    pb::Record* r = expect.add_records();
    r->set_action_type(pb::UPDATE_ROW);
    r->set_record(std::string(rec.plainbuffer()));
  }
  expect.set_next_token("next");
  expect.set_may_more_record(true);
  EXPECT_EQ(page, expect.SerializeAsString());
}

TEST(Emulator, PartitionSplitFinishesParentBeforeChildren) {
  Harness h;
  h.CreateTable("orders", 1);
  std::string tunnel = h.CreateTunnel("t", pb::Stream);
  std::string client = h.Connect(tunnel);
  auto open = ByName(h.Heartbeat(tunnel, client));
  ASSERT_EQ(open.size(), 1u);
  h.Apply({Harness::Put("b", 1), Harness::Put("y", 2)});
  auto children = h.emu->Split("orders", 0);
  ASSERT_TRUE(children.ok());
  ASSERT_EQ(*children, (std::vector<int>{1, 2}));
  h.Apply({Harness::Put("a", 3), Harness::Put("z", 4), Harness::Update("b", 5)});
  // Children stay closed while the parent is unfinished.
  auto still = ByName(h.Heartbeat(tunnel, client));
  EXPECT_EQ(still.size(), 1u);
  EXPECT_EQ(still.count("Stream_0"), 1u);
  std::string token = h.GetCheckpoint(tunnel, client, "Stream_0").checkpoint();
  auto parent = Drain(h, tunnel, client, "Stream_0", &token);
  EXPECT_EQ(token, kFinishedToken) << "the parent finishes after its last record";
  ASSERT_EQ(parent.size(), 2u);
  EXPECT_EQ(IdOf(parent[0]), "b");
  EXPECT_EQ(IdOf(parent[1]), "y");
  int64_t v = open["Stream_0"].version() + 1;
  auto next = ByName(h.Heartbeat(tunnel, client, {Ch("Stream_0", v, pb::TERMINATED)}));
  ASSERT_TRUE(next.count("Stream_1") && next.count("Stream_2"));
  std::multiset<std::string> seen;
  for (const std::string ch : {"Stream_1", "Stream_2"}) {
    std::string t = h.GetCheckpoint(tunnel, client, ch).checkpoint();
    for (const auto& r : Drain(h, tunnel, client, ch, &t)) seen.insert(IdOf(r));
  }
  EXPECT_EQ(seen, (std::multiset<std::string>{"a", "b", "z"})) << "no record lost or repeated";
  auto tables = h.emu->ListTables();
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].live_partitions, (std::vector<int>{1, 2}));
}

TEST(Emulator, ClientTimeoutReassignsChannels) {
  Harness h;
  h.CreateTable("orders", 2, {"m"});
  std::string tunnel = h.CreateTunnel("t", pb::Stream);
  // Real time: long enough that the heartbeat below reaches the emulator before the client
  // times out even on a loaded machine.
  std::string dying = h.Connect(tunnel, /*timeout_s=*/5);
  ASSERT_EQ(h.Heartbeat(tunnel, dying).size(), 2u);
  std::string survivor = h.Connect(tunnel, 300);
  std::map<std::string, pb::Channel> got;
  std::vector<pb::Channel> report;
  ASSERT_TRUE(PollUntil(
      [&] {
        auto hb = h.Heartbeat(tunnel, survivor, report);
        report = hb;
        got = ByName(hb);
        return got.size() == 2;
      },
      std::chrono::seconds(60)))
      << "the silent client's channels were never reassigned";
  for (auto& [id, c] : got) {
    EXPECT_EQ(c.status(), pb::OPEN);
    EXPECT_GE(c.version(), 3) << "versions increase: assigned, released, reassigned";
  }
  RawResponse gone;
  h.Heartbeat(tunnel, dying, {}, &gone);
  EXPECT_EQ(gone.status, 410);
  EXPECT_EQ(gone.error.code(), "OTSResourceGone");
}

TEST(Emulator, RebalancesWithClosing) {
  Harness h;
  h.CreateTable("orders", 2, {"m"});
  std::string tunnel = h.CreateTunnel("t", pb::Stream);
  std::string a = h.Connect(tunnel);
  auto held = ByName(h.Heartbeat(tunnel, a));
  ASSERT_EQ(held.size(), 2u);
  std::string b = h.Connect(tunnel);
  EXPECT_TRUE(h.Heartbeat(tunnel, b).empty());
  auto a2 = h.Heartbeat(tunnel, a, {held["Stream_0"], held["Stream_1"]});
  pb::Channel closing;
  int n_closing = 0;
  for (const auto& c : a2) {
    if (c.status() == pb::CLOSING) {
      closing = c;
      ++n_closing;
      EXPECT_GT(c.version(), held[c.channel_id()].version());
    }
  }
  ASSERT_EQ(n_closing, 1);
  h.Heartbeat(tunnel, a, {Ch(closing.channel_id(), closing.version() + 1, pb::CLOSE)});
  auto b2 = ByName(h.Heartbeat(tunnel, b));
  ASSERT_EQ(b2.size(), 1u);
  EXPECT_EQ(b2.begin()->first, closing.channel_id());
  EXPECT_GT(b2.begin()->second.version(), closing.version() + 1);
}

TEST(Emulator, ShutdownReleasesChannelsOfAnyClient) {
  Harness h;
  h.CreateTable("orders", 2, {"m"});
  std::string tunnel = h.CreateTunnel("t", pb::Stream);
  std::string old_client = h.Connect(tunnel);
  ASSERT_EQ(h.Heartbeat(tunnel, old_client).size(), 2u);
  std::string fresh = h.Connect(tunnel);
  pb::ShutdownRequest req;
  req.set_tunnel_id(tunnel);
  req.set_client_id(old_client);
  pb::ShutdownResponse resp;
  RawResponse r = h.client->Call("shutdown", req, &resp);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty()) << "empty responses have an empty body";
  EXPECT_EQ(h.Heartbeat(tunnel, fresh).size(), 2u);
  RawResponse gone;
  h.Heartbeat(tunnel, old_client, {}, &gone);
  EXPECT_EQ(gone.status, 410);
}

TEST(Emulator, CheckpointSequenceNumbers) {
  Harness h;
  h.CreateTable("orders", 1);
  std::string tunnel = h.CreateTunnel("t", pb::Stream);
  std::string client = h.Connect(tunnel);
  h.Heartbeat(tunnel, client);
  pb::GetCheckpointResponse cp = h.GetCheckpoint(tunnel, client, "Stream_0");
  EXPECT_EQ(cp.sequence_number(), 0);
  RawResponse r = h.Checkpoint(tunnel, client, "Stream_0", cp.checkpoint(), 2);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error.code(), "OTSSequenceNumberNotMatch");
  EXPECT_EQ(h.Checkpoint(tunnel, client, "Stream_0", cp.checkpoint(), 1).status, 200);
  EXPECT_EQ(h.Checkpoint(tunnel, client, "Stream_0", cp.checkpoint(), 1).error.code(),
            "OTSSequenceNumberNotMatch");
  // The same token again with the next number is accepted (idle channels do this).
  EXPECT_EQ(h.Checkpoint(tunnel, client, "Stream_0", cp.checkpoint(), 2).status, 200);
  EXPECT_EQ(h.GetCheckpoint(tunnel, client, "Stream_0").sequence_number(), 2);
  r = h.Checkpoint(tunnel, client, "Stream_0", "not-a-token", 3);
  EXPECT_EQ(r.error.code(), "OTSParameterInvalid");
  // TERMINATED is accepted whatever the stored token.
  h.Heartbeat(tunnel, client, {Ch("Stream_0", 100, pb::TERMINATED)});
  auto d = h.emu->DescribeTunnel(tunnel);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->channels(0).channel_status(), "TERMINATED");
}

TEST(Emulator, TunnelExpiresWhenBaseUnfinishedPastRetention) {
  Harness h;
  h.CreateTable("orders", 1);
  h.Apply({Harness::Put("a", 1)});
  std::string tunnel = h.CreateTunnel("t", pb::BaseAndStream);
  std::string client = h.Connect(tunnel);
  h.Heartbeat(tunnel, client);
  std::string token = h.GetCheckpoint(tunnel, client, "BaseData_0").checkpoint();
  h.emu->AdvanceClock(std::chrono::hours(24 * 7 + 1));
  RawResponse hb;
  h.Heartbeat(tunnel, client, {}, &hb);
  EXPECT_EQ(hb.error.code(), "OTSTunnelExpired");
  pb::ReadRecordsResponse page;
  EXPECT_EQ(h.Read(tunnel, client, "BaseData_0", token, &page).error.code(), "OTSTunnelExpired");
  pb::ConnectRequest c;
  c.set_tunnel_id(tunnel);
  pb::ConnectResponse cr;
  EXPECT_EQ(h.client->Call("connect", c, &cr).error.code(), "OTSTunnelExpired");
  EXPECT_TRUE(h.emu->DescribeTunnel(tunnel)->tunnel().expired());
}

TEST(Emulator, TrimmedStreamTokenIsServerUnavailable) {
  Harness h;
  h.CreateTable("orders", 1);
  std::string tunnel = h.CreateTunnel("t", pb::Stream);
  std::string client = h.Connect(tunnel);
  h.Heartbeat(tunnel, client);
  std::string token = h.GetCheckpoint(tunnel, client, "Stream_0").checkpoint();
  h.Apply({Harness::Put("a", 1)});
  h.emu->AdvanceClock(std::chrono::hours(24 * 8));
  h.Heartbeat(tunnel, client);  // still alive: heartbeat timeouts use real time
  pb::ReadRecordsResponse page;
  RawResponse r = h.Read(tunnel, client, "Stream_0", token, &page);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.error.code(), "OTSTunnelServerUnavailable");
  EXPECT_NE(r.error.message().find("OTSTrimmedDataAccess"), std::string::npos);
  auto at = h.emu->RowsAt(tunnel, "orders", {{"Stream_0", token}});
  EXPECT_EQ(at.status().code(), base::StatusCode::kNotFound);
}

TEST(Emulator, EndOffsetFinishesStream) {
  EmulatorOptions o = TestOptions();
  o.fixed_clock_ms = 1'795'620'000'000;
  Harness h(o);
  h.CreateTable("orders", 1);
  pb::CreateTunnelRequest req;
  req.mutable_tunnel()->set_table_name("orders");
  req.mutable_tunnel()->set_tunnel_name("t");
  req.mutable_tunnel()->set_tunnel_type(pb::Stream);
  req.mutable_tunnel()->mutable_stream_tunnel_config()->set_endoffset(
      (1'795'620'000'000ULL + 1000) * 1'000'000ULL);
  pb::CreateTunnelResponse resp;
  ASSERT_EQ(h.client->Call("create", req, &resp).status, 200);
  std::string tunnel = resp.tunnel_id();
  std::string client = h.Connect(tunnel);
  h.Heartbeat(tunnel, client);
  h.Apply({Harness::Put("a", 1)});
  h.emu->AdvanceClock(std::chrono::seconds(2));
  h.Apply({Harness::Put("b", 2)});  // after the end offset
  std::string token = h.GetCheckpoint(tunnel, client, "Stream_0").checkpoint();
  auto recs = Drain(h, tunnel, client, "Stream_0", &token);
  EXPECT_EQ(token, kFinishedToken);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(IdOf(recs[0]), "a");
}

TEST(Emulator, ListDescribeDeleteAndRpo) {
  Harness h;
  h.CreateTable("orders", 1);
  std::string tunnel = h.CreateTunnel("t", pb::BaseAndStream);
  pb::ListTunnelRequest lr;
  lr.set_table_name("");
  pb::ListTunnelResponse list;
  ASSERT_EQ(h.client->Call("list", lr, &list).status, 200);
  ASSERT_EQ(list.tunnels_size(), 1);
  EXPECT_EQ(list.tunnels(0).tunnel_type(), "BaseAndStream");
  pb::DescribeTunnelRequest dr;
  dr.set_table_name("orders");
  dr.set_tunnel_name("t");
  pb::DescribeTunnelResponse desc;
  ASSERT_EQ(h.client->Call("describe", dr, &desc).status, 200);
  EXPECT_EQ(desc.tunnel().tunnel_id(), tunnel);
  for (const auto& c : desc.channels()) {
    EXPECT_TRUE(c.has_channel_type());
    EXPECT_TRUE(c.has_channel_status());
  }
  pb::GetRpoRequest rr;
  rr.set_tunnel_id(tunnel);
  pb::GetRpoResponse rpo;
  ASSERT_EQ(h.client->Call("getrpobyoffset", rr, &rpo).status, 200);
  EXPECT_FALSE(nlohmann::json::parse(rpo.rpo_infos(), nullptr, false).is_discarded());
  EXPECT_FALSE(nlohmann::json::parse(rpo.tunnel_rpo_infos(), nullptr, false).is_discarded());
  EXPECT_EQ(rpo.tunnel_id(), tunnel);
  pb::DeleteTunnelRequest del;
  del.set_table_name("orders");
  del.set_tunnel_name("t");
  pb::DeleteTunnelResponse delr;
  RawResponse r = h.client->Call("delete", del, &delr);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(h.client->Call("describe", dr, &desc).status, 400);
}

TEST(Emulator, StopClosesIdleConnections) {
  Harness h;
  RawClient idle(h.emu->port(), h.emu->instance());
  ASSERT_EQ(idle.Post("/tunnel/list", "").status, 200);
  h.emu->Stop();  // must not wait for the idle keep-alive connection to time out
  EXPECT_FALSE(idle.Post("/tunnel/list", "").transport_ok);
}

}  // namespace
}  // namespace tablestore::tunnel::emulator::testing
