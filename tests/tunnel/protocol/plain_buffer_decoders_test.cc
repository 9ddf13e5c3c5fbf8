// The two builds of the decoder (plain_buffer_dispatch.h): CRC tables and carry-less
// multiplication must give identical results, errors included, on every input. The public
// entry points use the carry-less build on x86-64 (asserted below; every x86-64 CPU since
// 2010 has PCLMULQDQ) and the tables elsewhere, so comparing them with the table build
// compares the two builds wherever there are two.

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tests/tunnel/protocol/protocol_test_util.h"
#include "tunnel/protocol/plain_buffer.h"
#include "tunnel/protocol/plain_buffer_dispatch.h"

namespace tablestore::tunnel::plain_buffer {
namespace {

using base::Cell;
using base::CellOp;
using base::Row;
using base::Value;
using testing::LoadTestData;
using testing::Unhex;

constexpr PlainBufferContext kContexts[] = {
    PlainBufferContext::kRecord, PlainBufferContext::kOriginRecord, PlainBufferContext::kRequest};

void ExpectSameDecode(std::string_view bytes) {
  for (PlainBufferContext ctx : kContexts) {
    auto table = DecodeRowsTable(bytes, ctx);
    auto clmul = DecodePlainBuffer(bytes, ctx);
    ASSERT_EQ(table.ok(), clmul.ok())
        << table.status().ToString() << " / " << clmul.status().ToString();
    if (table.ok()) {
      ASSERT_EQ(*table, *clmul);
      for (size_t i = 0; i < table->size(); ++i) {
        EXPECT_EQ((*table)[i].checksum, (*clmul)[i].checksum);
      }
    } else {
      EXPECT_EQ(table.status().message(), clmul.status().message());
    }
    Row a, b;
    const base::Status sa = DecodeOneRowTable(bytes, ctx, &a);
    const base::Status sb = DecodePlainBufferRow(bytes, ctx, &b);
    ASSERT_EQ(sa.ok(), sb.ok());
    EXPECT_EQ(sa.message(), sb.message());
    if (sa.ok()) {
      EXPECT_EQ(a, b);
    }
  }
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// A row with names and values of many lengths, around the 8-byte chunks and beyond the
// longest cell the carry-less path takes (256 checksummed bytes).
Row RandomRow(std::mt19937_64& rng) {
  Row row;
  Cell key;
  key.name = RandomBytes(rng, 1 + rng() % 20);
  key.value = rng() % 2 ? Value::Integer(static_cast<int64_t>(rng()))
                        : Value::String(RandomBytes(rng, rng() % 40));
  row.primary_key.push_back(key);
  const int cells = static_cast<int>(rng() % 8);
  for (int i = 0; i < cells; ++i) {
    Cell c;
    c.name = RandomBytes(rng, rng() % 3 == 0 ? rng() % 40 : 1 + rng() % 12);
    switch (rng() % 7) {
      case 0:
        c.value = Value::Integer(static_cast<int64_t>(rng()));
        break;
      case 1:
        c.value = Value::DoubleBits(rng());
        break;
      case 2:
        c.value = Value::Boolean(rng() % 2 == 0);
        break;
      case 3:
        c.value = Value::String(RandomBytes(rng, rng() % 64));
        break;
      case 4:
        c.value = Value::Binary(RandomBytes(rng, 200 + rng() % 120));
        break;
      case 5:
        c.op = CellOp::kDeleteOneVersion;
        break;
      default:
        c.op = CellOp::kDeleteAllVersions;
        break;
    }
    if (c.op != CellOp::kDeleteAllVersions) c.timestamp = static_cast<int64_t>(rng() >> 1);
    row.cells.push_back(std::move(c));
  }
  row.delete_marker = rng() % 5 == 0;
  if (rng() % 2) row.sequence = base::SequenceInfo{1, static_cast<int64_t>(rng() >> 1), 2};
  return row;
}

#if defined(__x86_64__)
TEST(PlainBufferDecoders, X86BuildsHaveTheCarrylessDecoder) { EXPECT_TRUE(ClmulAvailable()); }

TEST(PlainBufferDecoders, ClmulCellChecksumEqualsTheTablesForEverySpanLength) {
  ASSERT_TRUE(ClmulAvailable());
  std::mt19937_64 rng(7);
  const std::string buffer = RandomBytes(rng, 1024);
  const auto* base = reinterpret_cast<const uint8_t*>(buffer.data());
  int checked = 0;
  for (uint32_t name_len = 0; name_len <= 40; ++name_len) {
    for (uint32_t value_len = 0; value_len <= 300; value_len += (value_len < 70 ? 1 : 7)) {
      for (int variant = 0; variant < 4; ++variant) {
        CellSpans s;
        s.name = base + 8 + rng() % 100;  // spans start >= 8 bytes into the buffer
        s.name_len = name_len;
        s.value = value_len ? base + 8 + rng() % 300 : nullptr;
        s.value_len = value_len;
        s.timestamp = variant & 1 ? base + 8 + rng() % 500 : nullptr;
        s.cell_type = variant & 2 ? static_cast<int>(rng() % 256) : -1;
        ASSERT_EQ(CellCrcWithClmul(s), CellCrcTable(s))
            << "name " << name_len << " value " << value_len << " variant " << variant;
        if (s.cell_type < 0) {  // the decoder's fast paths for put and key cells
          ASSERT_EQ(PutCellCrcWithClmul(s), CellCrcTable(s))
              << "put cell: name " << name_len << " value " << value_len << " variant " << variant;
        }
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 10000);
}
#endif

TEST(PlainBufferDecoders, AgreeOnEveryVector) {
  const nlohmann::json doc = LoadTestData("plainbuffer/vectors.json");
  ASSERT_TRUE(doc.contains("cases"));
  for (const auto& c : doc["cases"]) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    ExpectSameDecode(Unhex(c.at("hex").get<std::string>()));
  }
}

TEST(PlainBufferDecoders, AgreeOnRandomRowsAndTheirCorruptions) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 300; ++i) {
    SCOPED_TRACE(i);
    const std::string bytes = EncodePlainBuffer({RandomRow(rng), RandomRow(rng)});
    ExpectSameDecode(bytes);
    std::string one;
    EncodePlainBufferRow(RandomRow(rng), &one);
    ExpectSameDecode(one);
    for (int k = 0; k < 20; ++k) {
      std::string bad = one;
      bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
      ExpectSameDecode(bad);
      ExpectSameDecode(one.substr(0, rng() % one.size()));
    }
  }
}

}  // namespace
}  // namespace tablestore::tunnel::plain_buffer
