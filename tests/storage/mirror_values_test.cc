// Exact value round-trip and the version column (docs/storage.md "Values").

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "storage/mirror.h"
#include "storage/version_codec.h"
#include "tests/storage/mirror_test_util.h"
#include "tests/support/test_paths.h"

namespace tablestore::storage {
namespace {

using base::Value;
using testing::ApplyChanges;
using testing::Key;
using testing::OpenBound;
using testing::Put;
using testing::PutRow;
using testing::Query;
using testing::QueryOne;
using testing::UpdateRow;
using Rows = std::vector<std::vector<std::string>>;

// The decoded _replicator column of row `id` of table t (column count from the registry).
std::vector<CellVersion> Versions(const std::string& path, const std::string& id) {
  std::vector<CellVersion> out;
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT _replicator, (SELECT count(*) FROM _replicator_columns WHERE "
                     "mirror_table = 't' AND kind = 'attribute') FROM t WHERE id = ?1",
                     -1, &s, nullptr);
  sqlite3_bind_text(s, 1, id.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(s) == SQLITE_ROW) {
    base::Status status = VersionCodec::Decode(
        sqlite3_column_blob(s, 0), static_cast<size_t>(sqlite3_column_bytes(s, 0)),
        static_cast<size_t>(sqlite3_column_int(s, 1)), &out);
    EXPECT_TRUE(status.ok()) << status.ToString();
  } else {
    ADD_FAILURE() << "no row " << id;
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

double ReadDouble(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr);
  double d = 0;
  if (sqlite3_step(s) == SQLITE_ROW) d = sqlite3_column_double(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return d;
}

class MirrorValues : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("m.db");
    mirror_ = OpenBound(path_);
    ASSERT_NE(mirror_, nullptr);
  }
  void Apply(std::vector<base::RowChange> changes) {
    base::Status status = ApplyChanges(mirror_.get(), std::move(changes));
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  std::string Types(const std::string& column) {
    return QueryOne(path_, "SELECT types FROM _replicator_columns WHERE mirror_table = 't' AND "
                           "source_column = '" + column + "'");
  }

  tablestore::testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<Mirror> mirror_;
};

TEST_F(MirrorValues, EveryTypeRoundTripsWithItsStorageClass) {
  Apply({PutRow(Key("k"), {Put("i", Value::Integer(-42), 1), Put("d", Value::Double(1.0), 1),
                           Put("s", Value::String("hello"), 1),
                           Put("b", Value::Binary(std::string("\x00\xff", 2)), 1),
                           Put("t", Value::Boolean(true), 1), Put("f", Value::Boolean(false), 1),
                           Put("big", Value::Integer(std::numeric_limits<int64_t>::min()), 1)})});
  EXPECT_EQ(Query(path_, "SELECT typeof(i), i, typeof(d), d, typeof(s), s, typeof(b), b, "
                         "typeof(t), t, f, big FROM t"),
            (Rows{{"t:integer", "i:-42", "t:real", "r:1", "t:text", "t:hello", "t:blob",
                   "b:00ff", "t:integer", "i:1", "i:0", "i:-9223372036854775808"}}));
  // BOOLEAN and INTEGER are both integers in SQLite: the registry and the version column
  // keep the source type.
  EXPECT_EQ(Types("t"), "t:boolean");
  EXPECT_EQ(Types("i"), "t:integer");
  auto versions = Versions(path_, "k");
  ASSERT_EQ(versions.size(), 7u);
  EXPECT_EQ(versions[4].tag, ValueTag::kBoolean);  // "t" is the fifth attribute
  EXPECT_EQ(versions[0].tag, ValueTag::kPlain);
}

TEST_F(MirrorValues, OneColumnHoldsMixedTypesAndTheRegistryListsThemAll) {
  Apply({PutRow(Key("a"), {Put("v", Value::Integer(1), 1)}),
         PutRow(Key("b"), {Put("v", Value::String("x"), 1)}),
         PutRow(Key("c"), {Put("v", Value::Boolean(true), 1)}),
         PutRow(Key("d"), {Put("v", Value::Double(2.5), 1)}),
         PutRow(Key("e"), {Put("v", Value::Binary("y"), 1)})});
  EXPECT_EQ(Query(path_, "SELECT typeof(v) FROM t ORDER BY id"),
            (Rows{{"t:integer"}, {"t:text"}, {"t:integer"}, {"t:real"}, {"t:blob"}}));
  EXPECT_EQ(Types("v"), "t:integer,string,boolean,double,binary");
}

TEST_F(MirrorValues, TextThatLooksNumericStaysText) {
  Apply({PutRow(Key("k"), {Put("a", Value::String("007"), 1), Put("b", Value::String("1e3"), 1),
                           Put("c", Value::String(" 12 "), 1), Put("d", Value::Double(1.0), 1),
                           Put("e", Value::String("1.0"), 1)})});
  EXPECT_EQ(Query(path_, "SELECT a, b, c, d, typeof(d), e FROM t"),
            (Rows{{"t:007", "t:1e3", "t: 12 ", "r:1", "t:real", "t:1.0"}}));
}

TEST_F(MirrorValues, NegativeZeroKeepsItsSign) {
  Apply({PutRow(Key("k"), {Put("z", Value::Double(-0.0), 1)})});
  EXPECT_EQ(QueryOne(path_, "SELECT typeof(z) FROM t"), "t:real");
  double z = ReadDouble(path_, "SELECT z FROM t");
  EXPECT_EQ(z, 0.0);
  EXPECT_TRUE(std::signbit(z)) << "SQLite 3.40 keeps -0.0 in a column without affinity";
}

TEST_F(MirrorValues, EmptyStringsAndBlobsAreValuesNotNull) {
  Apply({PutRow(Key("k"), {Put("s", Value::String(""), 1), Put("b", Value::Binary(""), 1)})});
  EXPECT_EQ(Query(path_, "SELECT typeof(s), length(s), typeof(b), length(b) FROM t"),
            (Rows{{"t:text", "i:0", "t:blob", "i:0"}}));
  Apply({PutRow(Key(""), {})});  // an empty string key is a key too
  EXPECT_EQ(QueryOne(path_, "SELECT typeof(id) FROM t WHERE id = ''"), "t:text");
}

TEST_F(MirrorValues, NaNIsStoredAsNullAndTaggedInTheVersionColumn) {
  Apply({PutRow(Key("k"), {Put("d", Value::Double(std::nan("")), 7)})});
  EXPECT_EQ(QueryOne(path_, "SELECT typeof(d) FROM t"), "t:null");
  auto versions = Versions(path_, "k");
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_TRUE(versions[0].present);  // the cell has a value (and a version) at the source
  EXPECT_EQ(versions[0].tag, ValueTag::kNaN);
  EXPECT_EQ(versions[0].timestamp, 7);
  EXPECT_EQ(Types("d"), "t:double");
  // The held version still protects the cell against older puts.
  Apply({UpdateRow(Key("k"), {Put("d", Value::Double(1.5), 6)})});
  EXPECT_EQ(QueryOne(path_, "SELECT typeof(d) FROM t"), "t:null");
}

TEST_F(MirrorValues, CellTimestampsAreKeptPerCell) {
  Apply({PutRow(Key("k"), {Put("a", Value::Integer(1), 1000), Put("b", Value::Integer(2), 1000),
                           Put("c", Value::Integer(3), 1000)})});
  Apply({UpdateRow(Key("k"), {Put("b", Value::Integer(5), 2000)})});
  auto versions = Versions(path_, "k");
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(versions[0].timestamp, 1000);
  EXPECT_EQ(versions[1].timestamp, 2000);
  EXPECT_EQ(versions[2].timestamp, 1000);
  // Typical rows stay small: one row timestamp plus the cells that differ.
  EXPECT_LE(std::stoi(QueryOne(path_, "SELECT length(_replicator) FROM t").substr(2)), 12);
}

TEST_F(MirrorValues, KeyTypesIntegerAndBinaryRoundTrip) {
  tablestore::testing::TempDir dir;
  auto mirror = OpenBound(dir.File("k.db"));
  ASSERT_NE(mirror, nullptr);
  std::vector<base::Cell> key = {testing::Pk("n", Value::Integer(-5)),
                                 testing::Pk("bin", Value::Binary(std::string("\0a", 2)))};
  ASSERT_TRUE(ApplyChanges(mirror.get(), {PutRow(key, {Put("v", Value::Integer(1), 1)}),
                                          UpdateRow(key, {Put("v", Value::Integer(2), 2)})})
                  .ok());
  EXPECT_EQ(Query(dir.File("k.db"), "SELECT typeof(n), n, typeof(bin), bin, v FROM t"),
            (Rows{{"t:integer", "i:-5", "t:blob", "b:0061", "i:2"}}));
}

TEST_F(MirrorValues, PutWithoutTimestampAlwaysAppliesWithVersionZero) {
  Apply({PutRow(Key("k"), {Put("a", Value::Integer(1), 100)})});
  base::Cell cell = testing::Pk("a", Value::Integer(2));  // no timestamp
  Apply({UpdateRow(Key("k"), {cell})});
  EXPECT_EQ(QueryOne(path_, "SELECT a FROM t"), "i:2");
  EXPECT_EQ(Versions(path_, "k")[0].timestamp, 0);
}

}  // namespace
}  // namespace tablestore::storage
