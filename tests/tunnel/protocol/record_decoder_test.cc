#include "tunnel/protocol/record_decoder.h"

#include <gtest/gtest.h>

#include "tests/tunnel/protocol/protocol_test_util.h"
#include "tunnel/protocol/plain_buffer.h"

namespace tablestore::tunnel {
namespace {

using base::Cell;
using base::CellOp;
using base::Row;
using base::RowChange;
using base::Value;

Row KeyRow(int64_t id) {
  Row r;
  Cell k;
  k.name = "id";
  k.value = Value::Integer(id);
  r.primary_key.push_back(k);
  return r;
}

Cell Put(std::string name, Value v, int64_t ts) {
  Cell c;
  c.name = std::move(name);
  c.value = std::move(v);
  c.timestamp = ts;
  return c;
}

pb::Record RawRecord(pb::ActionType action, const Row& row) {
  pb::Record r;
  r.set_action_type(action);
  EncodePlainBufferRow(row, r.mutable_record());
  return r;
}

TEST(RecordDecoder, DecodesThePageInOrder) {
  pb::ReadRecordsResponse page;
  page.set_next_token("t");
  Row put = KeyRow(1);
  put.cells.push_back(Put("a", Value::String("x"), 10));
  put.sequence = base::SequenceInfo{1, 2, 3};
  *page.add_records() = RawRecord(pb::PUT_ROW, put);
  Row upd = KeyRow(2);
  Cell del_one;
  del_one.name = "b";
  del_one.timestamp = 5;
  del_one.op = CellOp::kDeleteOneVersion;
  Cell del_all;
  del_all.name = "c";
  del_all.op = CellOp::kDeleteAllVersions;
  upd.cells = {Put("a", Value::Integer(7), 11), del_one, del_all};
  *page.add_records() = RawRecord(pb::UPDATE_ROW, upd);
  Row del = KeyRow(3);
  del.delete_marker = true;
  *page.add_records() = RawRecord(pb::DELETE_ROW, del);

  std::vector<RowChange> out(1);  // appended after what is there
  ASSERT_TRUE(DecodeRecords(page, &out).ok());
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[1].action, base::ActionType::kPutRow);
  EXPECT_EQ(out[1].row, put);
  EXPECT_EQ(out[2].action, base::ActionType::kUpdateRow);
  EXPECT_EQ(out[2].row, upd);
  EXPECT_EQ(out[3].action, base::ActionType::kDeleteRow);
  EXPECT_EQ(out[3].row, del);
  EXPECT_FALSE(out[3].origin.has_value());
}

TEST(RecordDecoder, WorkedExampleIsAValidUpdateRecord) {
  pb::Record r;
  r.set_action_type(pb::UPDATE_ROW);
  r.set_record(testing::Unhex(testing::kWorkedExampleHex));
  auto change = DecodeRecord(r, 0);
  ASSERT_TRUE(change.ok()) << change.status().ToString();
  EXPECT_EQ(change->row.cells.size(), 3u);
  ASSERT_TRUE(change->row.sequence.has_value());
  EXPECT_EQ(change->row.sequence->timestamp, 1700000000123456);
}

TEST(RecordDecoder, RejectsPutCellWithoutTimestampAndAppendsNothing) {
  pb::ReadRecordsResponse page;
  page.set_next_token("t");
  Row good = KeyRow(1);
  good.cells.push_back(Put("a", Value::Integer(1), 1));
  *page.add_records() = RawRecord(pb::PUT_ROW, good);
  Row bad = KeyRow(2);
  bad.cells.push_back(Put("a", Value::Integer(1), 1));
  bad.cells[0].timestamp.reset();
  *page.add_records() = RawRecord(pb::PUT_ROW, bad);
  std::vector<RowChange> out;
  const base::Status s = DecodeRecords(page, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), base::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("record 1"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("'a'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("no timestamp"), std::string::npos) << s.message();
  EXPECT_TRUE(out.empty());
}

TEST(RecordDecoder, EnforcesDeleteCellRules) {
  struct Case {
    CellOp op;
    bool value;
    bool timestamp;
    bool ok;
  };
  const Case cases[] = {
      {CellOp::kPut, true, true, true},
      {CellOp::kPut, false, true, false},
      {CellOp::kDeleteOneVersion, false, true, true},
      {CellOp::kDeleteOneVersion, true, true, false},
      {CellOp::kDeleteOneVersion, false, false, false},
      {CellOp::kDeleteAllVersions, false, false, true},
      {CellOp::kDeleteAllVersions, false, true, false},
      {CellOp::kDeleteAllVersions, true, false, false},
  };
  for (const Case& c : cases) {
    Row row = KeyRow(1);
    Cell cell;
    cell.name = "x";
    cell.op = c.op;
    if (c.value) cell.value = Value::Integer(1);
    if (c.timestamp) cell.timestamp = 9;
    row.cells.push_back(cell);
    auto change = DecodeRecord(RawRecord(pb::UPDATE_ROW, row), 4);
    EXPECT_EQ(change.ok(), c.ok) << base::CellOpName(c.op) << c.value << c.timestamp;
    if (!change.ok()) {
      EXPECT_NE(change.status().message().find("record 4"), std::string::npos);
    }
  }
}

TEST(RecordDecoder, RejectsCorruptPlainBufferNamingTheRecord) {
  pb::Record r;
  r.set_action_type(pb::PUT_ROW);
  std::string bytes = testing::Unhex(testing::kWorkedExampleHex);
  bytes[28] ^= 1;
  r.set_record(bytes);
  auto change = DecodeRecord(r, 12);
  ASSERT_FALSE(change.ok());
  EXPECT_EQ(change.status().code(), base::StatusCode::kDataLoss);
  EXPECT_EQ(change.status().message().rfind("record 12: PlainBuffer: cell checksum", 0), 0u)
      << change.status().message();
}

TEST(RecordDecoder, RejectsEmptyPrimaryKeyButAllowsItInOrigin) {
  Row no_key;
  no_key.cells.push_back(Put("a", Value::Integer(1), 1));
  EXPECT_FALSE(DecodeRecord(RawRecord(pb::PUT_ROW, no_key), 0).ok());

  pb::Record r = RawRecord(pb::UPDATE_ROW, KeyRow(5));
  EncodePlainBufferRow(no_key, r.mutable_origin_record());
  auto change = DecodeRecord(r, 0);
  ASSERT_TRUE(change.ok()) << change.status().ToString();
  ASSERT_TRUE(change->origin.has_value());
  EXPECT_EQ(*change->origin, no_key);
}

TEST(RecordDecoder, EncodeRecordRoundTrips) {
  RowChange change;
  change.action = base::ActionType::kUpdateRow;
  change.row = KeyRow(9);
  change.row.cells.push_back(Put("v", Value::Double(-0.0), 77));
  change.row.sequence = base::SequenceInfo{0, 1, 2};
  change.origin = KeyRow(9);
  const pb::Record wire = EncodeRecord(change);
  EXPECT_EQ(wire.action_type(), pb::UPDATE_ROW);
  auto back = DecodeRecord(wire, 0);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->action, change.action);
  EXPECT_EQ(back->row, change.row);
  EXPECT_EQ(back->origin, change.origin);
}

// A page whose records differ in every way a recycled slot could leak: key size, cell
// count and names, value types, long strings, origin, sequence info, delete marker.
pb::ReadRecordsResponse MixedPage(int64_t base, bool with_extras) {
  pb::ReadRecordsResponse page;
  for (int64_t i = 0; i < 4; ++i) {
    RowChange c;
    c.action = i % 2 == 0 ? base::ActionType::kPutRow : base::ActionType::kUpdateRow;
    c.row = KeyRow(base + i);
    if (with_extras) {
      Cell second;
      second.name = "k2_" + std::to_string(i);
      second.value = Value::String(std::string(40 + static_cast<size_t>(i), 'k'));
      c.row.primary_key.push_back(second);
      c.row.cells.push_back(
          Put("long_" + std::string(20, 'n'), Value::Binary(std::string(64, '\0')), 3));
      c.row.cells.push_back(Put("d", Value::Double(-0.0), 4));
      c.row.sequence = base::SequenceInfo{1, 100 + i, static_cast<int32_t>(i)};
      c.origin = KeyRow(base + i);
    } else if (i == 3) {
      c.action = base::ActionType::kDeleteRow;
      c.row.delete_marker = true;
    } else {
      c.row.cells.push_back(Put("a", Value::Integer(i), 5));
    }
    *page.add_records() = EncodeRecord(c);
  }
  return page;
}

TEST(RecordDecoder, ReusingDecodeEqualsFreshDecodeWhateverTheSlotsHeld) {
  const pb::ReadRecordsResponse big = MixedPage(100, /*with_extras=*/true);
  const pb::ReadRecordsResponse small = MixedPage(200, /*with_extras=*/false);
  for (const auto* first : {&big, &small}) {
    for (const auto* second : {&big, &small}) {
      std::vector<RowChange> recycled;
      ASSERT_TRUE(DecodeRecordsReusing(*first, &recycled).ok());
      ASSERT_TRUE(DecodeRecordsReusing(*second, &recycled).ok());
      std::vector<RowChange> fresh;
      ASSERT_TRUE(DecodeRecords(*second, &fresh).ok());
      ASSERT_EQ(recycled.size(), fresh.size());
      for (size_t i = 0; i < fresh.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(recycled[i].action, fresh[i].action);
        EXPECT_EQ(recycled[i].row, fresh[i].row);
        EXPECT_EQ(recycled[i].row.sequence.has_value(), fresh[i].row.sequence.has_value());
        EXPECT_EQ(recycled[i].origin.has_value(), fresh[i].origin.has_value());
        if (fresh[i].origin) {
          EXPECT_EQ(*recycled[i].origin, *fresh[i].origin);
        }
      }
    }
  }
}

TEST(RecordDecoder, ReusingDecodeEmptiesTheVectorOnError) {
  std::vector<RowChange> recycled;
  ASSERT_TRUE(DecodeRecordsReusing(MixedPage(1, true), &recycled).ok());
  pb::ReadRecordsResponse bad = MixedPage(1, false);
  std::string* bytes = bad.mutable_records(2)->mutable_record();
  (*bytes)[bytes->size() - 1] ^= 0x5a;  // the row checksum
  base::Status s = DecodeRecordsReusing(bad, &recycled);
  EXPECT_EQ(s.code(), base::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("record 2"), std::string::npos) << s.message();
  EXPECT_TRUE(recycled.empty());
}

TEST(RecordDecoder, ReusingDecodeNoticesANameThatDiffersOnlyInItsLastByte) {
  // Names of every length around the 8- and 16-byte boundaries of the fast comparison,
  // recycled into slots holding names of the same length that differ in the last byte.
  auto page_with = [](char last) {
    pb::ReadRecordsResponse page;
    RowChange c;
    c.row = KeyRow(1);
    for (size_t len : {1, 7, 8, 9, 15, 16, 17, 40}) {
      std::string name(len - 1, 'n');
      name.push_back(last);
      c.row.cells.push_back(Put(name, Value::Integer(static_cast<int64_t>(len)), 1));
    }
    *page.add_records() = EncodeRecord(c);
    return page;
  };
  std::vector<RowChange> recycled;
  ASSERT_TRUE(DecodeRecordsReusing(page_with('x'), &recycled).ok());
  ASSERT_TRUE(DecodeRecordsReusing(page_with('y'), &recycled).ok());
  std::vector<RowChange> fresh;
  ASSERT_TRUE(DecodeRecords(page_with('y'), &fresh).ok());
  ASSERT_EQ(recycled.size(), 1u);
  EXPECT_EQ(recycled[0].row, fresh[0].row);
  for (const base::Cell& cell : recycled[0].row.cells) EXPECT_EQ(cell.name.back(), 'y');
}

// The bytes of a varint, for building bodies by hand.
std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

std::string LengthDelimited(uint8_t tag, std::string_view bytes) {
  return std::string(1, static_cast<char>(tag)) + Varint(bytes.size()) + std::string(bytes);
}

TEST(RecordDecoder, ScanReadsASerializedPageInPlace) {
  pb::ReadRecordsResponse page = MixedPage(7, /*with_extras=*/true);
  page.mutable_records(1)->set_latest_record("ignored");
  page.set_next_token("next");
  page.set_may_more_record(false);
  const std::string body = page.SerializeAsString();
  ReadRecordsPageView view;
  ASSERT_TRUE(ScanReadRecordsResponse(body, &view));
  EXPECT_EQ(view.next_token, "next");
  EXPECT_EQ(view.may_more_record, std::optional<bool>(false));
  ASSERT_EQ(view.records.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    const RecordSpan& r = view.records[static_cast<size_t>(i)];
    EXPECT_EQ(r.action, page.records(i).action_type());
    EXPECT_EQ(r.record, page.records(i).record());
    ASSERT_TRUE(r.origin_record.has_value());
    EXPECT_EQ(*r.origin_record, page.records(i).origin_record());
    // In place: the spans point into the body.
    EXPECT_GE(r.record.data(), body.data());
    EXPECT_LE(r.record.data() + r.record.size(), body.data() + body.size());
  }
  std::vector<RowChange> scanned, generated;
  ASSERT_TRUE(DecodeRecordSpansReusing(view.records, &scanned).ok());
  ASSERT_TRUE(DecodeRecords(page, &generated).ok());
  ASSERT_EQ(scanned.size(), generated.size());
  for (size_t i = 0; i < scanned.size(); ++i) {
    EXPECT_EQ(scanned[i].action, generated[i].action);
    EXPECT_EQ(scanned[i].row, generated[i].row);
    EXPECT_EQ(scanned[i].origin, generated[i].origin);
  }

  // A page without records and without may_more_record, and a view reused for it.
  pb::ReadRecordsResponse empty;
  empty.set_next_token("finished");
  const std::string empty_body = empty.SerializeAsString();  // the view points into it
  ASSERT_TRUE(ScanReadRecordsResponse(empty_body, &view));
  EXPECT_TRUE(view.records.empty());
  EXPECT_EQ(view.next_token, "finished");
  EXPECT_FALSE(view.may_more_record.has_value());
}

TEST(RecordDecoder, ScanLeavesEveryOtherEncodingToTheGeneratedParser) {
  const std::string row = RawRecord(pb::PUT_ROW, KeyRow(1)).record();
  const std::string record = "\x08\x01" + LengthDelimited(0x12, row);
  const std::string token = LengthDelimited(0x12, "t");
  const std::string good = LengthDelimited(0x0a, record) + token;
  ReadRecordsPageView view;
  ASSERT_TRUE(ScanReadRecordsResponse(good, &view));

  const std::pair<const char*, std::string> others[] = {
      {"unknown top-level field", good + "\x20\x05"},
      {"next_token twice", good + token},
      {"may_more_record twice", good + "\x18\x01\x18\x00"},
      {"may_more_record 2", good + "\x18\x02"},
      {"may_more_record as two bytes", good + "\x18\x81\x00"},
      {"no next_token", LengthDelimited(0x0a, record)},
      {"tag 0", good + std::string(1, '\0')},
      {"two-byte tag", "\x8a\x00" + Varint(record.size()) + record + token},
      {"overlong length", std::string("\x0a") + "\x80\x80\x80\x80\x80\x01" + record + token},
      {"length past the end", std::string("\x0a\x7f") + record + token},
      {"action 9", LengthDelimited(0x0a, "\x08\x09" + LengthDelimited(0x12, row)) + token},
      {"action as two bytes",
       LengthDelimited(0x0a, "\x08\x81\x00" + LengthDelimited(0x12, row)) + token},
      {"action twice", LengthDelimited(0x0a, "\x08\x01" + record) + token},
      {"record twice", LengthDelimited(0x0a, record + LengthDelimited(0x12, row)) + token},
      {"no action", LengthDelimited(0x0a, LengthDelimited(0x12, row)) + token},
      {"no record", LengthDelimited(0x0a, "\x08\x01") + token},
      {"unknown record field", LengthDelimited(0x0a, record + "\x20\x01") + token},
      {"origin_record twice",
       LengthDelimited(0x0a, record + LengthDelimited(0x1a, "") + LengthDelimited(0x1a, "")) +
           token},
  };
  for (const auto& [what, body] : others) {
    SCOPED_TRACE(what);
    EXPECT_FALSE(ScanReadRecordsResponse(body, &view));
  }
}

}  // namespace
}  // namespace tablestore::tunnel
