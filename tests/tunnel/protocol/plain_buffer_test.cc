#include "tunnel/protocol/plain_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "tests/tunnel/protocol/protocol_test_util.h"
#include "tunnel/protocol/crc8.h"
#include "tunnel/protocol/plain_buffer_internal.h"

namespace tablestore::tunnel {
namespace {

using base::Cell;
using base::CellOp;
using base::Row;
using base::Value;
using testing::Hex;
using testing::kWorkedExampleHex;
using testing::Unhex;

void PutU32(std::string* s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*s)[at + i] = static_cast<char>(v >> (8 * i));
}

Cell PkCell(std::string name, Value v) {
  Cell c;
  c.name = std::move(name);
  c.value = std::move(v);
  return c;
}

Cell AttrCell(std::string name, std::optional<Value> v, std::optional<int64_t> ts,
              CellOp op = CellOp::kPut) {
  Cell c;
  c.name = std::move(name);
  c.value = std::move(v);
  c.timestamp = ts;
  c.op = op;
  return c;
}

Row WorkedExampleRow() {
  Row r;
  r.primary_key.push_back(PkCell("id", Value::Integer(1)));
  r.cells.push_back(AttrCell("c", Value::String("v"), 1700000000000));
  r.cells.push_back(AttrCell("d", std::nullopt, 1699999999000, CellOp::kDeleteOneVersion));
  r.cells.push_back(AttrCell("e", std::nullopt, std::nullopt, CellOp::kDeleteAllVersions));
  r.sequence = base::SequenceInfo{0, 1700000000123456, 0};
  return r;
}

base::Status DecodeRecord(std::string_view bytes) {
  base::Row row;
  return DecodePlainBufferRow(bytes, PlainBufferContext::kRecord, &row);
}

// --- §8.6 worked example -------------------------------------------------------------

TEST(PlainBufferDecoder, DecodesTheWorkedExample) {
  const std::string bytes = Unhex(kWorkedExampleHex);
  ASSERT_EQ(bytes.size(), 121u);
  auto rows = DecodePlainBuffer(bytes, PlainBufferContext::kRecord);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1u);
  const Row& r = rows->front();
  EXPECT_EQ(r, WorkedExampleRow());
  EXPECT_EQ(r.primary_key[0].checksum, 0x0a);
  EXPECT_EQ(r.cells[0].checksum, 0x3b);
  EXPECT_EQ(r.cells[1].checksum, 0x81);
  EXPECT_EQ(r.cells[2].checksum, 0xb3);
  EXPECT_EQ(r.checksum, 0xee);
  EXPECT_FALSE(r.delete_marker);
}

TEST(PlainBufferEncoder, EncodesTheWorkedExampleByteForByte) {
  EXPECT_EQ(Hex(EncodePlainBuffer({WorkedExampleRow()})), kWorkedExampleHex);
  std::string out = "prefix";
  EncodePlainBufferRow(WorkedExampleRow(), &out);
  EXPECT_EQ(Hex(out.substr(6)), kWorkedExampleHex);
}

TEST(PlainBufferEncoder, ChecksumsFollowTheWorkedExampleTraces) {
  const Row r = WorkedExampleRow();
  EXPECT_EQ(CellChecksum(r.primary_key[0]), 0x0a);
  EXPECT_EQ(CellChecksum(r.cells[0]), 0x3b);
  EXPECT_EQ(CellChecksum(r.cells[1]), 0x81);  // timestamp fed before the cell type
  EXPECT_EQ(CellChecksum(r.cells[2]), 0xb3);
  EXPECT_EQ(RowChecksum(r), 0xee);
  Row marked = r;
  marked.delete_marker = true;
  EXPECT_NE(RowChecksum(marked), RowChecksum(r));  // the marker byte is fed
  Row no_ext = r;
  no_ext.sequence.reset();
  EXPECT_EQ(RowChecksum(no_ext), RowChecksum(r));  // the extension is not
}

TEST(PlainBufferDecoder, NamesCellChecksumMismatchAndOffset) {
  std::string bytes = Unhex(kWorkedExampleHex);
  bytes[28] = 0x0b;
  auto rows = DecodePlainBuffer(bytes, PlainBufferContext::kRecord);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), base::StatusCode::kDataLoss);
  EXPECT_EQ(rows.status().message(),
            "PlainBuffer: cell checksum mismatch at offset 27 (stored 0x0b, computed 0x0a)");
}

TEST(PlainBufferDecoder, NamesRowChecksumMismatchAndOffset) {
  std::string bytes = Unhex(kWorkedExampleHex);
  bytes[120] = 0x00;
  const base::Status s = DecodeRecord(bytes);
  EXPECT_EQ(s.message(),
            "PlainBuffer: row checksum mismatch at offset 119 (stored 0x00, computed 0xee)");
}

// --- Malformed input -----------------------------------------------------------------

TEST(PlainBufferDecoder, RejectsEveryTruncation) {
  const std::string bytes = Unhex(kWorkedExampleHex);
  for (size_t n = 0; n < bytes.size(); ++n) {
    SCOPED_TRACE(n);
    // A fresh copy of exactly n bytes, so a sanitizer sees any read past the end.
    const std::string prefix = bytes.substr(0, n);
    for (auto ctx : {PlainBufferContext::kRecord, PlainBufferContext::kOriginRecord,
                     PlainBufferContext::kRequest}) {
      auto rows = DecodePlainBuffer(prefix, ctx);
      ASSERT_FALSE(rows.ok());
      EXPECT_EQ(rows.status().code(), base::StatusCode::kDataLoss);
      EXPECT_NE(rows.status().message().find("at offset"), std::string::npos);
    }
  }
}

TEST(PlainBufferDecoder, RejectsEveryByteFlipOutsideTheExtension) {
  // CRC-8 catches every single-byte error in checksummed bytes, and structure checks catch
  // the rest; only the sequence-info values (offsets 90..118) are not covered.
  const std::string bytes = Unhex(kWorkedExampleHex);
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      SCOPED_TRACE(::testing::Message() << "offset " << i << " mask " << int{mask});
      std::string flipped = bytes;
      flipped[i] = static_cast<char>(flipped[i] ^ mask);
      auto rows = DecodePlainBuffer(flipped, PlainBufferContext::kRecord);
      if (rows.ok()) {
        EXPECT_GE(i, 90u);
        EXPECT_LT(i, 119u);
        Row expected = WorkedExampleRow();
        expected.sequence = rows->front().sequence;
        EXPECT_EQ(rows->front(), expected);
      } else {
        EXPECT_EQ(rows.status().code(), base::StatusCode::kDataLoss);
      }
    }
  }
}

TEST(PlainBufferDecoder, RejectsHugeNameLength) {
  std::string bytes = Unhex(kWorkedExampleHex);
  for (uint32_t len : {0xffffffffu, 0x80000000u, 0x7fffffffu, 122u}) {
    PutU32(&bytes, 7, len);  // name length of the first cell
    const base::Status s = DecodeRecord(bytes);
    EXPECT_EQ(s.code(), base::StatusCode::kDataLoss);
    EXPECT_NE(s.message().find("cell name length"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("at offset 7"), std::string::npos) << s.message();
  }
}

TEST(PlainBufferDecoder, RejectsLengthPastEnd) {
  std::string bytes = Unhex(kWorkedExampleHex);
  PutU32(&bytes, 38, 0xffffffffu);  // value length of cell "c"
  base::Status s = DecodeRecord(bytes);
  EXPECT_NE(s.message().find("cell value length 4294967295 out of range at offset 38"),
            std::string::npos)
      << s.message();

  bytes = Unhex(kWorkedExampleHex);
  PutU32(&bytes, 43, 20);  // string length of cell "c": inside the buffer, past value_len
  s = DecodeRecord(bytes);
  EXPECT_NE(s.message().find("does not match"), std::string::npos) << s.message();
  PutU32(&bytes, 43, 0xfffffff0u);  // past the buffer
  s = DecodeRecord(bytes);
  EXPECT_NE(s.message().find("string length 4294967280 out of range"), std::string::npos)
      << s.message();
}

TEST(PlainBufferDecoder, RejectsValueLengthMismatch) {
  std::string bytes = Unhex(kWorkedExampleHex);
  PutU32(&bytes, 14, 8);  // integer value length 8 instead of 9
  const base::Status s = DecodeRecord(bytes);
  EXPECT_NE(s.message().find("does not match its INTEGER payload"), std::string::npos)
      << s.message();
}

TEST(PlainBufferDecoder, RejectsHugeExtensionLengths) {
  std::string bytes = Unhex(kWorkedExampleHex);
  PutU32(&bytes, 91, 0xffffffffu);  // ext_len
  EXPECT_NE(DecodeRecord(bytes).message().find("extension length"), std::string::npos);
  bytes = Unhex(kWorkedExampleHex);
  PutU32(&bytes, 96, 0xffffffffu);  // sequence-info length
  EXPECT_NE(DecodeRecord(bytes).message().find("extension item length"), std::string::npos);
  bytes = Unhex(kWorkedExampleHex);
  PutU32(&bytes, 91, 23);  // ext_len one short of the items present
  EXPECT_FALSE(DecodeRecord(bytes).ok());
}

TEST(PlainBufferDecoder, SkipsUnknownExtensionItems) {
  // Insert an unknown item (tag 0x40, 2 bytes) before the sequence info and fix ext_len.
  std::string bytes = Unhex(kWorkedExampleHex);
  bytes.insert(95, std::string("\x40\x02\x00\x00\x00\xaa\xbb", 7));
  PutU32(&bytes, 91, 24 + 7);
  auto rows = DecodePlainBuffer(bytes, PlainBufferContext::kRecord);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->front(), WorkedExampleRow());
  // An extension holding only an unknown item yields no sequence info.
  std::string only_unknown = Unhex(kWorkedExampleHex);
  only_unknown.replace(95, 24, std::string("\x40\x00\x00\x00\x00", 5));
  PutU32(&only_unknown, 91, 5);
  rows = DecodePlainBuffer(only_unknown, PlainBufferContext::kRecord);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_FALSE(rows->front().sequence.has_value());
}

TEST(PlainBufferDecoder, RejectsUnknownCellType) {
  std::string bytes = Unhex(kWorkedExampleHex);
  bytes[67] = 0x04;  // INCREMENT: write requests only
  const base::Status s = DecodeRecord(bytes);
  EXPECT_NE(s.message().find("unknown cell type 0x04 at offset 67"), std::string::npos)
      << s.message();
}

TEST(PlainBufferDecoder, RejectsMissingCellChecksum) {
  std::string bytes = Unhex(kWorkedExampleHex);
  bytes.erase(27, 2);  // drop TAG_CELL_CHECKSUM of the key cell
  const base::Status s = DecodeRecord(bytes);
  EXPECT_NE(s.message().find("expected TAG_CELL_CHECKSUM"), std::string::npos) << s.message();
}

TEST(PlainBufferDecoder, RejectsMissingRowChecksum) {
  std::string bytes = Unhex(kWorkedExampleHex);
  bytes.resize(119);
  EXPECT_NE(DecodeRecord(bytes).message().find("truncated input: TAG_ROW_CHECKSUM"),
            std::string::npos);
  bytes.push_back(0x0a);
  EXPECT_NE(DecodeRecord(bytes).message().find("expected TAG_ROW_CHECKSUM"), std::string::npos);
}

TEST(PlainBufferDecoder, RejectsTrailingBytesAndSecondRowInRecords) {
  const std::string one = Unhex(kWorkedExampleHex);
  std::string padded = one + std::string(3, '\0');
  EXPECT_NE(DecodeRecord(padded).message().find("trailing bytes after the row at offset 121"),
            std::string::npos);
  EXPECT_FALSE(DecodePlainBuffer(padded, PlainBufferContext::kRequest).ok());
  const std::string two = one + one.substr(4);
  EXPECT_NE(DecodeRecord(two).message().find("more than one row"), std::string::npos);
  auto rows = DecodePlainBuffer(two, PlainBufferContext::kRequest);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->size(), 2u);
}

TEST(PlainBufferDecoder, RejectsHeaderOnlyAndBadHeader) {
  EXPECT_NE(DecodeRecord(std::string("\x75\0\0\0", 4)).message().find("no row"), std::string::npos);
  EXPECT_NE(DecodeRecord(std::string("\x75\0\0\1\1\x09\0", 7)).message().find("bad header"),
            std::string::npos);
  EXPECT_FALSE(DecodePlainBuffer("", PlainBufferContext::kRequest).ok());
}

TEST(PlainBufferDecoder, RejectsInfAndAutoIncrementOutsideRequests) {
  Row r;
  r.primary_key.push_back(PkCell("a", Value::InfMax()));
  const std::string bytes = EncodePlainBuffer({r});
  EXPECT_NE(DecodeRecord(bytes).message().find("not allowed in a tunnel record"),
            std::string::npos);
  EXPECT_TRUE(DecodePlainBuffer(bytes, PlainBufferContext::kRequest).ok());
  // Never as an attribute value, even in requests.
  Row attr;
  attr.primary_key.push_back(PkCell("a", Value::Integer(1)));
  attr.cells.push_back(AttrCell("b", Value::InfMin(), std::nullopt));
  EXPECT_FALSE(DecodePlainBuffer(EncodePlainBuffer({attr}), PlainBufferContext::kRequest).ok());
}

TEST(PlainBufferDecoder, RejectsTimestampOrTypeOnPrimaryKeyCells) {
  Row r;
  r.primary_key.push_back(AttrCell("a", Value::Integer(1), 5));
  EXPECT_FALSE(DecodePlainBuffer(EncodePlainBuffer({r}), PlainBufferContext::kRequest).ok());
  r.primary_key[0] = AttrCell("a", std::nullopt, std::nullopt);
  EXPECT_FALSE(DecodePlainBuffer(EncodePlainBuffer({r}), PlainBufferContext::kRequest).ok());
}

TEST(PlainBufferDecoder, EmptyPrimaryKeyOnlyOutsideRecords) {
  Row r;
  r.cells.push_back(AttrCell("b", Value::Integer(1), 1));
  const std::string bytes = EncodePlainBuffer({r});
  EXPECT_NE(DecodeRecord(bytes).message().find("empty primary key"), std::string::npos);
  EXPECT_TRUE(DecodePlainBuffer(bytes, PlainBufferContext::kOriginRecord).ok());
}

// --- Round trips ---------------------------------------------------------------------

Value RandomValue(std::mt19937_64& rng, bool primary_key) {
  static const std::vector<std::string> kStrings = {"",
                                                    std::string("a\0b", 3),
                                                    "h\xc3\xa9llo",
                                                    "\xe8\xa1\xa8\xe6\xa0\xbc",
                                                    "\xf0\x9f\x98\x80",
                                                    std::string(300, 'x'),
                                                    "\xff\xfe not utf-8"};
  static const std::vector<uint64_t> kDoubleBits = {
      0x0000000000000000ULL, 0x8000000000000000ULL, 0x7ff8000000000000ULL,
      0x7ff0000000000001ULL, 0xfff8000000000abcULL, 0x7ff0000000000000ULL,
      0xfff0000000000000ULL, 0x0000000000000001ULL, 0x3ff8000000000000ULL};
  static const std::vector<int64_t> kInts = {
      0,        1, -1, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
      1LL << 32};
  const int kinds = primary_key ? 3 : 5;
  switch (rng() % kinds) {
    case 0:
      return Value::Integer(rng() % 2 ? kInts[rng() % kInts.size()] : static_cast<int64_t>(rng()));
    case 1:
      return Value::String(kStrings[rng() % kStrings.size()]);
    case 2: {
      std::string b(rng() % 40, '\0');
      for (char& c : b) c = static_cast<char>(rng());
      return Value::Binary(b);
    }
    case 3:
      return Value::DoubleBits(rng() % 2 ? kDoubleBits[rng() % kDoubleBits.size()] : rng());
    default:
      return Value::Boolean(rng() % 2);
  }
}

Row RandomRow(std::mt19937_64& rng) {
  Row r;
  const int pk = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < pk; ++i) {
    r.primary_key.push_back(PkCell("pk" + std::to_string(i), RandomValue(rng, true)));
  }
  const int cells = static_cast<int>(rng() % 12);
  for (int i = 0; i < cells; ++i) {
    Cell c;
    c.name = rng() % 10 == 0 ? "\xe5\x88\x97" + std::to_string(i) : "col_" + std::to_string(i);
    switch (rng() % 3) {
      case 0:
        c.op = CellOp::kPut;
        break;
      case 1:
        c.op = CellOp::kDeleteOneVersion;
        break;
      default:
        c.op = CellOp::kDeleteAllVersions;
        break;
    }
    if (c.op == CellOp::kPut || rng() % 4 == 0) c.value = RandomValue(rng, false);
    if (rng() % 3 != 0) {
      c.timestamp = rng() % 5 == 0 ? std::numeric_limits<int64_t>::min()
                                   : static_cast<int64_t>(rng() % (1ULL << 53));
    }
    r.cells.push_back(std::move(c));
  }
  r.delete_marker = rng() % 4 == 0;
  if (rng() % 2) {
    r.sequence = base::SequenceInfo{static_cast<int32_t>(rng()), static_cast<int64_t>(rng()),
                                    static_cast<int32_t>(rng())};
  }
  return r;
}

TEST(PlainBufferRoundTrip, RandomRowsDecodeToWhatWasEncoded) {
  std::mt19937_64 rng(20261125);
  Row reused;
  for (int iter = 0; iter < 2000; ++iter) {
    SCOPED_TRACE(iter);
    const Row row = RandomRow(rng);
    std::string bytes;
    EncodePlainBufferRow(row, &bytes);
    ASSERT_TRUE(DecodePlainBufferRow(bytes, PlainBufferContext::kRecord, &reused).ok());
    ASSERT_EQ(reused, row);
    EXPECT_EQ(reused.checksum, RowChecksum(row));
    for (size_t i = 0; i < row.cells.size(); ++i) {
      EXPECT_EQ(reused.cells[i].checksum, CellChecksum(row.cells[i]));
    }
    EXPECT_EQ(EncodePlainBuffer({reused}), bytes);
  }
}

// Names and string/blob values of every length around the small-string size and the CRC
// block sizes, decoded into a fresh row and into one reused across lengths that grow,
// shrink and go empty (the decoder copies into existing strings or builds new ones).
TEST(PlainBufferRoundTrip, EveryNameAndValueLengthFreshAndReused) {
  std::mt19937_64 rng(99);
  Row reused;
  const size_t lengths[] = {0, 40, 1, 15, 16, 0, 17, 31, 32, 33, 7, 8, 9, 0, 100, 3};
  for (size_t round = 0; round < 3; ++round) {
    for (size_t len : lengths) {
      SCOPED_TRACE(len);
      std::string text(len, '\0');
      for (char& ch : text) ch = static_cast<char>(rng());
      Row row;
      row.primary_key.push_back(PkCell("k" + text, Value::String(text)));
      row.cells.push_back(AttrCell(text, Value::Binary(text), 5));
      row.cells.push_back(AttrCell("s" + text.substr(0, len / 2), Value::String(text), 6));
      std::string bytes;
      EncodePlainBufferRow(row, &bytes);
      Row fresh;
      ASSERT_TRUE(DecodePlainBufferRow(bytes, PlainBufferContext::kRecord, &fresh).ok());
      EXPECT_EQ(fresh, row);
      ASSERT_TRUE(DecodePlainBufferRow(bytes, PlainBufferContext::kRecord, &reused).ok());
      EXPECT_EQ(reused, row);
      EXPECT_EQ(reused.checksum, RowChecksum(row));
      for (size_t i = 0; i < row.cells.size(); ++i) {
        EXPECT_EQ(reused.cells[i].checksum, CellChecksum(row.cells[i])) << i;
      }
    }
  }
}

// The decoder's one-step path for fixed-width cells: a BOOLEAN byte other than 0 and 1 is
// true (1), and a recycled row keeps nothing of what it held (key timestamps, strings, ops).
TEST(PlainBufferDecoder, FixedWidthCellsDecodeExactlyIntoRecycledRows) {
  Row row;
  row.primary_key.push_back(PkCell("id", Value::Integer(-7)));
  row.cells.push_back(AttrCell("i", Value::Integer(42), 11));
  row.cells.push_back(AttrCell("d", Value::DoubleBits(0x7ff4000000000123ULL), 12));
  row.cells.push_back(AttrCell("b", Value::Boolean(true), 13));
  std::string bytes;
  EncodePlainBufferRow(row, &bytes);
  // The row ends: BOOLEAN byte, TAG_CELL_TIMESTAMP, 8 bytes, TAG_CELL_CHECKSUM, checksum,
  // TAG_ROW_CHECKSUM, checksum. Make the byte 0x02 and recompute both checksums.
  const size_t at = bytes.size() - 14;
  ASSERT_EQ(bytes[at], 1);
  ASSERT_EQ(static_cast<uint8_t>(bytes[at + 1]), plain_buffer::kTagCellTimestamp);
  bytes[at] = 2;
  uint8_t cell_crc = Crc8(0, "b", 1);
  cell_crc = Crc8(cell_crc, &plain_buffer::kVtBoolean, 1);
  cell_crc = Crc8(cell_crc, bytes.data() + at, 1);
  cell_crc = Crc8(cell_crc, bytes.data() + at + 2, 8);
  bytes[bytes.size() - 3] = static_cast<char>(cell_crc);
  uint8_t row_crc = 0;
  for (uint8_t c : {CellChecksum(row.primary_key[0]), CellChecksum(row.cells[0]),
                    CellChecksum(row.cells[1]), cell_crc, uint8_t{0} /* no delete marker */}) {
    row_crc = Crc8(row_crc, &c, 1);
  }
  bytes[bytes.size() - 1] = static_cast<char>(row_crc);

  Row fresh;
  ASSERT_TRUE(DecodePlainBufferRow(bytes, PlainBufferContext::kRecord, &fresh).ok());
  EXPECT_EQ(fresh, row);
  EXPECT_EQ(fresh.cells[2].value->integer, 1);

  Row recycled;
  recycled.primary_key.push_back(AttrCell("id", Value::String(std::string(40, 's')), 99));
  recycled.cells.push_back(
      AttrCell("i", Value::String(std::string(40, 's')), 1, CellOp::kDeleteOneVersion));
  recycled.cells.push_back(AttrCell("d", Value::Integer(5), std::nullopt));
  recycled.cells.push_back(AttrCell("b", std::nullopt, std::nullopt, CellOp::kDeleteAllVersions));
  ASSERT_TRUE(DecodePlainBufferRow(bytes, PlainBufferContext::kRecord, &recycled).ok());
  EXPECT_EQ(recycled, fresh);
  EXPECT_FALSE(recycled.primary_key[0].timestamp.has_value());
  for (const Row* r : {&fresh, &recycled}) {
    EXPECT_EQ(r->cells[0].value->dbl, 0);
    EXPECT_TRUE(r->cells[0].value->bytes.empty());
    EXPECT_EQ(r->cells[1].value->integer, 0);
    EXPECT_EQ(r->cells[2].value->integer, 1);
    EXPECT_EQ(r->cells[2].op, CellOp::kPut);
  }
}

TEST(PlainBufferRoundTrip, SeveralRowsInOneRequestBuffer) {
  std::mt19937_64 rng(7);
  std::vector<Row> rows;
  for (int i = 0; i < 20; ++i) rows.push_back(RandomRow(rng));
  auto decoded = DecodePlainBuffer(EncodePlainBuffer(rows), PlainBufferContext::kRequest);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, rows);
}

TEST(PlainBufferRoundTrip, KeepsValuesBitExact) {
  Row r;
  r.primary_key.push_back(PkCell("k", Value::Integer(std::numeric_limits<int64_t>::min())));
  r.cells.push_back(AttrCell("neg_zero", Value::Double(-0.0), std::nullopt));
  r.cells.push_back(AttrCell("nan", Value::DoubleBits(0x7ff4000000000123ULL), std::nullopt));
  r.cells.push_back(AttrCell("max", Value::Integer(std::numeric_limits<int64_t>::max()), 0));
  r.cells.push_back(AttrCell("empty", Value::String(""), std::nullopt));
  r.cells.push_back(AttrCell("nul", Value::Binary(std::string("\0\0", 2)), std::nullopt));
  r.cells.push_back(AttrCell("utf8", Value::String("\xf0\x9f\x91\x8d\xe8\xa1\xa8"), 1));
  auto rows = DecodePlainBuffer(EncodePlainBuffer({r}), PlainBufferContext::kRecord);
  ASSERT_TRUE(rows.ok());
  const Row& d = rows->front();
  EXPECT_EQ(d, r);
  EXPECT_EQ(d.cells[0].value->double_bits(), 0x8000000000000000ULL);
  EXPECT_EQ(d.cells[1].value->double_bits(), 0x7ff4000000000123ULL);
  EXPECT_EQ(d.cells[3].value->bytes.size(), 0u);
  EXPECT_EQ(d.cells[4].value->bytes, std::string("\0\0", 2));
}

}  // namespace
}  // namespace tablestore::tunnel
