// Checkpoints, token matching, group commit atomicity, error paths and the writer lock.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/mirror.h"
#include "storage/writer_lock.h"
#include "tests/storage/mirror_test_util.h"
#include "tests/support/test_paths.h"

namespace tablestore::storage {
namespace {

using base::Value;
using testing::Key;
using testing::MakeBatch;
using testing::OpenBound;
using testing::OpenMirror;
using testing::Put;
using testing::PutRow;
using testing::Query;
using testing::QueryOne;
using testing::UpdateRow;
using tablestore::testing::TempDir;

base::RowChange Row(const std::string& id, int64_t v) {
  return PutRow(Key(id), {Put("v", Value::Integer(v), 1)});
}

TEST(MirrorCommit, AppliesABatchAndAdvancesItsCheckpoint) {
  TempDir dir;
  auto mirror = OpenBound(dir.File("m.db"));
  ASSERT_NE(mirror, nullptr);
  EXPECT_FALSE(mirror->LoadCheckpoint("t1", "c1")->has_value());
  EXPECT_FALSE(*mirror->HasTunnelProgress("t1"));
  std::vector<base::Batch> batches = {MakeBatch("t1", "c1", "tok0", "tok1", {Row("a", 1)})};
  auto result = mirror->ApplyGroup(batches);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->applied, 1u);
  EXPECT_EQ(result->batches[0].outcome, BatchOutcome::kApplied);
  EXPECT_EQ(mirror->LoadCheckpoint("t1", "c1")->value_or(""), "tok1");
  EXPECT_TRUE(*mirror->HasTunnelProgress("t1"));
  EXPECT_FALSE(*mirror->HasTunnelProgress("t2"));
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT token FROM _replicator_checkpoints"), "t:tok1");
}

TEST(MirrorCommit, SkipsDuplicateAndOutOfOrderBatchesAndCountsThem) {
  TempDir dir;
  auto mirror = OpenBound(dir.File("m.db"));
  ASSERT_NE(mirror, nullptr);
  base::Batch first = MakeBatch("t1", "c1", "tok0", "tok1", {Row("a", 1)});
  base::Batch second = MakeBatch("t1", "c1", "tok1", "tok2", {UpdateRow(Key("a"), {Put("v", Value::Integer(2), 2)})});
  base::Batch ahead = MakeBatch("t1", "c1", "tok7", "tok8", {Row("zzz", 9)});
  std::vector<base::Batch> group = {first, second};
  ASSERT_TRUE(mirror->ApplyGroup(group).ok());
  // The same batches again (a re-read after a restart) and one from the future.
  std::vector<base::Batch> replay = {first, second, ahead};
  auto result = mirror->ApplyGroup(replay);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->applied, 0u);
  EXPECT_EQ(result->skipped, 3u);
  for (const BatchResult& b : result->batches) {
    EXPECT_EQ(b.outcome, BatchOutcome::kSkippedDuplicate);
    EXPECT_EQ(b.stored_token, "tok2");  // where the channel must restart
  }
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT group_concat(id || '=' || v) FROM t"), "t:a=2");
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT duplicates_skipped FROM _replicator_checkpoints"),
            "i:3");
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT value FROM _replicator_counters WHERE name = "
                                       "'batches_skipped'"),
            "i:3");
}

TEST(MirrorCommit, OneGroupCarriesManyChannelsAndChainedBatches) {
  TempDir dir;
  auto mirror = OpenMirror(dir.File("m.db"));
  ASSERT_NE(mirror, nullptr);
  for (const char* t : {"t1", "t2"}) {
    TableBinding b;
    b.mirror_table = std::string("table_") + t;
    b.source_table = b.mirror_table;
    b.tunnel_name = t;
    b.tunnel_id = t;
    ASSERT_TRUE(mirror->BindTable(b).ok());
  }
  std::vector<base::Batch> group = {
      MakeBatch("t1", "c1", "a0", "a1", {Row("x", 1)}),
      MakeBatch("t2", "c1", "b0", "b1", {Row("y", 1)}),  // same channel id, other tunnel
      MakeBatch("t1", "c2", "c0", "c1", {Row("z", 1)}),
      MakeBatch("t1", "c1", "a1", "a2", {Row("x", 2)}),  // chained on the first
      MakeBatch("t1", "c1", "a1", "a3", {Row("x", 3)}),  // stale within the group
  };
  ApplyOptions options;
  options.collect_changed_keys = true;
  options.durable = true;
  auto result = mirror->ApplyGroup(group, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->applied, 4u);
  EXPECT_EQ(result->batches[4].outcome, BatchOutcome::kSkippedDuplicate);
  EXPECT_EQ(result->batches[4].stored_token, "a2");
  EXPECT_EQ(mirror->LoadCheckpoint("t1", "c1")->value_or(""), "a2");
  EXPECT_EQ(mirror->LoadCheckpoint("t2", "c1")->value_or(""), "b1");
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT v FROM table_t1 WHERE id = 'x'"), "i:2");
  ASSERT_EQ(result->changed.size(), 2u);
  EXPECT_EQ(result->changed[0].mirror_table, "table_t1");
  ASSERT_EQ(result->changed[0].keys.size(), 3u);
  EXPECT_EQ(result->changed[0].keys[2][0], Value::String("x"));
  auto checkpoints = mirror->LoadCheckpoints("t1");
  ASSERT_TRUE(checkpoints.ok());
  ASSERT_EQ(checkpoints->size(), 2u);
  EXPECT_EQ((*checkpoints)[1].token, "c1");
}

TEST(MirrorCommit, AFailureInTheMiddleLeavesNothingOfTheGroup) {
  TempDir dir;
  auto mirror = OpenBound(dir.File("m.db"));
  ASSERT_NE(mirror, nullptr);
  std::vector<base::Batch> group = {
      MakeBatch("t1", "c1", "a0", "a1", {Row("x", 1), PutRow(Key("y"), {Put("newcol", Value::Integer(1), 1)})}),
      MakeBatch("t1", "c2", "b0", "b1", {Row("z", 1), PutRow(Key("bad"), {Put("", Value::Integer(1), 1)})}),
      MakeBatch("t1", "c3", "c0", "c1", {Row("w", 1)}),
  };
  auto result = mirror->ApplyGroup(group);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), base::StatusCode::kInvalidArgument);
  const std::string& message = result.status().message();
  EXPECT_NE(message.find("batch 1"), std::string::npos) << message;
  EXPECT_NE(message.find("channel 'c2'"), std::string::npos) << message;
  EXPECT_NE(message.find("token_in 'b0'"), std::string::npos) << message;
  EXPECT_NE(message.find("record 1"), std::string::npos) << message;
  // Nothing: no table (it was created inside the group), no column, no checkpoint.
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT (SELECT count(*) FROM sqlite_schema WHERE name = "
                                       "'t') + (SELECT count(*) FROM _replicator_columns) + "
                                       "(SELECT count(*) FROM _replicator_checkpoints)"),
            "i:0");
  EXPECT_FALSE(mirror->LoadCheckpoint("t1", "c1")->has_value());
  // The mirror stays usable: the good batches apply on their own.
  group.erase(group.begin() + 1);
  auto retry = mirror->ApplyGroup(group);
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(retry->applied, 2u);
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT group_concat(id) FROM t"), "t:w,x,y");
}

TEST(MirrorCommit, DiskFullRollsBackNamesTheBatchAndResumes) {
  TempDir dir;
  std::string path = dir.File("m.db");
  auto mirror = OpenBound(path);
  ASSERT_NE(mirror, nullptr);
  std::vector<base::Batch> warmup = {MakeBatch("t1", "c1", "s", "s1", {Row("first", 1)})};
  ASSERT_TRUE(mirror->ApplyGroup(warmup).ok());
  auto limit = mirror->SetMaxPageCount(1);  // SQLite never goes below the current size
  ASSERT_TRUE(limit.ok());
  std::vector<base::RowChange> big;
  for (int i = 0; i < 2000; ++i) {
    big.push_back(PutRow(Key("row" + std::to_string(i)),
                         {Put("payload", Value::String(std::string(200, 'x')), 1)}));
  }
  std::vector<base::Batch> group = {MakeBatch("t1", "c2", "q", "q1", {Row("small", 1)}),
                                    MakeBatch("t1", "c1", "s1", "s2", big)};
  auto result = mirror->ApplyGroup(group);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), base::StatusCode::kResourceExhausted);
  EXPECT_NE(result.status().message().find("channel 'c1'"), std::string::npos)
      << result.status().message();
  EXPECT_NE(result.status().message().find("token_in 's1'"), std::string::npos);
  EXPECT_EQ(QueryOne(path, "SELECT count(*) FROM t"), "i:1");
  EXPECT_EQ(mirror->LoadCheckpoint("t1", "c1")->value_or(""), "s1");
  EXPECT_FALSE(mirror->LoadCheckpoint("t1", "c2")->has_value());
  EXPECT_EQ(QueryOne(path, "PRAGMA integrity_check"), "t:ok");
  // More room: the same group goes through.
  ASSERT_TRUE(mirror->SetMaxPageCount(1 << 30).ok());
  auto retry = mirror->ApplyGroup(group);
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(retry->applied, 2u);
  EXPECT_EQ(QueryOne(path, "SELECT count(*) FROM t"), "i:2002");
}

TEST(MirrorCommit, ALockedDatabaseIsUnavailableAndResumes) {
  TempDir dir;
  std::string path = dir.File("m.db");
  MirrorOptions options;
  options.path = path;
  options.busy_timeout = std::chrono::milliseconds(0);
  auto opened = Mirror::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<Mirror> mirror = std::move(opened).value();
  TableBinding binding;
  binding.mirror_table = "t";
  binding.source_table = "t";
  binding.tunnel_id = "t1";
  binding.tunnel_name = "one";
  ASSERT_TRUE(mirror->BindTable(binding).ok());
  // Another connection (say, a user's tool) holds the write lock.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::vector<base::Batch> group = {MakeBatch("t1", "c1", "a", "b", {Row("x", 1)})};
  auto result = mirror->ApplyGroup(group);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), base::StatusCode::kUnavailable);
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_FALSE(mirror->LoadCheckpoint("t1", "c1")->has_value());
  auto retry = mirror->ApplyGroup(group);
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(QueryOne(path, "SELECT count(*) FROM t"), "i:1");
  // An empty group is a no-op.
  auto empty = mirror->ApplyGroup(std::span<const base::Batch>());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->batches.empty());
}

TEST(MirrorCommit, CheckpointsSurviveReopenAndReplaysAreSkipped) {
  TempDir dir;
  std::string path = dir.File("m.db");
  base::Batch batch = MakeBatch("t1", "c1", "a", "b", {Row("x", 1)});
  {
    auto mirror = OpenBound(path);
    ASSERT_NE(mirror, nullptr);
    std::vector<base::Batch> group = {batch};
    ASSERT_TRUE(mirror->ApplyGroup(group).ok());
    ASSERT_TRUE(mirror->EnsureDurable().ok());
  }
  auto mirror = OpenBound(path);
  ASSERT_NE(mirror, nullptr);
  EXPECT_EQ(mirror->LoadCheckpoint("t1", "c1")->value_or(""), "b");
  std::vector<base::Batch> group = {batch};
  auto result = mirror->ApplyGroup(group);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->skipped, 1u);
  EXPECT_EQ(QueryOne(path, "SELECT rows_applied FROM _replicator_checkpoints"), "i:1");
}

TEST(MirrorCommit, UnboundTunnelFailsTheGroup) {
  TempDir dir;
  auto mirror = OpenBound(dir.File("m.db"));
  ASSERT_NE(mirror, nullptr);
  std::vector<base::Batch> group = {MakeBatch("t1", "c1", "a", "b", {Row("x", 1)}),
                                    MakeBatch("nope", "c1", "a", "b", {Row("x", 1)})};
  auto result = mirror->ApplyGroup(group);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), base::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(mirror->LoadCheckpoint("t1", "c1")->has_value());
}

TEST(MirrorCommit, WorkerClientIdIsRecordedAndCleared) {
  TempDir dir;
  auto mirror = OpenBound(dir.File("m.db"));
  ASSERT_NE(mirror, nullptr);
  EXPECT_FALSE(mirror->LoadWorkerClientId("t1")->has_value());
  ASSERT_TRUE(mirror->SetWorkerClientId("t1", "client-a").ok());
  ASSERT_TRUE(mirror->SetWorkerClientId("t1", "client-b").ok());
  EXPECT_EQ(mirror->LoadWorkerClientId("t1")->value_or(""), "client-b");
  ASSERT_TRUE(mirror->ClearWorkerClientId("t1").ok());
  EXPECT_FALSE(mirror->LoadWorkerClientId("t1")->has_value());
}

TEST(MirrorLock, ASecondWriterIsRefusedAndAReaderIsNot) {
  TempDir dir;
  std::string path = dir.File("m.db");
  auto first = OpenBound(path);
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(testing::ApplyChanges(first.get(), {Row("x", 1)}).ok());
  MirrorOptions options;
  options.path = path;
  auto second = Mirror::Open(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), base::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("locked by another replicator process"),
            std::string::npos)
      << second.status().message();
  // Another process is refused too (flock is per open file, and dies with its process).
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto lock = WriterLock::Acquire(path + ".lock");
    _exit(!lock.ok() && lock.status().code() == base::StatusCode::kFailedPrecondition ? 0 : 1);
  }
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
  // A read-only status works while the writer runs.
  auto snapshot = ReadStatusSnapshot(path);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  EXPECT_EQ(snapshot->tables.at(0).row_count, 1);
  // Once the writer is gone, the next one opens.
  first.reset();
  EXPECT_NE(OpenMirror(path), nullptr);
}

TEST(MirrorLock, StatusOfAMissingFileIsNotFound) {
  TempDir dir;
  EXPECT_EQ(ReadStatusSnapshot(dir.File("absent.db")).status().code(),
            base::StatusCode::kNotFound);
}

}  // namespace
}  // namespace tablestore::storage
