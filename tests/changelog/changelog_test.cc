// Change-log recording, replay, masking, export and trimming on the storage layer (issue 8):
// a mirror applies a random but seeded workload through Mirror::ApplyGroup with the
// recorder as its hook, and the replayed fixtures are compared with the mirror's states.

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "storage/changelog.h"
#include "storage/changelog_codec.h"
#include "storage/fixture.h"
#include "storage/mirror.h"
#include "storage/mirror_reader.h"
#include "tests/storage/mirror_test_util.h"
#include "tests/support/fake_clock.h"
#include "tests/support/test_paths.h"

namespace tablestore::storage {
namespace {

using testing::DelAll;
using testing::DelOne;
using testing::Key;
using testing::MakeBatch;
using testing::Pk;
using testing::Put;
using tablestore::testing::FakeClock;
using tablestore::testing::TempDir;

// Rows rendered for comparison: key, then cells sorted by name with value and version.
std::vector<std::string> Render(const std::vector<base::Row>& rows) {
  std::vector<std::string> out;
  for (const base::Row& row : rows) {
    std::string s;
    for (const base::Cell& c : row.primary_key) {
      s += c.name + "=" + (c.value ? c.value->DebugString() : "null") + " ";
    }
    std::vector<base::Cell> cells = row.cells;
    std::sort(cells.begin(), cells.end(),
              [](const base::Cell& a, const base::Cell& b) { return a.name < b.name; });
    s += "|";
    for (const base::Cell& c : cells) {
      s += " " + c.name + "=" + (c.value ? c.value->DebugString() : "null") + "@" +
           std::to_string(c.timestamp.value_or(-1));
    }
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> TableRows(const std::string& path, const std::string& table = "t") {
  auto rows = ReadMirrorRows(path, table);
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  return rows.ok() ? Render(*rows) : std::vector<std::string>{};
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The state of the mirror after a group: for --until / --count checks.
struct Point {
  int64_t commit_time = 0;
  int64_t records = 0;  // records recorded so far
  std::vector<std::string> rows;
};

// A seeded workload over a few keys and every value type and cell op, in two channels,
// with some duplicate (skipped) batches.
class Workload {
 public:
  explicit Workload(uint32_t seed) : rng_(seed) {}

  base::RowChange Next() {
    std::string id = "k" + std::to_string(Pick(12));
    int64_t ts = ++ts_;
    switch (Pick(10)) {
      case 0:
        return testing::DeleteRow(Key(id));
      case 1:
      case 2: {
        std::vector<base::Cell> cells;
        if (Pick(2)) cells.push_back(DelAll("name"));
        if (Pick(2)) cells.push_back(DelOne("qty", ts - static_cast<int64_t>(Pick(3))));
        cells.push_back(Put("qty", base::Value::Integer(static_cast<int64_t>(Pick(1000))), ts));
        if (Pick(2)) cells.push_back(Put("flag", base::Value::Boolean(Pick(2) == 1), ts));
        return testing::UpdateRow(Key(id), std::move(cells));
      }
      default: {
        std::vector<base::Cell> cells;
        cells.push_back(Put("name", base::Value::String("secret-" + id + "-" + std::to_string(ts)), ts));
        cells.push_back(Put("qty", base::Value::Integer(static_cast<int64_t>(Pick(1000))), ts));
        if (Pick(2)) cells.push_back(Put("price", base::Value::Double(Pick(100) / 4.0), ts));
        if (Pick(2)) cells.push_back(Put("blob", base::Value::Binary(std::string("\0b", 2) + id), ts));
        if (Pick(3) == 0) cells.push_back(Put("late", base::Value::String("x"), ts));
        return testing::PutRow(Key(id), std::move(cells));
      }
    }
  }

  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

 private:
  std::mt19937 rng_;
  int64_t ts_ = 1'000;
};

class ChangelogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mirror_path_ = dir_.File("mirror.db");
    MirrorOptions options;
    options.path = mirror_path_;
    options.clock = &clock_;
    auto mirror = Mirror::Open(options);
    ASSERT_TRUE(mirror.ok()) << mirror.status().ToString();
    mirror_ = std::move(mirror).value();
    TableBinding binding;
    binding.mirror_table = "t";
    binding.source_table = "src";
    binding.tunnel_name = "tunnel-one";
    binding.tunnel_id = "t1";
    ASSERT_TRUE(mirror_->BindTable(binding).ok());
  }

  void StartRecording(ChangelogOptions options = {}) {
    std::vector<std::string> warnings;
    auto rec = ChangelogRecorder::Start(mirror_path_, options, clock_.WallMillis(), &warnings);
    ASSERT_TRUE(rec.ok()) << rec.status().ToString();
    recorder_ = std::move(rec).value();
    warnings_ = warnings;
  }

  // Applies `groups` groups of 1-3 batches (channels c1/c2, sometimes a duplicate), 1 s
  // apart, recording each resulting state.
  void RunWorkload(int groups, uint32_t seed = 7) {
    Workload w(seed);
    for (int g = 0; g < groups; ++g) {
      clock_.Advance(std::chrono::seconds(1));
      std::vector<base::Batch> batches;
      size_t n = 1 + w.Pick(3);
      for (size_t b = 0; b < n; ++b) {
        std::string channel = w.Pick(2) ? "c1" : "c2";
        int64_t& token = tokens_[channel];
        std::vector<base::RowChange> changes;
        size_t records = 1 + w.Pick(5);
        for (size_t r = 0; r < records; ++r) changes.push_back(w.Next());
        batches.push_back(MakeBatch("t1", channel, std::to_string(token),
                                    std::to_string(token + 1), std::move(changes)));
        ++token;
        if (w.Pick(5) == 0) {  // a duplicate of the batch just queued: skipped
          base::Batch dup = batches.back();
          batches.push_back(std::move(dup));
        }
      }
      ApplyOptions apply;
      apply.hook = recorder_.get();
      auto result = mirror_->ApplyGroup(batches, apply);
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      skipped_ += static_cast<int64_t>(result->skipped);
      for (size_t i = 0; i < batches.size(); ++i) {
        if (result->batches[i].outcome == BatchOutcome::kApplied) {
          records_ += static_cast<int64_t>(batches[i].changes.size());
        }
      }
      points_.push_back(Point{clock_.WallMillis(), records_, TableRows(mirror_path_)});
    }
  }

  base::Result<FixtureSummary> Replay(const std::string& out, FixtureOptions options = {}) {
    return ReplayFixture(mirror_path_, out, options);
  }

  TempDir dir_;
  FakeClock clock_{1'800'000'000'000};
  std::string mirror_path_;
  std::unique_ptr<Mirror> mirror_;
  std::unique_ptr<ChangelogRecorder> recorder_;
  std::vector<std::string> warnings_;
  std::map<std::string, int64_t> tokens_;
  std::vector<Point> points_;
  int64_t records_ = 0;
  int64_t skipped_ = 0;
};

TEST(ChangelogCodec, RoundTripsEveryValueKindAndCellOp) {
  std::vector<base::RowChange> changes;
  changes.push_back(testing::PutRow(
      {Pk("id", base::Value::String("a")), Pk("n", base::Value::Integer(-5)),
       Pk("b", base::Value::Binary(std::string("\0\1", 2)))},
      {Put("s", base::Value::String(""), 1), Put("i", base::Value::Integer(INT64_MIN), 2),
       Put("d", base::Value::DoubleBits(0x8000000000000000ULL), -3),
       Put("nan", base::Value::DoubleBits(0x7ff8000000000001ULL), 4),
       Put("t", base::Value::Boolean(true), 5), Put("e", base::Value::Binary(""), 6)}));
  changes.push_back(testing::UpdateRow(Key("x"), {DelAll("s"), DelOne("i", 77)}));
  base::RowChange del = testing::DeleteRow(Key("y"));
  del.row.sequence = base::SequenceInfo{3, 1'700'000'000'000'123, 9};
  changes.push_back(del);
  std::string bytes;
  EncodeChanges(changes, &bytes);
  auto decoded = DecodeChanges(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), changes.size());
  for (size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ((*decoded)[i].action, changes[i].action);
    EXPECT_TRUE((*decoded)[i].row == changes[i].row) << i;
  }
}

TEST(ChangelogCodec, RejectsTruncatedAndTrailingBytes) {
  std::string bytes;
  EncodeChanges({testing::PutRow(Key("a"), {Put("s", base::Value::String("abc"), 1)})}, &bytes);
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto decoded = DecodeChanges(std::string_view(bytes).substr(0, n));
    EXPECT_FALSE(decoded.ok()) << n;
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().code(), base::StatusCode::kDataLoss);
    }
  }
  EXPECT_FALSE(DecodeChanges(bytes + "x").ok());
}

TEST_F(ChangelogTest, RecordsOnlyAppliedBatchesInTheDataTransaction) {
  StartRecording();
  RunWorkload(40);
  ASSERT_GT(skipped_, 0) << "the workload must contain duplicates";
  auto log = ChangelogReader::Open(mirror_path_);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->info().records_total, records_);
  int64_t records = 0;
  std::map<std::string, std::string> last_out;
  ASSERT_TRUE((*log)
                  ->ForEachEntry([&](ChangelogEntry&& e) -> base::Result<bool> {
                    EXPECT_EQ(e.first_record, records);
                    records += static_cast<int64_t>(e.changes.size());
                    // Entries chain per channel: no duplicate was recorded.
                    auto it = last_out.find(e.channel_id);
                    if (it != last_out.end()) {
                      EXPECT_EQ(e.token_in, it->second);
                    }
                    last_out[e.channel_id] = e.token_out;
                    return true;
                  })
                  .ok());
  EXPECT_EQ(records, records_);
}

TEST_F(ChangelogTest, FailedGroupLeavesNoEntry) {
  StartRecording();
  RunWorkload(3);
  std::vector<base::Batch> batches;
  batches.push_back(MakeBatch("t1", "c9", "0", "1", {testing::PutRow(Key("z"), {})}));
  batches.push_back(MakeBatch("", "c9", "1", "2", {}));  // invalid: rolls the group back
  ApplyOptions apply;
  apply.hook = recorder_.get();
  EXPECT_FALSE(mirror_->ApplyGroup(batches, apply).ok());
  auto log = ChangelogReader::Open(mirror_path_);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->info().records_total, records_);
  std::string out = dir_.File("f.db");
  ASSERT_TRUE(Replay(out).ok());
  EXPECT_EQ(TableRows(out), TableRows(mirror_path_));
}

TEST_F(ChangelogTest, ReplayEqualsMirror) {
  StartRecording();
  RunWorkload(60);
  std::string out = dir_.File("fixture.db");
  auto summary = Replay(out);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->records, records_);
  EXPECT_FALSE(TableRows(out).empty());
  EXPECT_EQ(TableRows(out), TableRows(mirror_path_));
  // Same checkpoints as the mirror.
  EXPECT_EQ(testing::Query(out, "SELECT channel_id, token FROM _replicator_checkpoints "
                                "ORDER BY channel_id"),
            testing::Query(mirror_path_, "SELECT channel_id, token FROM "
                                         "_replicator_checkpoints ORDER BY channel_id"));
}

TEST_F(ChangelogTest, ReplayUntilAndCountGiveTheStateAtThatPoint) {
  StartRecording();
  RunWorkload(30);
  for (size_t i : {size_t{0}, size_t{7}, size_t{18}, points_.size() - 1}) {
    const Point& p = points_[i];
    std::string out = dir_.File("until" + std::to_string(i) + ".db");
    FixtureOptions until;
    until.until_ms = p.commit_time;
    ASSERT_TRUE(Replay(out, until).ok());
    EXPECT_EQ(TableRows(out), p.rows) << "until point " << i;

    out = dir_.File("count" + std::to_string(i) + ".db");
    FixtureOptions count;
    count.count = p.records;
    ASSERT_TRUE(Replay(out, count).ok());
    EXPECT_EQ(TableRows(out), p.rows) << "count point " << i;
  }
  // A count inside a batch applies only its first records.
  FixtureOptions none;
  none.count = 0;
  std::string out = dir_.File("none.db");
  ASSERT_TRUE(Replay(out, none).ok());
  EXPECT_TRUE(TableRows(out).empty());
}

TEST_F(ChangelogTest, TwoReplaysAreByteIdentical) {
  StartRecording();
  RunWorkload(40);
  FixtureOptions options;
  options.masks.salt = "pepper";
  options.masks.rules.push_back(*ParseMaskRule("t.name=hash"));
  std::string a = dir_.File("a.db"), b = dir_.File("b.db");
  ASSERT_TRUE(Replay(a, options).ok());
  clock_.Advance(std::chrono::hours(5));  // the wall clock must not matter
  ASSERT_TRUE(Replay(b, options).ok());
  std::string bytes_a = ReadBytes(a), bytes_b = ReadBytes(b);
  ASSERT_FALSE(bytes_a.empty());
  EXPECT_TRUE(bytes_a == bytes_b) << "fixtures differ";
  // And a different option gives a different file (the comparison can fail).
  options.masks.salt = "salt";
  std::string c = dir_.File("c.db");
  ASSERT_TRUE(Replay(c, options).ok());
  EXPECT_FALSE(ReadBytes(c) == bytes_a);
}

TEST_F(ChangelogTest, MaskedColumnsNeverContainSourceValues) {
  StartRecording();
  RunWorkload(40);
  FixtureOptions options;
  options.masks.salt = "pepper";
  options.masks.rules.push_back(*ParseMaskRule("t.name=hash"));
  options.masks.rules.push_back(*ParseMaskRule("t.blob=drop"));
  options.masks.rules.push_back(*ParseMaskRule("*.qty=fixed:7"));
  options.masks.rules.push_back(*ParseMaskRule("t.id=hash"));
  std::string out = dir_.File("masked.db");
  auto summary = Replay(out, options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  std::string bytes = ReadBytes(out);
  // No source string survives anywhere in the file (values, free pages, metadata).
  EXPECT_NE((ReadBytes(mirror_path_) + ReadBytes(mirror_path_ + "-wal")).find("secret-"),
            std::string::npos);
  EXPECT_EQ(bytes.find("secret-"), std::string::npos);
  EXPECT_TRUE(testing::Query(out, "SELECT 1 FROM pragma_table_info('t') WHERE name = 'blob'")
                  .empty());
  auto types = testing::Query(out, "SELECT DISTINCT typeof(name), length(name), typeof(id), "
                                   "length(id) FROM t WHERE name IS NOT NULL");
  ASSERT_FALSE(types.empty());
  for (const auto& row : types) {
    EXPECT_EQ(row, (std::vector<std::string>{"t:text", "i:32", "t:text", "i:32"}));
  }
  auto qty = testing::Query(out, "SELECT DISTINCT qty FROM t WHERE qty IS NOT NULL");
  EXPECT_EQ(qty, (std::vector<std::vector<std::string>>{{"i:7"}}));
  // Same number of rows as the mirror (hashing keys keeps them distinct).
  EXPECT_EQ(testing::QueryOne(out, "SELECT count(*) FROM t"),
            testing::QueryOne(mirror_path_, "SELECT count(*) FROM t"));
  // Hashes are stable: equal source values give equal masked values.
  EXPECT_EQ(testing::QueryOne(out, "SELECT count(DISTINCT name) FROM t"),
            testing::QueryOne(mirror_path_, "SELECT count(DISTINCT name) FROM t"));
}

TEST_F(ChangelogTest, ColumnsAndTablesLimitTheFixture) {
  StartRecording();
  RunWorkload(20);
  FixtureOptions options;
  options.columns = {{"t", "qty"}};
  std::string out = dir_.File("cols.db");
  ASSERT_TRUE(Replay(out, options).ok());
  auto cols = testing::Query(out, "SELECT name FROM pragma_table_info('t') ORDER BY cid");
  EXPECT_EQ(cols, (std::vector<std::vector<std::string>>{{"t:id"}, {"t:_replicator"}, {"t:qty"}}));
  options = {};
  options.tables = {"nope"};
  auto bad = Replay(dir_.File("bad.db"), options);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), base::StatusCode::kInvalidArgument);
}

TEST_F(ChangelogTest, HashMaskNeedsASalt) {
  StartRecording();
  RunWorkload(2);
  FixtureOptions options;
  options.masks.rules.push_back(*ParseMaskRule("t.name=hash"));
  auto r = Replay(dir_.File("x.db"), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::StatusCode::kInvalidArgument);
}

TEST_F(ChangelogTest, ExistingOutputIsNotReplacedWithoutOverwrite) {
  StartRecording();
  RunWorkload(2);
  std::string out = dir_.File("f.db");
  ASSERT_TRUE(Replay(out).ok());
  auto again = Replay(out);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), base::StatusCode::kInvalidArgument);
  FixtureOptions options;
  options.overwrite = true;
  EXPECT_TRUE(Replay(out, options).ok());
}

TEST_F(ChangelogTest, TrimmingBySizeKeepsReplayCorrect) {
  ChangelogOptions bounds;
  bounds.max_size = 600;  // bytes: forces many trims
  StartRecording(bounds);
  RunWorkload(80);
  auto log = ChangelogReader::Open(mirror_path_);
  ASSERT_TRUE(log.ok());
  EXPECT_GT((*log)->info().base_records, 0) << "the log must have been trimmed";
  EXPECT_LE((*log)->info().bytes, 600);
  EXPECT_EQ((*log)->info().records_total, records_);
  log->reset();
  std::string out = dir_.File("trimmed.db");
  ASSERT_TRUE(Replay(out).ok());
  EXPECT_EQ(TableRows(out), TableRows(mirror_path_));
  // Points still inside the log replay exactly; points before its start are refused.
  auto info = ChangelogReader::Open(mirror_path_);
  ASSERT_TRUE(info.ok());
  int64_t start = (*info)->info().base_records;
  info->reset();
  int checked = 0;
  for (const Point& p : points_) {
    FixtureOptions count;
    count.count = p.records;
    count.overwrite = true;
    auto r = Replay(dir_.File("p.db"), count);
    if (p.records < start) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), base::StatusCode::kOutOfRange);
    } else {
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(TableRows(dir_.File("p.db")), p.rows) << "records " << p.records;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST_F(ChangelogTest, TrimmingByAgeKeepsReplayCorrect) {
  ChangelogOptions bounds;
  bounds.max_age_ms = 10'000;  // the workload advances 1 s per group
  StartRecording(bounds);
  RunWorkload(50);
  auto log = ChangelogReader::Open(mirror_path_);
  ASSERT_TRUE(log.ok());
  EXPECT_GT((*log)->info().base_records, 0);
  EXPECT_LE((*log)->info().entries, 3 * 11);
  log->reset();
  std::string out = dir_.File("aged.db");
  ASSERT_TRUE(Replay(out).ok());
  EXPECT_EQ(TableRows(out), TableRows(mirror_path_));
  FixtureOptions early;
  early.until_ms = points_.front().commit_time;
  auto r = Replay(dir_.File("early.db"), early);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::StatusCode::kOutOfRange);
}

TEST_F(ChangelogTest, StartsFromASnapshotWhenEnabledOnAFilledMirror) {
  RunWorkload(20, 1);  // no recorder: nothing logged
  std::vector<std::string> before = TableRows(mirror_path_);
  ASSERT_FALSE(before.empty());
  StartRecording();
  RunWorkload(20, 2);
  std::string out = dir_.File("late.db");
  ASSERT_TRUE(Replay(out).ok());
  EXPECT_EQ(TableRows(out), TableRows(mirror_path_));
  FixtureOptions start;
  start.count = 0;
  std::string at_start = dir_.File("start.db");
  ASSERT_TRUE(Replay(at_start, start).ok());
  EXPECT_EQ(TableRows(at_start), before);
}

TEST_F(ChangelogTest, GapWhileRecordingWasOffRestartsFromASnapshot) {
  StartRecording();
  RunWorkload(10, 1);
  auto saved = std::move(recorder_);
  RunWorkload(10, 2);  // applied without the hook: a gap in the log
  StartRecording();
  EXPECT_EQ(warnings_.size(), 1u);
  RunWorkload(10, 3);
  std::string out = dir_.File("gap.db");
  ASSERT_TRUE(Replay(out).ok());
  EXPECT_EQ(TableRows(out), TableRows(mirror_path_));
}

TEST_F(ChangelogTest, ExportEqualsMirrorAndIsByteIdentical) {
  RunWorkload(30);
  FixtureOptions options;
  std::string a = dir_.File("export-a.db"), b = dir_.File("export-b.db");
  auto summary = ExportFixture(mirror_path_, a, options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(TableRows(a), TableRows(mirror_path_));
  // Same columns in the same order as the mirror.
  const char* cols = "SELECT name, type FROM pragma_table_info('t') ORDER BY cid";
  EXPECT_EQ(testing::Query(a, cols), testing::Query(mirror_path_, cols));
  ASSERT_TRUE(ExportFixture(mirror_path_, b, options).ok());
  EXPECT_TRUE(ReadBytes(a) == ReadBytes(b));
  // No checkpoints or change log in an export.
  EXPECT_EQ(testing::QueryOne(a, "SELECT count(*) FROM _replicator_checkpoints"), "i:0");
}

TEST_F(ChangelogTest, ExportAppliesMasks) {
  RunWorkload(30);
  FixtureOptions options;
  options.masks.salt = "k";
  options.masks.rules.push_back(*ParseMaskRule("t.name=hash"));
  options.masks.rules.push_back(*ParseMaskRule("t.blob=drop"));
  std::string out = dir_.File("export.db");
  ASSERT_TRUE(ExportFixture(mirror_path_, out, options).ok());
  EXPECT_EQ(ReadBytes(out).find("secret-"), std::string::npos);
  EXPECT_EQ(testing::QueryOne(out, "SELECT count(*) FROM t"),
            testing::QueryOne(mirror_path_, "SELECT count(*) FROM t"));
  // The unmasked columns equal the mirror's.
  const char* qty = "SELECT id, qty FROM t ORDER BY id";
  EXPECT_EQ(testing::Query(out, qty), testing::Query(mirror_path_, qty));
}

TEST_F(ChangelogTest, ExportWorksWhileTheWriterHoldsTheMirror) {
  RunWorkload(10);
  // The Mirror (writer) is open and holds its lock; a group is applied between exports.
  std::string a = dir_.File("a.db");
  ASSERT_TRUE(ExportFixture(mirror_path_, a, {}).ok());
  std::vector<std::string> at_a = TableRows(mirror_path_);
  RunWorkload(5, 99);
  EXPECT_EQ(TableRows(a), at_a);
}

TEST(ChangelogFold, UpdateRulesMatchTheMirror) {
  std::optional<base::Row> row;
  FoldChange(testing::UpdateRow(Key("a"), {DelAll("x")}), &row);
  EXPECT_FALSE(row.has_value()) << "an update without puts creates nothing";
  FoldChange(testing::UpdateRow(Key("a"), {Put("x", base::Value::Integer(1), 10)}), &row);
  ASSERT_TRUE(row.has_value());
  FoldChange(testing::UpdateRow(Key("a"), {Put("x", base::Value::Integer(2), 9)}), &row);
  EXPECT_EQ(row->cells.at(0).value->integer, 1) << "an older put does not win";
  FoldChange(testing::UpdateRow(Key("a"), {DelOne("x", 9)}), &row);
  EXPECT_EQ(row->cells.size(), 1u) << "delete-one-version of another version does nothing";
  FoldChange(testing::UpdateRow(Key("a"), {DelOne("x", 10)}), &row);
  EXPECT_TRUE(row.has_value());
  EXPECT_TRUE(row->cells.empty()) << "the row stays, without the column";
  FoldChange(testing::DeleteRow(Key("a")), &row);
  EXPECT_FALSE(row.has_value());
}

}  // namespace
}  // namespace tablestore::storage
