#include <gtest/gtest.h>

#include "replicator/cli/status_command.h"
#include "replicator/cli/verify_command.h"
#include "tablestore/replicator/replicator.h"

namespace tablestore::replicator {
namespace {

base::Row RowWith(const std::string& id, base::Value v, int64_t ts) {
  base::Row r;
  base::Cell k;
  k.name = "id";
  k.value = base::Value::String(id);
  r.primary_key.push_back(k);
  base::Cell c;
  c.name = "v";
  c.value = std::move(v);
  c.timestamp = ts;
  r.cells.push_back(c);
  return r;
}

TEST(CompareRows, EqualSetsInAnyOrder) {
  std::vector<base::Row> a = {RowWith("a", base::Value::Integer(1), 5),
                              RowWith("b", base::Value::String("x"), 5)};
  std::vector<base::Row> b = {a[1], a[0]};
  EXPECT_TRUE(CompareRows(a, b).equal());
}

TEST(CompareRows, StorageClassMattersNotJustText) {
  std::vector<base::Row> source = {RowWith("a", base::Value::String("007"), 5)};
  std::vector<base::Row> mirror = {RowWith("a", base::Value::Integer(7), 5)};
  RowDiff d = CompareRows(source, mirror);
  EXPECT_EQ(d.different, 1u);
  EXPECT_FALSE(d.equal());
}

TEST(CompareRows, CountsMissingAndUnexpectedRows) {
  std::vector<base::Row> source = {RowWith("a", base::Value::Integer(1), 5)};
  std::vector<base::Row> mirror = {RowWith("b", base::Value::Integer(1), 5)};
  RowDiff d = CompareRows(source, mirror);
  EXPECT_EQ(d.missing, 1u);
  EXPECT_EQ(d.unexpected, 1u);
}

TEST(CompareRows, VersionsComparedUnlessIgnored) {
  std::vector<base::Row> source = {RowWith("a", base::Value::Integer(1), 5)};
  std::vector<base::Row> mirror = {RowWith("a", base::Value::Integer(1), 6)};
  EXPECT_FALSE(CompareRows(source, mirror).equal());
  EXPECT_TRUE(CompareRows(source, mirror, /*compare_versions=*/false).equal());
}

TEST(ExitCodeFor, MapsTheContractCodes) {
  EXPECT_EQ(ExitCodeFor(base::Status::Ok()), 0);
  EXPECT_EQ(ExitCodeFor(base::FailedPreconditionError("bound elsewhere")), 3);
  EXPECT_EQ(ExitCodeFor(base::OutOfRangeError("expired")), 3);
  EXPECT_EQ(ExitCodeFor(base::UnauthenticatedError("bad key")), 4);
  EXPECT_EQ(ExitCodeFor(base::PermissionDeniedError("denied")), 4);
  EXPECT_EQ(ExitCodeFor(base::UnavailableError("down")), 1);
}

TEST(StatusToJson, ReportsLagWatermarkAndDrift) {
  storage::StatusSnapshot snap;
  snap.schema_version = 2;
  snap.run_started_at_ms = 1000;
  storage::TableStatus t;
  t.mirror_table = "orders";
  t.source_table = "orders";
  t.stage = "stream";
  t.watermark_us = 9'000'000;  // 9 s
  storage::ChannelStatus c;
  c.channel_id = "Stream_0";
  c.kind = "stream";
  c.status = "open";
  c.updated_at_ms = 9500;
  c.last_change_time_us = 9'000'000;
  t.channels.push_back(c);
  storage::ColumnStatus pk;
  pk.mirror_name = "id";
  pk.primary_key = true;
  pk.first_seen_at_ms = 1000;
  pk.types = {"string"};
  storage::ColumnStatus late;
  late.mirror_name = "late";
  late.first_seen_at_ms = 5000;
  late.types = {"integer"};
  storage::ColumnStatus retyped;
  retyped.mirror_name = "mixed";
  retyped.first_seen_at_ms = 1000;
  retyped.types = {"integer", "string"};
  t.columns = {pk, late, retyped};
  snap.tables.push_back(t);

  nlohmann::json j = StatusToJson(snap, /*now_ms=*/10'000, /*retention_ms=*/7LL * 86400000);
  const auto& jt = j["tables"][0];
  EXPECT_EQ(jt["lag_estimate_ms"].get<int64_t>(), 1000);
  EXPECT_EQ(jt["channels"][0]["checkpoint_age_ms"].get<int64_t>(), 500);
  ASSERT_EQ(jt["schema_drift"].size(), 2u);
  EXPECT_EQ(jt["schema_drift"][0]["name"], "late");
  EXPECT_TRUE(jt["schema_drift"][0]["added"].get<bool>());
  EXPECT_EQ(jt["schema_drift"][1]["name"], "mixed");
  EXPECT_TRUE(jt["schema_drift"][1]["type_changed"].get<bool>());
}

TEST(StatusToJson, WarnsWhenAStreamPositionAgesTowardsRetention) {
  storage::StatusSnapshot snap;
  storage::TableStatus t;
  t.stage = "stream";
  storage::ChannelStatus c;
  c.channel_id = "Stream_0";
  c.kind = "stream";
  c.last_change_time_us = 0;
  t.channels.push_back(c);
  snap.tables.push_back(t);
  nlohmann::json j = StatusToJson(snap, /*now_ms=*/900, /*retention_ms=*/1000);
  EXPECT_TRUE(j["tables"][0]["channels"][0].contains("warning"));
}

}  // namespace
}  // namespace tablestore::replicator
