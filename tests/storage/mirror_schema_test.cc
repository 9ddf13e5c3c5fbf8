// Names, column options, bindings and the status snapshot.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "storage/mirror.h"
#include "tests/storage/mirror_test_util.h"
#include "tests/support/test_paths.h"

namespace tablestore::storage {
namespace {

using base::Value;
using testing::ApplyChanges;
using testing::Key;
using testing::MakeBatch;
using testing::OpenBound;
using testing::OpenMirror;
using testing::Put;
using testing::PutRow;
using testing::Query;
using testing::QueryOne;
using testing::UpdateRow;
using Rows = std::vector<std::vector<std::string>>;
using tablestore::testing::TempDir;

TableBinding Binding(const std::string& table, const std::string& tunnel_id) {
  TableBinding b;
  b.mirror_table = table;
  b.source_table = "src";
  b.tunnel_name = "name-" + tunnel_id;
  b.tunnel_id = tunnel_id;
  return b;
}

TEST(MirrorNames, HostileTableAndColumnNamesAreQuotedEverywhere) {
  TempDir dir;
  const std::string table = "we\"ird table; DROP TABLE _replicator_bindings; --";
  auto mirror = OpenBound(dir.File("m.db"), table);
  ASSERT_NE(mirror, nullptr);
  const std::vector<std::string> names = {
      "with \"quotes\"", "with space", "ünïcødé 名前", "select", "order",
      "x\"); DROP TABLE t; --", "'single'", "[bracket]", "`tick`"};
  std::vector<base::Cell> cells;
  for (const std::string& n : names) cells.push_back(Put(n, Value::String(n), 1));
  std::vector<base::Cell> key = {testing::Pk("from", Value::String("k\"1"))};
  ASSERT_TRUE(ApplyChanges(mirror.get(), {PutRow(key, cells)}).ok());
  ASSERT_TRUE(ApplyChanges(mirror.get(), {UpdateRow(key, {Put(names[0], Value::Integer(2), 2)}),
                                          testing::DeleteRow({testing::Pk(
                                              "from", Value::String("absent"))})})
                  .ok());
  // Every column exists under its own name and holds its own value.
  std::string quoted_table = "\"we\"\"ird table; DROP TABLE _replicator_bindings; --\"";
  for (size_t i = 1; i < names.size(); ++i) {
    std::string quoted = "\"";
    for (char c : names[i]) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    quoted += "\"";
    EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT " + quoted + " FROM " + quoted_table),
              "t:" + names[i]);
  }
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT count(*) FROM _replicator_bindings"), "i:1");
}

TEST(MirrorNames, EmptyOrNulNamesAreRefusedWithAClearError) {
  TempDir dir;
  auto mirror = OpenBound(dir.File("m.db"));
  ASSERT_NE(mirror, nullptr);
  base::Status empty = ApplyChanges(mirror.get(), {PutRow(Key("k"), {Put("", Value::Integer(1), 1)})});
  EXPECT_EQ(empty.code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(empty.message().find("is empty"), std::string::npos) << empty.message();
  base::Status nul = ApplyChanges(
      mirror.get(), {PutRow(Key("k"), {Put(std::string("a\0b", 3), Value::Integer(1), 1)})});
  EXPECT_EQ(nul.code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(nul.message().find("NUL"), std::string::npos) << nul.message();
  EXPECT_EQ(mirror->BindTable(Binding("", "t9")).code(), base::StatusCode::kInvalidArgument);
  EXPECT_EQ(mirror->BindTable(Binding("_replicator_x", "t9")).code(),
            base::StatusCode::kInvalidArgument);
  EXPECT_EQ(mirror->BindTable(Binding("sqlite_x", "t9")).code(),
            base::StatusCode::kInvalidArgument);
}

TEST(MirrorNames, CaseCollisionsAndReservedNamesGetDistinctRecordedNames) {
  TempDir dir;
  auto mirror = OpenBound(dir.File("m.db"));
  ASSERT_NE(mirror, nullptr);
  std::vector<base::RowChange> changes = {PutRow(
      Key("k"), {Put("Col", Value::Integer(1), 1), Put("col", Value::Integer(2), 1),
                 Put("COL", Value::Integer(3), 1), Put("col_2", Value::Integer(4), 1),
                 Put("_replicator", Value::Integer(5), 1),
                 Put("_Replicator_x", Value::Integer(6), 1), Put("ID", Value::Integer(7), 1)})};
  std::vector<base::Batch> batches = {MakeBatch("t1", "c1", "a", "b", changes)};
  auto result = mirror->ApplyGroup(batches);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->warnings.size(), 6u);  // every renamed column is reported
  EXPECT_EQ(Query(dir.File("m.db"),
                  "SELECT source_column, mirror_column, rename_reason FROM _replicator_columns "
                  "WHERE kind = 'attribute' ORDER BY position"),
            (Rows{{"t:Col", "t:Col", "NULL"},
                  {"t:col", "t:col_2", "t:case_collision"},
                  {"t:COL", "t:COL_3", "t:case_collision"},
                  {"t:col_2", "t:col_2_2", "t:case_collision"},
                  {"t:_replicator", "t:src_replicator", "t:reserved_prefix"},
                  {"t:_Replicator_x", "t:src_Replicator_x", "t:reserved_prefix"},
                  {"t:ID", "t:ID_2", "t:case_collision"}}));
  EXPECT_EQ(Query(dir.File("m.db"), "SELECT Col, col_2, COL_3, col_2_2, src_replicator, "
                                    "src_Replicator_x, ID_2, id FROM t"),
            (Rows{{"i:1", "i:2", "i:3", "i:4", "i:5", "i:6", "i:7", "t:k"}}));
}

TEST(MirrorNames, OnlyOneExtraColumnAndReservedMetadataNames) {
  TempDir dir;
  auto mirror = OpenBound(dir.File("m.db"));
  ASSERT_NE(mirror, nullptr);
  ASSERT_TRUE(ApplyChanges(mirror.get(), {PutRow(Key("k"), {Put("a", Value::Integer(1), 1)})}).ok());
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT group_concat(name) FROM pragma_table_info('t')"),
            "t:id,_replicator,a");
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT count(*) FROM sqlite_schema WHERE name <> 't' "
                                       "AND name NOT LIKE '\\_replicator%' ESCAPE '\\' AND "
                                       "name NOT LIKE 'sqlite_autoindex%'"),
            "i:0");
  // Untyped columns: no affinity converts anything.
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT group_concat(type, '|') FROM "
                                       "pragma_table_info('t')"),
            "t:||");
}

TEST(MirrorColumns, IncludeExcludeAndRenameOptions) {
  TempDir dir;
  auto mirror = OpenMirror(dir.File("m.db"));
  ASSERT_NE(mirror, nullptr);
  TableBinding b = Binding("t", "t1");
  b.columns.include = {"a", "b", "c"};
  b.columns.exclude = {"b"};
  b.columns.rename = {{"c", "renamed c"}};
  ASSERT_TRUE(mirror->BindTable(b).ok());
  ASSERT_TRUE(ApplyChanges(mirror.get(), {PutRow(Key("k"), {Put("a", Value::Integer(1), 1),
                                                             Put("b", Value::Integer(2), 1),
                                                             Put("c", Value::Integer(3), 1),
                                                             Put("d", Value::Integer(4), 1)})})
                  .ok());
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT group_concat(name) FROM pragma_table_info('t')"),
            "t:id,_replicator,a,renamed c");
  EXPECT_EQ(Query(dir.File("m.db"), "SELECT a, \"renamed c\" FROM t"), (Rows{{"i:1", "i:3"}}));
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT rename_reason FROM _replicator_columns WHERE "
                                       "source_column = 'c'"),
            "t:config");
  b.columns.rename = {{"x", "_replicator_x"}};
  EXPECT_EQ(mirror->BindTable(b).code(), base::StatusCode::kInvalidArgument);
}

TEST(MirrorColumns, FixedColumnsAreCreatedUpFrontAndOthersIgnored) {
  TempDir dir;
  auto mirror = OpenMirror(dir.File("m.db"));
  ASSERT_NE(mirror, nullptr);
  TableBinding b = Binding("t", "t1");
  b.primary_key = {{"id", base::ValueType::kString}};
  b.columns.include = {"z", "a"};
  b.columns.fixed = true;
  ASSERT_TRUE(mirror->BindTable(b).ok());
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT group_concat(name) FROM pragma_table_info('t')"),
            "t:id,_replicator,z,a");
  ASSERT_TRUE(ApplyChanges(mirror.get(), {PutRow(Key("k"), {Put("a", Value::Integer(1), 1),
                                                             Put("new", Value::Integer(2), 1)})})
                  .ok());
  EXPECT_EQ(Query(dir.File("m.db"), "SELECT z, a FROM t"), (Rows{{"NULL", "i:1"}}));
}

TEST(MirrorBindings, PrimaryKeyFromOptionsMustMatch) {
  TempDir dir;
  auto mirror = OpenMirror(dir.File("m.db"));
  ASSERT_NE(mirror, nullptr);
  TableBinding b = Binding("t", "t1");
  b.primary_key = {{"id", base::ValueType::kString}, {"n", base::ValueType::kInteger}};
  ASSERT_TRUE(mirror->BindTable(b).ok());
  base::Status record = ApplyChanges(mirror.get(), {PutRow(Key("k"), {})});  // one column only
  EXPECT_EQ(record.code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(record.message().find("does not match"), std::string::npos) << record.message();
  b.primary_key = {{"id", base::ValueType::kBinary}, {"n", base::ValueType::kInteger}};
  base::Status rebind = mirror->BindTable(b);
  EXPECT_EQ(rebind.code(), base::StatusCode::kFailedPrecondition);
  EXPECT_NE(rebind.message().find("replicator resync --table t"), std::string::npos)
      << rebind.message();
}

TEST(MirrorBindings, RefusesAnotherTunnelForABoundTable) {
  TempDir dir;
  auto mirror = OpenBound(dir.File("m.db"));
  ASSERT_NE(mirror, nullptr);
  base::Status status = mirror->BindTable(Binding("t", "t2"));
  EXPECT_EQ(status.code(), base::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("replicator resync --table t"), std::string::npos)
      << status.message();
  // The same tunnel cannot feed two tables either.
  EXPECT_EQ(mirror->BindTable(Binding("u", "t1")).code(), base::StatusCode::kFailedPrecondition);
  // Re-binding the same tunnel is fine (every start does it).
  TableBinding same = Binding("t", "t1");
  same.tunnel_name = "tunnel-one";
  EXPECT_TRUE(mirror->BindTable(same).ok());
}

TEST(MirrorBindings, RefusesATableItDoesNotManage) {
  TempDir dir;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir.File("m.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE mine (x)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto mirror = OpenMirror(dir.File("m.db"));
  ASSERT_NE(mirror, nullptr);
  base::Status bind = mirror->BindTable(Binding("mine", "t1"));
  EXPECT_EQ(bind.code(), base::StatusCode::kFailedPrecondition);
  EXPECT_NE(bind.message().find("not managed"), std::string::npos) << bind.message();
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT count(*) FROM _replicator_bindings"), "i:0");
  EXPECT_EQ(mirror->DropTable("mine").code(), base::StatusCode::kFailedPrecondition);
  EXPECT_EQ(mirror->DropTable("nothing").code(), base::StatusCode::kNotFound);
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT count(*) FROM mine"), "i:0");
}

TEST(MirrorBindings, DropTableRemovesDataBindingRegistryAndCheckpoints) {
  TempDir dir;
  auto mirror = OpenBound(dir.File("m.db"));
  ASSERT_NE(mirror, nullptr);
  ASSERT_TRUE(ApplyChanges(mirror.get(), {PutRow(Key("k"), {Put("a", Value::Integer(1), 1)})}).ok());
  ASSERT_TRUE(mirror->SetWorkerClientId("t1", "client-1").ok());
  ASSERT_TRUE(*mirror->HasTunnelProgress("t1"));
  ASSERT_TRUE(mirror->DropTable("t").ok());
  EXPECT_FALSE(*mirror->HasTunnelProgress("t1"));
  EXPECT_FALSE(mirror->LoadCheckpoint("t1", "c1")->has_value());
  EXPECT_FALSE(mirror->LoadWorkerClientId("t1")->has_value());
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT (SELECT count(*) FROM sqlite_schema WHERE name = "
                                       "'t') + (SELECT count(*) FROM _replicator_columns) + "
                                       "(SELECT count(*) FROM _replicator_bindings)"),
            "i:0");
  // Now the table can be bound to a new tunnel and reloaded.
  ASSERT_TRUE(mirror->BindTable(Binding("t", "t2")).ok());
  std::vector<base::Batch> batches = {
      MakeBatch("t2", "c1", "s", "s1", {PutRow(Key("k2"), {Put("b", Value::Integer(2), 1)})})};
  ASSERT_TRUE(mirror->ApplyGroup(batches).ok());
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT group_concat(name) FROM pragma_table_info('t')"),
            "t:id,_replicator,b");
}

TEST(MirrorStatus, SnapshotReportsChannelsColumnsDriftAndWatermark) {
  TempDir dir;
  std::string path = dir.File("m.db");
  {
    auto mirror = OpenBound(path);
    ASSERT_NE(mirror, nullptr);
    ASSERT_TRUE(ApplyChanges(mirror.get(), {PutRow(Key("k"), {Put("a", Value::Integer(1), 1)})}).ok());
  }
  auto mirror = OpenBound(path);  // a new run
  ASSERT_NE(mirror, nullptr);
  auto stream = [](std::string key, int64_t us) {
    base::RowChange c = UpdateRow(Key(key), {Put("b", Value::Integer(1), 1)});
    c.row.sequence = base::SequenceInfo{1, us, 0};
    return c;
  };
  base::RowChange typed = PutRow(Key("k2"), {Put("a", Value::String("now text"), 1)});
  std::vector<base::Batch> batches = {
      MakeBatch("t1", "s1", "x", "x1", {stream("p", 5000), stream("q", 7000)}),
      MakeBatch("t1", "s2", "y", "y1", {stream("r", 6000)}),
      MakeBatch("t1", "c2", "z", "finished", {typed})};
  ASSERT_TRUE(mirror->ApplyGroup(batches).ok());
  ASSERT_TRUE(mirror->SetTableStage("t", "stream").ok());
  ASSERT_TRUE(mirror->SetServerSequence("t1", "s1", 12).ok());

  for (bool read_only : {false, true}) {
    auto snapshot = read_only ? ReadStatusSnapshot(path) : mirror->Snapshot();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
    EXPECT_EQ(snapshot->run_id, 2);
    ASSERT_EQ(snapshot->tables.size(), 1u);
    const TableStatus& t = snapshot->tables[0];
    EXPECT_EQ(t.stage, "stream");
    EXPECT_EQ(t.tunnel_name, "tunnel-one");
    EXPECT_EQ(t.row_count, 5);
    EXPECT_EQ(t.rows_applied, 5);
    ASSERT_TRUE(t.watermark_us.has_value());
    EXPECT_EQ(*t.watermark_us, 6000);  // min over stream channels of the last change time
    ASSERT_EQ(t.channels.size(), 4u);
    EXPECT_EQ(t.channels[0].channel_id, "c1");
    EXPECT_EQ(t.channels[1].status, "finished");
    EXPECT_EQ(t.channels[1].kind, "base");
    EXPECT_EQ(t.channels[2].kind, "stream");
    EXPECT_EQ(t.channels[2].server_sequence, 12);
    EXPECT_EQ(t.channels[2].last_change_time_us, 7000);
    ASSERT_EQ(t.columns.size(), 3u);
    EXPECT_TRUE(t.columns[0].primary_key);
    EXPECT_EQ(t.columns[1].source_name, "a");
    EXPECT_FALSE(t.columns[1].added_this_run);
    EXPECT_TRUE(t.columns[1].types_changed_this_run);  // string is new in this run
    EXPECT_EQ(t.columns[1].types, (std::vector<std::string>{"integer", "string"}));
    EXPECT_TRUE(t.columns[2].added_this_run);
    EXPECT_EQ(snapshot->counters.at("batches_applied"), 4);
    EXPECT_EQ(snapshot->counters.at("rows_applied"), 5);
  }
}

}  // namespace
}  // namespace tablestore::storage
