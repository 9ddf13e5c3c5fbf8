#include "replicator/applier.h"

#include <gtest/gtest.h>

#include <thread>

#include "replicator/mirror_sink.h"
#include "storage/mirror_reader.h"
#include "tests/support/test_paths.h"

namespace tablestore::replicator {
namespace {

base::RowChange Put(const std::string& id, int64_t qty, int64_t ts) {
  base::RowChange c;
  c.action = base::ActionType::kPutRow;
  base::Cell key;
  key.name = "id";
  key.value = base::Value::String(id);
  c.row.primary_key.push_back(key);
  base::Cell cell;
  cell.name = "qty";
  cell.value = base::Value::Integer(qty);
  cell.timestamp = ts;
  c.row.cells.push_back(cell);
  return c;
}

base::Batch MakeBatch(const std::string& channel, const std::string& in, const std::string& out,
                      std::vector<base::RowChange> changes) {
  base::Batch b;
  b.tunnel_id = "tunnel-1";
  b.channel_id = channel;
  b.token_in = in;
  b.token_out = out;
  b.changes = std::move(changes);
  return b;
}

class ApplierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::MirrorOptions mo;
    mo.path = dir_.File("mirror.db");
    auto mirror = storage::Mirror::Open(mo);
    ASSERT_TRUE(mirror.ok()) << mirror.status().ToString();
    storage::TableBinding binding;
    binding.mirror_table = "orders";
    binding.source_table = "orders";
    binding.tunnel_name = "t";
    binding.tunnel_id = "tunnel-1";
    ASSERT_TRUE((*mirror)->BindTable(binding).ok());
    ApplierOptions ao;
    ao.on_commit = [this](const std::vector<storage::TableChanges>& changes) {
      for (const auto& c : changes) notified_keys_ += static_cast<int>(c.keys.size());
    };
    applier_ = std::make_unique<Applier>(std::move(mirror).value(), ao);
  }

  testing::TempDir dir_;
  std::unique_ptr<Applier> applier_;
  std::atomic<int> notified_keys_{0};
};

TEST_F(ApplierTest, AppliesBatchesAndAdvancesCheckpoints) {
  auto r = applier_->Apply(MakeBatch("c1", "t0", "t1", {Put("a", 1, 10), Put("b", 2, 10)}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, storage::BatchOutcome::kApplied);
  MirrorCheckpointStore store(applier_.get());
  auto token = store.Load("tunnel-1", "c1");
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(token->has_value());
  EXPECT_EQ(**token, "t1");
  EXPECT_EQ(notified_keys_.load(), 2);
  EXPECT_EQ(applier_->stats().rows_applied, 2);
}

TEST_F(ApplierTest, SkipsABatchWhoseTokenInIsNotTheCheckpoint) {
  ASSERT_TRUE(applier_->Apply(MakeBatch("c1", "t0", "t1", {Put("a", 1, 10)})).ok());
  // Replayed batch: token_in t0 no longer matches the stored t1.
  auto r = applier_->Apply(MakeBatch("c1", "t0", "t1", {Put("a", 99, 20)}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, storage::BatchOutcome::kSkippedDuplicate);
  EXPECT_EQ(r->stored_token, "t1");
  applier_->Stop();
  auto rows = storage::ReadMirrorRows(dir_.File("mirror.db"), "orders");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].cells[0].value->integer, 1) << "the duplicate must not be applied";
}

TEST_F(ApplierTest, ProcessorReportsAbortedForAMismatchedToken) {
  Progress progress;
  MirrorProcessorFactory factory(applier_.get(), &progress, "orders");
  tunnel::ChannelContext ctx;
  ctx.tunnel_id = "tunnel-1";
  ctx.channel_id = "c1";
  ctx.token_in = "t0";
  ctx.token_out = "t1";
  auto processor = factory.NewProcessor(ctx);
  std::vector<tunnel::Record> records = {Put("a", 1, 10)};
  ASSERT_TRUE(processor->Process(ctx, records).ok());
  std::vector<tunnel::Record> again = {Put("a", 1, 10)};
  base::Status s = processor->Process(ctx, again);
  EXPECT_EQ(s.code(), base::StatusCode::kAborted) << s.ToString();
  auto channels = progress.Channels("tunnel-1");
  ASSERT_EQ(channels.size(), 1u);
  EXPECT_EQ(channels[0].duplicates_skipped, 1);
  EXPECT_EQ(channels[0].rows_applied, 1);
}

TEST_F(ApplierTest, ConcurrentChannelsAllCommitAndGroup) {
  constexpr int kChannels = 8;
  constexpr int kBatches = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int c = 0; c < kChannels; ++c) {
    threads.emplace_back([&, c] {
      std::string channel = "c" + std::to_string(c);
      for (int b = 0; b < kBatches; ++b) {
        std::string id = channel + "-" + std::to_string(b);
        auto r = applier_->Apply(MakeBatch(channel, b == 0 ? "start" : "t" + std::to_string(b),
                                           "t" + std::to_string(b + 1), {Put(id, b, 10)}));
        if (!r.ok() || r->outcome != storage::BatchOutcome::kApplied) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  ApplierStats st = applier_->stats();
  EXPECT_EQ(st.batches_applied, kChannels * kBatches);
  EXPECT_LE(st.groups_committed, kChannels * kBatches);
  applier_->Stop();
  auto rows = storage::ReadMirrorRows(dir_.File("mirror.db"), "orders");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), static_cast<size_t>(kChannels * kBatches));
}

TEST_F(ApplierTest, ApplyAfterStopIsCancelled) {
  applier_->Stop();
  auto r = applier_->Apply(MakeBatch("c1", "t0", "t1", {Put("a", 1, 10)}));
  EXPECT_EQ(r.status().code(), base::StatusCode::kCancelled);
}

}  // namespace
}  // namespace tablestore::replicator
