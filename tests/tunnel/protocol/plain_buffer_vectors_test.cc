// Every case of ../shared/testdata/plainbuffer/vectors.json (read at test time).

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/tunnel/protocol/protocol_test_util.h"
#include "tunnel/protocol/plain_buffer.h"
#include "tunnel/protocol/row_json.h"

namespace tablestore::tunnel {
namespace {

using testing::Hex;
using testing::LoadTestData;
using testing::Unhex;

PlainBufferContext ContextOf(const nlohmann::json& c) {
  const std::string ctx = c.at("context").get<std::string>();
  if (ctx == "request") return PlainBufferContext::kRequest;
  if (ctx == "origin_record") return PlainBufferContext::kOriginRecord;
  EXPECT_EQ(ctx, "record");
  return PlainBufferContext::kRecord;
}

nlohmann::json Cases() {
  nlohmann::json doc = LoadTestData("plainbuffer/vectors.json");
  if (!doc.contains("cases")) return nlohmann::json::array();
  return doc["cases"];
}

TEST(PlainBufferVectors, EveryOkCaseDecodesToItsRowsIncludingChecksums) {
  const nlohmann::json cases = Cases();
  int checked = 0;
  for (const auto& c : cases) {
    if (c.at("expect") != "ok") continue;
    SCOPED_TRACE(c.at("name").get<std::string>());
    const std::string bytes = Unhex(c.at("hex").get<std::string>());
    auto rows = DecodePlainBuffer(bytes, ContextOf(c));
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    const nlohmann::json& expected = c.at("rows");
    ASSERT_EQ(rows->size(), expected.size());
    for (size_t i = 0; i < rows->size(); ++i) {
      // Full JSON equality: content, checksums, readable double forms, utf8_hex.
      EXPECT_EQ(RowToJson((*rows)[i]), expected[i]) << "row " << i;
      // And through the lenient parser into the row model.
      auto parsed = RowFromJson(expected[i]);
      ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
      EXPECT_EQ((*rows)[i], *parsed);
      EXPECT_EQ((*rows)[i].checksum, parsed->checksum);
    }
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

TEST(PlainBufferVectors, EveryErrorCaseIsRejectedWithDataLossAndAnOffset) {
  const nlohmann::json cases = Cases();
  int checked = 0;
  for (const auto& c : cases) {
    if (c.at("expect") != "error") continue;
    SCOPED_TRACE(c.at("name").get<std::string>());
    const std::string bytes = Unhex(c.at("hex").get<std::string>());
    auto rows = DecodePlainBuffer(bytes, ContextOf(c));
    ASSERT_FALSE(rows.ok());
    EXPECT_EQ(rows.status().code(), base::StatusCode::kDataLoss);
    EXPECT_NE(rows.status().message().find("PlainBuffer: "), std::string::npos);
    EXPECT_NE(rows.status().message().find(" at offset "), std::string::npos)
        << rows.status().message();
    base::Row row;
    EXPECT_FALSE(DecodePlainBufferRow(bytes, ContextOf(c), &row).ok());
    ++checked;
  }
  EXPECT_GE(checked, 15);
}

TEST(PlainBufferVectors, ContextsAreNestedRecordOriginRequest) {
  // A valid record is also a valid origin_record and request; request-only and origin-only
  // cases are rejected in the narrower contexts.
  for (const auto& c : Cases()) {
    if (c.at("expect") != "ok") continue;
    SCOPED_TRACE(c.at("name").get<std::string>());
    const std::string bytes = Unhex(c.at("hex").get<std::string>());
    const PlainBufferContext ctx = ContextOf(c);
    EXPECT_TRUE(DecodePlainBuffer(bytes, PlainBufferContext::kRequest).ok());
    EXPECT_EQ(DecodePlainBuffer(bytes, PlainBufferContext::kOriginRecord).ok(),
              ctx != PlainBufferContext::kRequest);
    EXPECT_EQ(DecodePlainBuffer(bytes, PlainBufferContext::kRecord).ok(),
              ctx == PlainBufferContext::kRecord);
  }
}

TEST(PlainBufferVectors, ReencodingReproducesTheBytes) {
  // Our encoder writes the layout of the official encoders, so every vector without
  // non-canonical bytes (unknown extension items) re-encodes byte for byte.
  const std::set<std::string> non_canonical = {"extension_unknown_item_skipped"};
  int checked = 0;
  for (const auto& c : Cases()) {
    if (c.at("expect") != "ok") continue;
    const std::string name = c.at("name").get<std::string>();
    SCOPED_TRACE(name);
    const std::string bytes = Unhex(c.at("hex").get<std::string>());
    auto rows = DecodePlainBuffer(bytes, ContextOf(c));
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    const std::string again = EncodePlainBuffer(*rows);
    if (non_canonical.count(name) == 0) {
      EXPECT_EQ(Hex(again), Hex(bytes));
      ++checked;
    }
    auto decoded = DecodePlainBuffer(again, ContextOf(c));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, *rows);
    for (const base::Row& r : *rows) {
      EXPECT_EQ(RowChecksum(r), r.checksum);
      for (const auto& cell : r.primary_key) EXPECT_EQ(CellChecksum(cell), cell.checksum);
      for (const auto& cell : r.cells) EXPECT_EQ(CellChecksum(cell), cell.checksum);
    }
  }
  EXPECT_GE(checked, 30);
}

TEST(PlainBufferVectors, DecodeRowReusesARowAcrossCases) {
  // One Row object decoded into again and again ends equal to a fresh decode each time.
  base::Row reused;
  for (const auto& c : Cases()) {
    if (c.at("expect") != "ok" || ContextOf(c) == PlainBufferContext::kRequest) continue;
    SCOPED_TRACE(c.at("name").get<std::string>());
    const std::string bytes = Unhex(c.at("hex").get<std::string>());
    ASSERT_TRUE(DecodePlainBufferRow(bytes, ContextOf(c), &reused).ok());
    auto fresh = DecodePlainBuffer(bytes, ContextOf(c));
    ASSERT_TRUE(fresh.ok());
    EXPECT_EQ(RowToJson(reused), RowToJson(fresh->front()));
  }
}

}  // namespace
}  // namespace tablestore::tunnel
