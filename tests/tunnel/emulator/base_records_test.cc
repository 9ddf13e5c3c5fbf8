// Base records encoded at write time (tunnel/emulator/row_store.h StoredRow::base_record):
// the cached bytes are the record the old serve-time path encoded, writes replace rather
// than mutate them, and base pages assembled from them are the bytes protobuf serializes.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/tunnel/emulator/emulator_test_util.h"
#include "tunnel/emulator/encoded_record.h"
#include "tunnel/emulator/row_store.h"
#include "tunnel/protocol/plain_buffer.h"
#include "tunnel/protocol/record_decoder.h"
#include "tunnel/protocol/token.h"

namespace tablestore::tunnel::emulator::testing {
namespace {

using base::ActionType;
using base::CellOp;
using base::Value;

base::Cell PkCell(const std::string& name, Value v) {
  base::Cell c;
  c.name = name;
  c.value = std::move(v);
  return c;
}

// Without `ts` the emulator stamps the cell when it is written.
base::Cell PutCell(const std::string& name, Value v, std::optional<int64_t> ts = std::nullopt) {
  base::Cell c;
  c.name = name;
  c.value = std::move(v);
  c.timestamp = ts;
  return c;
}

base::Cell DeleteCell(const std::string& name, CellOp op, std::optional<int64_t> ts) {
  base::Cell c;
  c.name = name;
  c.op = op;
  c.timestamp = ts;
  return c;
}

base::Row KeyRow(const std::string& id, int64_t seq) {
  base::Row row;
  row.primary_key = {PkCell("id", Value::String(id)), PkCell("seq", Value::Integer(seq))};
  return row;
}

// The record the serve-time path encoded for a snapshot row before records were cached.
std::string OldPathRecord(const RowStore& store, const PrimaryKey& key, const StoredRow& row) {
  return EncodeRecordEntry(ActionType::kPutRow, store.ToRow(key, row)).wire;
}

void ExpectCachedRecordsMatchOldPath(const RowStore& store) {
  for (const auto& [key, row] : store.rows()) {
    ASSERT_FALSE(row->base_record.wire.empty());
    EXPECT_EQ(row->base_record.wire, OldPathRecord(store, key, *row));
    base::Row decoded;
    base::Status s =
        DecodePlainBufferRow(row->base_record.plainbuffer(), PlainBufferContext::kRecord, &decoded);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(decoded, store.ToRow(key, *row));
    EXPECT_FALSE(decoded.sequence.has_value()) << "base records carry no sequence info";
  }
}

TEST(EmulatorRowStore, EveryWriteEncodesTheRowsBaseRecord) {
  RowStore store({"id", "seq"}, RowStore::BaseRecords::kEncode);
  base::Row a = KeyRow("a", 1);
  // Out of name order, and one column twice: the stored row keeps the newer version.
  a.cells = {PutCell("z", Value::Double(2.5), 10), PutCell("b", Value::Boolean(true), 10),
             PutCell("m", Value::String("old"), 10), PutCell("m", Value::String("new"), 11),
             PutCell("x", Value::Binary(std::string("\0\xff", 2)), 10)};
  store.Apply(ActionType::kPutRow, a);
  base::Row b = KeyRow("b", -7);
  b.cells = {PutCell("qty", Value::Integer(3), 10)};
  store.Apply(ActionType::kPutRow, b);
  ExpectCachedRecordsMatchOldPath(store);

  base::Row u = KeyRow("a", 1);
  u.cells = {PutCell("qty", Value::Integer(9), 12), DeleteCell("z", CellOp::kDeleteAllVersions, {}),
             DeleteCell("b", CellOp::kDeleteOneVersion, 10)};
  store.Apply(ActionType::kUpdateRow, u);
  base::Row created = KeyRow("c", 0);  // an update creating a row
  created.cells = {PutCell("note", Value::String(""), 12)};
  store.Apply(ActionType::kUpdateRow, created);
  store.Apply(ActionType::kDeleteRow, KeyRow("b", -7));
  ASSERT_EQ(store.size(), 2u);
  ExpectCachedRecordsMatchOldPath(store);
  std::vector<std::string> names;
  for (const StoredCell& c : store.rows().begin()->second->cells) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"m", "qty", "x"}));
}

TEST(EmulatorRowStore, WritesReplaceRowsAndTheirRecords) {
  RowStore store({"id", "seq"}, RowStore::BaseRecords::kEncode);
  base::Row a = KeyRow("a", 1);
  a.cells = {PutCell("qty", Value::Integer(1), 10)};
  store.Apply(ActionType::kPutRow, a);
  StoredRowPtr held = store.rows().begin()->second;  // as a base snapshot holds it
  const std::string before = held->base_record.wire;
  base::Row u = KeyRow("a", 1);
  u.cells = {PutCell("qty", Value::Integer(2), 11)};
  store.Apply(ActionType::kUpdateRow, u);
  EXPECT_EQ(held->base_record.wire, before);
  EXPECT_NE(store.rows().begin()->second->base_record.wire, before);
  ExpectCachedRecordsMatchOldPath(store);
}

TEST(EmulatorRowStore, WithoutEncodingRecordsStayEmpty) {
  RowStore store({"id", "seq"});
  base::Row a = KeyRow("a", 1);
  a.cells = {PutCell("qty", Value::Integer(1), 10)};
  store.Apply(ActionType::kPutRow, a);
  EXPECT_TRUE(store.rows().begin()->second->base_record.wire.empty());
}

base::RowChange Change(ActionType action, base::Row row) {
  base::RowChange c;
  c.action = action;
  c.row = std::move(row);
  return c;
}

// Base pages over HTTP, written before and after the snapshot: each body is exactly what
// protobuf serializes for the snapshot's rows (as /rows dumped them at Connect), the real
// parser reads it back identically, and tokens name the next snapshot row.
TEST(Emulator, BasePagesAreProtobufPagesOfTheSnapshotRows) {
  EmulatorOptions o = TestOptions();
  o.page_max_records = 3;
  Harness h(o);
  TableSpec spec;
  spec.name = "t";
  spec.primary_key = {{"id", base::ValueType::kString}, {"seq", base::ValueType::kInteger}};
  spec.partitions = 2;
  spec.split_points = {Value::String("m")};
  ASSERT_TRUE(h.emu->CreateTable(spec).ok());
  std::vector<base::RowChange> writes;
  for (int i = 0; i < 11; ++i) {
    base::Row r = KeyRow(std::string(1, static_cast<char>('a' + 2 * i)), i - 5);
    r.cells = {PutCell("amount", Value::Integer(i * 1000)),
               PutCell("score", Value::Double(i / 3.0)),
               PutCell("active", Value::Boolean(i % 2 == 0)),
               PutCell("note", Value::String("note " + std::to_string(i))),
               PutCell("payload", Value::Binary(std::string(static_cast<size_t>(i), '\x01')))};
    writes.push_back(Change(ActionType::kPutRow, std::move(r)));
  }
  base::Row upd = KeyRow("c", -4);
  upd.cells = {PutCell("qty", Value::Integer(5)),
               DeleteCell("note", CellOp::kDeleteAllVersions, {})};
  writes.push_back(Change(ActionType::kUpdateRow, std::move(upd)));
  writes.push_back(Change(ActionType::kDeleteRow, KeyRow("e", -3)));
  ASSERT_TRUE(h.emu->ApplyChanges("t", std::move(writes)).ok());

  std::string tunnel = h.CreateTunnel("t1", pb::BaseData, "t");
  std::string client = h.Connect(tunnel);
  auto snapshot = h.emu->Rows("t");
  ASSERT_TRUE(snapshot.ok());
  ASSERT_EQ(snapshot->size(), 10u);
  // After the snapshot: an update, a delete and a new row never show in base pages.
  base::Row late_upd = KeyRow("a", -5);
  late_upd.cells = {PutCell("amount", Value::Integer(-1))};
  base::Row late_put = KeyRow("b", 0);
  late_put.cells = {PutCell("amount", Value::Integer(1))};
  ASSERT_TRUE(h.emu
                  ->ApplyChanges("t", {Change(ActionType::kUpdateRow, std::move(late_upd)),
                                       Change(ActionType::kDeleteRow, KeyRow("g", -2)),
                                       Change(ActionType::kPutRow, std::move(late_put))})
                  .ok());

  h.Heartbeat(tunnel, client);
  size_t next = 0;  // index into *snapshot: partitions are key ranges, channels in order
  for (const char* channel : {"BaseData_0", "BaseData_1"}) {
    std::string token = h.GetCheckpoint(tunnel, client, channel).checkpoint();
    int64_t in_channel = 0;
    for (int guard = 0; token != kFinishedToken && guard < 100; ++guard) {
      pb::ReadRecordsResponse page;
      RawResponse r = h.Read(tunnel, client, channel, token, &page);
      ASSERT_EQ(r.status, 200) << r.error.code() << " " << r.error.message();
      EXPECT_EQ(page.SerializeAsString(), r.body) << "the parser reads the body identically";
      pb::ReadRecordsResponse expect;
      for (int k = 0; k < page.records_size(); ++k) {
        ASSERT_LT(next + static_cast<size_t>(k), snapshot->size());
        pb::Record* rec = expect.add_records();
        rec->set_action_type(pb::PUT_ROW);
        EncodePlainBufferRow((*snapshot)[next + static_cast<size_t>(k)], rec->mutable_record());
      }
      expect.set_next_token(page.next_token());
      expect.set_may_more_record(page.may_more_record());
      EXPECT_EQ(r.body, expect.SerializeAsString());
      next += static_cast<size_t>(page.records_size());
      in_channel += page.records_size();
      token = page.next_token();
      if (token != kFinishedToken) {
        auto content = DecodeToken(token);
        ASSERT_TRUE(content.ok());
        ASSERT_LT(next, snapshot->size());
        base::Row key_only;
        key_only.primary_key = (*snapshot)[next].primary_key;
        std::string pk;
        EncodePlainBufferRow(key_only, &pk);
        EXPECT_EQ(content->primary_key(), pk);
        EXPECT_EQ(content->total_count(), in_channel);
      }
    }
    EXPECT_EQ(token, kFinishedToken);
  }
  EXPECT_EQ(next, snapshot->size());
  auto all = h.emu->RowsAt(
      tunnel, "t",
      {{"BaseData_0", std::string(kFinishedToken)}, {"BaseData_1", std::string(kFinishedToken)}});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, *snapshot);
}

}  // namespace
}  // namespace tablestore::tunnel::emulator::testing
