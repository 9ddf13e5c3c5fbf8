#include "tunnel/protocol/row_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace tablestore::tunnel {
namespace {

using base::Cell;
using base::CellOp;
using base::Row;
using base::Value;
using nlohmann::json;

TEST(RowJson, DoublesGiveBitsAndPythonStyleReadableValue) {
  const std::pair<uint64_t, const char*> cases[] = {
      {0x0000000000000000ULL, "0.0"},      {0x8000000000000000ULL, "-0.0"},
      {0x3ff8000000000000ULL, "1.5"},      {0x400921fb54442d18ULL, "3.141592653589793"},
      {0x7ff8000000000000ULL, "NaN"},      {0x7ff0000000000000ULL, "Infinity"},
      {0xfff0000000000000ULL, "-Infinity"}, {0x4341c37937e08000ULL, "1e+16"},
      {0x430c6bf526340000ULL, "1000000000000000.0"}, {0x3ee4f8b588e368f1ULL, "1e-05"},
      {0x3f1a36e2eb1c432dULL, "0.0001"},   {0x4058900000000000ULL, "98.25"},
      {0x0000000000000001ULL, "5e-324"},   {0x7fefffffffffffffULL, "1.7976931348623157e+308"},
  };
  for (const auto& [bits, readable] : cases) {
    const json j = ValueToJson(Value::DoubleBits(bits));
    EXPECT_EQ(j.at("type"), "double");
    EXPECT_EQ(j.at("value"), readable) << std::hex << bits;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(bits));
    EXPECT_EQ(j.at("bits"), hex);
    // Reading the readable form alone gives the same double (NaN: the canonical one).
    auto back = ValueFromJson({{"type", "double"}, {"value", readable}});
    ASSERT_TRUE(back.ok()) << readable;
    if (!std::isnan(back->dbl)) {
      EXPECT_EQ(back->double_bits(), bits) << readable;
    }
  }
}

TEST(RowJson, StringsCarryUtf8HexAndNullForInvalidUtf8) {
  json j = ValueToJson(Value::String(std::string("a\0\xc3\xa9", 4)));
  EXPECT_EQ(j.at("value"), std::string("a\0\xc3\xa9", 4));
  EXPECT_EQ(j.at("utf8_hex"), "6100c3a9");
  for (const char* bad : {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"}) {
    j = ValueToJson(Value::String(bad));
    EXPECT_TRUE(j.at("value").is_null()) << bad;
    EXPECT_FALSE(j.at("utf8_hex").get<std::string>().empty());
    auto back = ValueFromJson(j);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->bytes, bad);
  }
}

TEST(RowJson, FullFormHasEveryField) {
  Row r;
  Cell k;
  k.name = "id";
  k.value = Value::Integer(std::numeric_limits<int64_t>::min());
  k.checksum = 0x0a;
  r.primary_key.push_back(k);
  Cell d;
  d.name = "gone";
  d.op = CellOp::kDeleteOneVersion;
  d.timestamp = 1700000000000;
  d.checksum = 0xff;
  r.cells.push_back(d);
  r.sequence = base::SequenceInfo{-1, 1700000000123456, 7};
  r.checksum = 0x05;
  const json j = RowToJson(r);
  EXPECT_EQ(j.at("primary_key").at(0).at("value").at("value"), "-9223372036854775808");
  EXPECT_TRUE(j.at("primary_key").at(0).at("timestamp").is_null());
  EXPECT_TRUE(j.at("primary_key").at(0).at("cell_type").is_null());
  EXPECT_EQ(j.at("primary_key").at(0).at("checksum"), "0a");
  EXPECT_TRUE(j.at("cells").at(0).at("value").is_null());
  EXPECT_EQ(j.at("cells").at(0).at("timestamp"), "1700000000000");
  EXPECT_EQ(j.at("cells").at(0).at("cell_type"), "delete_one_version");
  EXPECT_EQ(j.at("cells").at(0).at("checksum"), "ff");
  EXPECT_EQ(j.at("delete_marker"), false);
  EXPECT_EQ(j.at("extension"),
            json({{"epoch", -1}, {"timestamp", "1700000000123456"}, {"row_index", 7}}));
  EXPECT_EQ(j.at("checksum"), "05");
  auto back = RowFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, r);
  EXPECT_EQ(back->checksum, 0x05);
  EXPECT_EQ(back->cells[0].checksum, 0xff);
}

TEST(RowJson, LenientInputFillsDefaults) {
  auto cell = CellFromJson(json::parse(R"({"name": "qty", "value": {"type": "integer", "value": "5"}})"));
  ASSERT_TRUE(cell.ok()) << cell.status().ToString();
  EXPECT_EQ(cell->value, Value::Integer(5));
  EXPECT_FALSE(cell->timestamp.has_value());
  EXPECT_EQ(cell->op, CellOp::kPut);

  cell = CellFromJson(json::parse(R"({"name": "old", "cell_type": "delete_all_versions"})"));
  ASSERT_TRUE(cell.ok());
  EXPECT_FALSE(cell->value.has_value());
  EXPECT_EQ(cell->op, CellOp::kDeleteAllVersions);

  auto v = ValueFromJson(json::parse(R"({"type": "double", "bits": "8000000000000000"})"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->double_bits(), 0x8000000000000000ULL);
  v = ValueFromJson(json::parse(R"({"type": "double", "value": 2.5})"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->dbl, 2.5);
  v = ValueFromJson(json::parse(R"({"type": "string", "value": "héllo"})"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->bytes, "h\xc3\xa9llo");
  v = ValueFromJson(json::parse(R"({"type": "integer", "value": 42})"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->integer, 42);
  v = ValueFromJson(json::parse(R"({"type": "binary", "hex": "00FF"})"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->bytes, std::string("\0\xff", 2));

  auto row = RowFromJson(json::parse(
      R"({"primary_key": [{"name": "id", "value": {"type": "string", "value": "a"}}]})"));
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_TRUE(row->cells.empty());
  EXPECT_FALSE(row->delete_marker);
  EXPECT_FALSE(row->sequence.has_value());
}

TEST(RowJson, BadInputIsInvalidArgumentNamingTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"type": "integer", "value": "12x"})", "'value'"},
      {R"({"type": "integer", "value": "99999999999999999999"})", "'value'"},
      {R"({"type": "integer"})", "'value'"},
      {R"({"type": "double"})", "'value'"},
      {R"({"type": "double", "bits": "xyz"})", "'bits'"},
      {R"({"type": "boolean", "value": "true"})", "'value'"},
      {R"({"type": "binary", "hex": "abc"})", "'hex'"},
      {R"({"type": "string", "utf8_hex": "zz"})", "'utf8_hex'"},
      {R"({"type": "float", "value": "1"})", "'type'"},
      {R"([1, 2])", "'value'"},
  };
  for (const auto& [text, field] : cases) {
    auto v = ValueFromJson(json::parse(text));
    ASSERT_FALSE(v.ok()) << text;
    EXPECT_EQ(v.status().code(), base::StatusCode::kInvalidArgument);
    EXPECT_NE(v.status().message().find(field), std::string::npos) << v.status().message();
  }
  auto row = RowFromJson(json::parse(
      R"({"cells": [{"name": "a"}, {"name": "b", "timestamp": "soon"}]})"));
  ASSERT_FALSE(row.ok());
  EXPECT_NE(row.status().message().find("cells[1]"), std::string::npos)
      << row.status().message();
  EXPECT_NE(row.status().message().find("'timestamp'"), std::string::npos);
  EXPECT_FALSE(CellFromJson(json::parse(R"({"value": null})")).ok());
  EXPECT_FALSE(CellFromJson(json::parse(R"({"name": "a", "cell_type": "increment"})")).ok());
  EXPECT_FALSE(RowFromJson(json::parse(R"({"extension": {"epoch": 4294967296}})")).ok());
}

}  // namespace
}  // namespace tablestore::tunnel
