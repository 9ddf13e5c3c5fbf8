// Row semantics of docs/design.md "Row semantics in the mirror", one rule per test.

#include <gtest/gtest.h>

#include "storage/mirror.h"
#include "tests/storage/mirror_test_util.h"
#include "tests/support/test_paths.h"

namespace tablestore::storage {
namespace {

using base::Value;
using testing::ApplyChanges;
using testing::DeleteRow;
using testing::DelAll;
using testing::DelOne;
using testing::Key;
using testing::OpenBound;
using testing::Put;
using testing::PutRow;
using testing::Query;
using testing::QueryOne;
using testing::UpdateRow;
using Rows = std::vector<std::vector<std::string>>;

class MirrorRows : public ::testing::Test {
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
  // Every row as id + the named columns.
  Rows Read(const std::string& columns) {
    return Query(path_, "SELECT id, " + columns + " FROM t ORDER BY id");
  }

  tablestore::testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<Mirror> mirror_;
};

TEST_F(MirrorRows, PutRowReplacesTheWholeRow) {
  Apply({PutRow(Key("k"), {Put("a", Value::Integer(1), 100), Put("b", Value::Integer(2), 100)})});
  // Older timestamps than held do not matter: PUT_ROW replaces whatever was there.
  Apply({PutRow(Key("k"), {Put("a", Value::Integer(3), 50)})});
  EXPECT_EQ(Read("a, b"), (Rows{{"t:k", "i:3", "NULL"}}));
  // The dropped column's version is gone too: an update with an old timestamp shows.
  Apply({UpdateRow(Key("k"), {Put("b", Value::Integer(4), 1)})});
  EXPECT_EQ(Read("a, b"), (Rows{{"t:k", "i:3", "i:4"}}));
}

TEST_F(MirrorRows, PutRowWithoutCellsLeavesAKeyOnlyRow) {
  Apply({PutRow(Key("k"), {Put("a", Value::Integer(1), 100)})});
  Apply({PutRow(Key("k"), {})});
  EXPECT_EQ(Read("a, _replicator"), (Rows{{"t:k", "NULL", "NULL"}}));
}

TEST_F(MirrorRows, PutRowKeepsTheGreatestTimestampAndTiesGoToTheLaterCell) {
  Apply({PutRow(Key("k"), {Put("a", Value::Integer(1), 200), Put("a", Value::Integer(2), 100),
                           Put("b", Value::Integer(3), 100), Put("b", Value::Integer(4), 100)})});
  EXPECT_EQ(Read("a, b"), (Rows{{"t:k", "i:1", "i:4"}}));
}

TEST_F(MirrorRows, UpdatePutsOnlyIfNotOlderThanTheHeldVersion) {
  Apply({PutRow(Key("k"), {Put("a", Value::Integer(1), 100), Put("b", Value::Integer(1), 100),
                           Put("c", Value::Integer(1), 100)})});
  Apply({UpdateRow(Key("k"), {Put("a", Value::Integer(2), 99),     // older: ignored
                              Put("b", Value::Integer(3), 100),    // equal: overwrites
                              Put("c", Value::Integer(4), 101)})});  // newer: overwrites
  EXPECT_EQ(Read("a, b, c"), (Rows{{"t:k", "i:1", "i:3", "i:4"}}));
}

TEST_F(MirrorRows, UpdateAppliesCellsOneByOneInRecordOrder) {
  Apply({PutRow(Key("k"), {Put("a", Value::Integer(1), 100)})});
  // delete-all drops the version, so the later put with an older timestamp shows.
  Apply({UpdateRow(Key("k"), {DelAll("a"), Put("a", Value::Integer(2), 5)})});
  EXPECT_EQ(Read("a"), (Rows{{"t:k", "i:2"}}));
  // The other order: the put loses to nothing (version 5 held → 7 newer), then delete-all.
  Apply({UpdateRow(Key("k"), {Put("a", Value::Integer(3), 7), DelAll("a")})});
  EXPECT_EQ(Read("a"), (Rows{{"t:k", "NULL"}}));
}

TEST_F(MirrorRows, DeleteAllVersionsLetsAnyLaterPutShow) {
  Apply({PutRow(Key("k"), {Put("a", Value::Integer(1), 100)})});
  Apply({UpdateRow(Key("k"), {DelAll("a")})});
  EXPECT_EQ(Read("a"), (Rows{{"t:k", "NULL"}}));
  Apply({UpdateRow(Key("k"), {Put("a", Value::Integer(2), 1)})});
  EXPECT_EQ(Read("a"), (Rows{{"t:k", "i:2"}}));
}

TEST_F(MirrorRows, DeleteOneVersionClearsOnlyTheEqualVersion) {
  Apply({PutRow(Key("k"), {Put("a", Value::Integer(1), 100), Put("b", Value::Integer(1), 100)})});
  Apply({UpdateRow(Key("k"), {DelOne("a", 99), DelOne("b", 100)})});
  EXPECT_EQ(Read("a, b"), (Rows{{"t:k", "i:1", "NULL"}}));
}

TEST_F(MirrorRows, UpdateOfAnAbsentRowCreatesItOnlyWithAPut) {
  Apply({UpdateRow(Key("deletes-only"), {DelAll("a"), DelOne("b", 5)}),
         UpdateRow(Key("no-cells"), {}),
         UpdateRow(Key("with-put"), {Put("a", Value::Integer(1), 10), DelAll("a")})});
  // The put created the row; the delete then cleared the cell: a key-only row remains.
  EXPECT_EQ(Read("a"), (Rows{{"t:with-put", "NULL"}}));
}

TEST_F(MirrorRows, UpdateLeavingNoAttributeKeepsTheRow) {
  Apply({PutRow(Key("k"), {Put("a", Value::Integer(1), 100)})});
  Apply({UpdateRow(Key("k"), {DelAll("a")})});
  EXPECT_EQ(Read("a, _replicator"), (Rows{{"t:k", "NULL", "NULL"}}));
}

TEST_F(MirrorRows, UpdateWhoseCellsAllLoseChangesNothing) {
  Apply({PutRow(Key("k"), {Put("a", Value::Integer(1), 100)})});
  auto before = Read("a, _replicator");
  Apply({UpdateRow(Key("k"), {Put("a", Value::Integer(2), 50), DelOne("a", 7)})});
  EXPECT_EQ(Read("a, _replicator"), before);
}

TEST_F(MirrorRows, DeleteRowRemovesTheRowAndItsVersionsAndToleratesAbsentRows) {
  Apply({PutRow(Key("k"), {Put("a", Value::Integer(1), 100)})});
  Apply({DeleteRow(Key("k")), DeleteRow(Key("never-there"))});
  EXPECT_EQ(QueryOne(path_, "SELECT count(*) FROM t"), "i:0");
  Apply({UpdateRow(Key("k"), {Put("a", Value::Integer(2), 1)})});  // old ts: no version left
  EXPECT_EQ(Read("a"), (Rows{{"t:k", "i:2"}}));
}

TEST_F(MirrorRows, RecordsOfOneBatchApplyInOrder) {
  Apply({PutRow(Key("k"), {Put("a", Value::Integer(1), 1)}), DeleteRow(Key("k")),
         PutRow(Key("k"), {Put("a", Value::Integer(2), 1)}),
         UpdateRow(Key("k"), {Put("b", Value::String("x"), 1)})});
  EXPECT_EQ(Read("a, b"), (Rows{{"t:k", "i:2", "t:x"}}));
}

TEST_F(MirrorRows, UpdateWithNewColumnsOnAnExistingRow) {
  Apply({PutRow(Key("k"), {Put("a", Value::Integer(1), 100)})});
  Apply({UpdateRow(Key("k"), {Put("z", Value::Integer(9), 100)})});
  EXPECT_EQ(Read("a, z"), (Rows{{"t:k", "i:1", "i:9"}}));
}

TEST_F(MirrorRows, CompositeKeysInSourceOrder) {
  auto key = [](const std::string& s, int64_t n) {
    return std::vector<base::Cell>{testing::Pk("id", Value::String(s)),
                                   testing::Pk("seq", Value::Integer(n))};
  };
  tablestore::testing::TempDir dir;  // a separate table with a two-column key
  auto mirror = OpenBound(dir.File("k.db"), "orders");
  ASSERT_NE(mirror, nullptr);
  ASSERT_TRUE(ApplyChanges(mirror.get(), {PutRow(key("a", 2), {Put("v", Value::Integer(1), 1)}),
                                          PutRow(key("a", 1), {Put("v", Value::Integer(2), 1)})})
                  .ok());
  EXPECT_EQ(Query(dir.File("k.db"), "SELECT id, seq, v FROM orders"),
            (Rows{{"t:a", "i:1", "i:2"}, {"t:a", "i:2", "i:1"}}));
  EXPECT_EQ(QueryOne(dir.File("k.db"), "SELECT group_concat(name) FROM pragma_table_info("
                                       "'orders') WHERE pk > 0 ORDER BY pk"),
            "t:id,seq");
  EXPECT_EQ(QueryOne(dir.File("k.db"), "SELECT sql LIKE '%WITHOUT ROWID' FROM sqlite_schema "
                                       "WHERE name = 'orders'"),
            "i:1");
}

}  // namespace
}  // namespace tablestore::storage
