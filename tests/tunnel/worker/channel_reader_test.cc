#include "tunnel/worker/channel_reader.h"

#include <gtest/gtest.h>

#include <future>

#include "tests/support/fake_clock.h"
#include "tests/tunnel/worker/fake_tunnel_service.h"

namespace tablestore::tunnel {
namespace {

using std::chrono::milliseconds;
using Call = testing::FakeTunnelService::Call;

class TestStore : public CheckpointStore {
 public:
  explicit TestStore(std::optional<std::string> token = std::nullopt,
                     std::vector<std::string>* log = nullptr)
      : token_(std::move(token)), log_(log) {}
  base::Result<std::optional<std::string>> Load(const std::string&, const std::string&) override {
    return token_;
  }
  base::Status EnsureDurable() override {
    if (log_ != nullptr) log_->push_back("durable");
    return base::Status::Ok();
  }

 private:
  std::optional<std::string> token_;
  std::vector<std::string>* log_;
};

// Records every batch; fails batches for which `fail` says so.
class RecordingFactory : public ChannelProcessorFactory {
 public:
  struct Batch {
    ChannelContext ctx;
    std::vector<int64_t> ids;
  };
  std::function<base::Status(const ChannelContext&)> fail;
  std::function<void(const ChannelContext&)> on_batch;
  std::vector<Batch> batches;
  std::vector<std::string>* log = nullptr;
  int shutdowns = 0;

  std::unique_ptr<ChannelProcessor> NewProcessor(const ChannelContext&) override {
    return std::make_unique<Processor>(this);
  }

  class Processor : public ChannelProcessor {
   public:
    explicit Processor(RecordingFactory* f) : f_(f) {}
    base::Status Process(const ChannelContext& ctx, std::vector<Record>& records) override {
      if (f_->fail) TS_RETURN_IF_ERROR(f_->fail(ctx));
      Batch b{ctx, {}};
      for (const Record& r : records) b.ids.push_back(r.row.primary_key[0].value->integer);
      f_->batches.push_back(b);
      if (f_->log != nullptr) f_->log->push_back("process " + ctx.token_in);
      if (f_->on_batch) f_->on_batch(ctx);
      return base::Status::Ok();
    }
    void Shutdown(const ChannelContext&) override { ++f_->shutdowns; }

   private:
    RecordingFactory* f_;
  };

  std::vector<int64_t> ids() const {
    std::vector<int64_t> out;
    for (const Batch& b : batches) out.insert(out.end(), b.ids.begin(), b.ids.end());
    return out;
  }
};

std::vector<int64_t> Range(int n) {
  std::vector<int64_t> v;
  for (int i = 0; i < n; ++i) v.push_back(i);
  return v;
}

struct Harness {
  testing::FakeTunnelService service;
  tablestore::testing::FakeClock clock;
  RecordingFactory factory;
  std::unique_ptr<TestStore> store;
  ChannelReaderOptions options;
  std::promise<ChannelReader::Outcome> done;
  std::unique_ptr<ChannelReader> reader;

  Harness() {
    options.tunnel_id = "t";
    options.client_id = "client";
    options.channel_id = "c";
    options.generation = 1;
    options.max_page_failures = 3;
  }

  ChannelReader::Outcome Run() {
    reader = std::make_unique<ChannelReader>(
        options, &service, store.get(), &factory, nullptr, &clock,
        [this](const ChannelReader&, const ChannelReader::Outcome& o) { done.set_value(o); });
    reader->Start();
    ChannelReader::Outcome o = done.get_future().get();
    reader->Join();
    return o;
  }
};

TEST(ChannelReader, ProcessesEveryPageThenTerminatesAfterTheFinishedCheckpoint) {
  Harness h;
  std::vector<std::string> log;
  h.service.AddChannel("c", 10);
  h.store = std::make_unique<TestStore>(std::nullopt, &log);
  h.factory.log = &log;
  ChannelReader::Outcome o = h.Run();
  EXPECT_EQ(o.end, ChannelReader::End::kTerminated) << o.status.ToString();
  EXPECT_EQ(h.factory.ids(), Range(10));
  ASSERT_EQ(h.factory.batches.size(), 4u);
  EXPECT_EQ(h.factory.batches[0].ctx.token_in, "c@0");
  EXPECT_EQ(h.factory.batches[0].ctx.token_out, "c@3");
  EXPECT_FALSE(h.factory.batches[0].ctx.caught_up);
  EXPECT_FALSE(h.factory.batches[0].ctx.is_stream);
  EXPECT_EQ(h.factory.batches[3].ctx.token_out, "finished");
  EXPECT_TRUE(h.factory.batches[3].ctx.caught_up);
  EXPECT_EQ(h.service.server_checkpoint("c").token, "finished");
  // Durable before the finished checkpoint, which comes after the last batch.
  ASSERT_GE(log.size(), 2u);
  EXPECT_EQ(log.back(), "durable");
  EXPECT_EQ(log[log.size() - 2], "process c@9");
  EXPECT_EQ(h.factory.shutdowns, 1);
}

TEST(ChannelReader, InlineReadingWithoutReadAheadGivesTheSameBatches) {
  Harness h;
  h.service.AddChannel("c", 10);
  h.options.read_ahead_pages = 0;
  EXPECT_EQ(h.Run().end, ChannelReader::End::kTerminated);
  EXPECT_EQ(h.factory.ids(), Range(10));
}

TEST(ChannelReader, DecodesEachPageIntoTheRecordsOfAProcessedOne) {
  Harness h;
  h.service.AddChannel("c", 10);  // pages of 3, 3, 3, 1
  h.options.read_ahead_pages = 0;
  EXPECT_EQ(h.Run().end, ChannelReader::End::kTerminated);
  EXPECT_EQ(h.factory.ids(), Range(10));
  // The first read gets a new vector; every later one the previous page's (3 records).
  const std::vector<size_t> capacities = h.service.read_into_capacities();
  ASSERT_EQ(capacities.size(), 4u);
  EXPECT_EQ(capacities[0], 0u);
  for (size_t i = 1; i < capacities.size(); ++i) EXPECT_GE(capacities[i], 3u) << i;
}

TEST(ChannelReader, RecordsMovedAwayByTheProcessorAreNotRecycled) {
  Harness h;
  h.service.AddChannel("c", 10);
  h.options.read_ahead_pages = 0;
  std::vector<std::vector<Record>> kept;
  SimpleProcessFactory keeping([&](const ChannelContext&, std::vector<Record>& records) {
    kept.push_back(std::move(records));
    return base::Status::Ok();
  });
  std::promise<ChannelReader::Outcome> done;
  ChannelReader reader(
      h.options, &h.service, nullptr, &keeping, nullptr, &h.clock,
      [&](const ChannelReader&, const ChannelReader::Outcome& o) { done.set_value(o); });
  reader.Start();
  EXPECT_EQ(done.get_future().get().end, ChannelReader::End::kTerminated);
  reader.Join();
  ASSERT_EQ(kept.size(), 4u);
  EXPECT_EQ(kept[0][2].row.primary_key[0].value->integer, 2);  // still intact
  EXPECT_EQ(h.service.read_into_capacities(), (std::vector<size_t>{0, 0, 0, 0}));
}

TEST(ChannelReader, ProcessErrorClosesTheChannelAndNeverSkipsTheBatch) {
  Harness h;
  h.service.AddChannel("c", 10);
  h.options.checkpoint_interval = milliseconds(1);
  h.factory.fail = [](const ChannelContext& ctx) {
    return ctx.token_in == "c@6" ? base::InternalError("sink full") : base::Status::Ok();
  };
  ChannelReader::Outcome o = h.Run();
  EXPECT_EQ(o.end, ChannelReader::End::kClosed);
  EXPECT_NE(o.status.message().find("sink full"), std::string::npos);
  EXPECT_EQ(h.factory.ids(), Range(6));
  // The service checkpoint is exactly the failed batch's token_in: it will be re-read.
  EXPECT_EQ(h.service.server_checkpoint("c").token, "c@6");
}

TEST(ChannelReader, AbortedProcessRestartsFromTheStoreToken) {
  Harness h;
  h.service.AddChannel("c", 10);
  h.factory.fail = [](const ChannelContext& ctx) {
    return ctx.token_in == "c@3" ? base::AbortedError("token mismatch") : base::Status::Ok();
  };
  EXPECT_EQ(h.Run().end, ChannelReader::End::kClosed);
  EXPECT_EQ(h.factory.ids(), Range(3));
}

TEST(ChannelReader, StartsFromTheStoreTokenWithTheServerSequence) {
  Harness h;
  h.service.AddChannel("c", 10);
  ASSERT_TRUE(h.service.Checkpoint("t", "x", "c", "c@3", 1).ok());
  h.store = std::make_unique<TestStore>("c@6");
  EXPECT_EQ(h.Run().end, ChannelReader::End::kTerminated);
  EXPECT_EQ(h.factory.ids(), (std::vector<int64_t>{6, 7, 8, 9}));
  EXPECT_EQ(h.service.server_checkpoint("c").token, "finished");
  EXPECT_EQ(h.service.server_checkpoint("c").sequence_number, 2);
}

TEST(ChannelReader, FinishedStartTokenTerminatesWithoutReading) {
  Harness h;
  std::vector<std::string> log;
  h.service.AddChannel("c", 10);
  h.store = std::make_unique<TestStore>("finished", &log);
  EXPECT_EQ(h.Run().end, ChannelReader::End::kTerminated);
  EXPECT_EQ(h.service.count("ReadRecords"), 0);
  EXPECT_EQ(log, std::vector<std::string>{"durable"});
  EXPECT_EQ(h.service.server_checkpoint("c").token, "finished");
}

TEST(ChannelReader, RereadsABadPageWithBackoffThenContinues) {
  Harness h;
  h.service.AddChannel("c", 10);
  int bad = 2;
  h.service.set_fault([&bad](const Call& c) {
    if (c.op == "ReadRecords" && c.token == "c@3" && bad > 0) {
      --bad;
      return base::DataLossError("crc mismatch");
    }
    return base::Status::Ok();
  });
  EXPECT_EQ(h.Run().end, ChannelReader::End::kTerminated);
  EXPECT_EQ(h.factory.ids(), Range(10));  // each record exactly once
  EXPECT_EQ(h.clock.total_slept(), milliseconds(50 + 100));
}

TEST(ChannelReader, StopsTheRunAfterMaxPageFailuresNamingChannelAndToken) {
  Harness h;
  h.service.AddChannel("c", 10);
  h.service.set_fault([](const Call& c) {
    return c.op == "ReadRecords" && c.token == "c@3" ? base::DataLossError("crc mismatch")
                                                     : base::Status::Ok();
  });
  ChannelReader::Outcome o = h.Run();
  EXPECT_EQ(o.end, ChannelReader::End::kFatal);
  EXPECT_EQ(o.status.code(), base::StatusCode::kDataLoss);
  EXPECT_NE(o.status.message().find("channel 'c'"), std::string::npos) << o.status.ToString();
  EXPECT_NE(o.status.message().find("c@3"), std::string::npos);
  EXPECT_NE(o.status.message().find("crc mismatch"), std::string::npos);
  EXPECT_EQ(h.service.count("ReadRecords"), 1 + 3);
  EXPECT_EQ(h.factory.ids(), Range(3));
  EXPECT_EQ(h.service.server_checkpoint("c").token, "c@3");  // processed part is kept
}

TEST(ChannelReader, TrimmedOrExpiredIsFatal) {
  Harness h;
  h.service.AddChannel("c", 10);
  h.service.set_fault([](const Call& c) {
    return c.op == "ReadRecords" ? base::OutOfRangeError("OTSTrimmedDataAccess")
                                 : base::Status::Ok();
  });
  ChannelReader::Outcome o = h.Run();
  EXPECT_EQ(o.end, ChannelReader::End::kFatal);
  EXPECT_EQ(o.status.code(), base::StatusCode::kOutOfRange);
}

TEST(ChannelReader, ResourceGoneEndsTheClient) {
  Harness h;
  h.service.AddChannel("c", 10);
  h.service.set_fault([](const Call& c) {
    return c.op == "ReadRecords" ? base::NotFoundError("OTSResourceGone") : base::Status::Ok();
  });
  EXPECT_EQ(h.Run().end, ChannelReader::End::kClientGone);
}

TEST(ChannelReader, OtherReadErrorsCloseTheChannel) {
  Harness h;
  h.service.AddChannel("c", 10);
  h.service.set_fault([](const Call& c) {
    return c.op == "ReadRecords" ? base::UnavailableError("503") : base::Status::Ok();
  });
  EXPECT_EQ(h.Run().end, ChannelReader::End::kClosed);
}

TEST(ChannelReader, GetCheckpointFailureClosesTheChannel) {
  Harness h;
  h.service.AddChannel("c", 10);
  h.service.set_fault([](const Call& c) {
    return c.op == "GetCheckpoint" ? base::UnavailableError("503") : base::Status::Ok();
  });
  EXPECT_EQ(h.Run().end, ChannelReader::End::kClosed);
  EXPECT_EQ(h.service.count("ReadRecords"), 0);
}

TEST(ChannelReader, IdleStreamBacksOffUpToTheMax) {
  Harness h;
  h.service.AddChannel("c", 0, /*stream=*/true);
  h.options.read_ahead_pages = 0;
  h.factory.on_batch = [&h](const ChannelContext&) {
    if (h.factory.batches.size() == 6) h.reader->RequestStop(ChannelReader::StopMode::kGraceful);
  };
  EXPECT_EQ(h.Run().end, ChannelReader::End::kClosed);
  ASSERT_EQ(h.factory.batches.size(), 6u);
  EXPECT_TRUE(h.factory.batches[0].ctx.is_stream);
  EXPECT_TRUE(h.factory.batches[0].ctx.caught_up);
  // Empty pages: 20, 100, 500, 1000, 1000 ms between the six reads.
  EXPECT_EQ(h.clock.total_slept(), milliseconds(2'620));
}

TEST(ChannelReader, BusyStreamReadsFullPagesBackToBack) {
  Harness h;
  h.service.AddChannel("c", 30, /*stream=*/true);
  h.options.read_ahead_pages = 0;
  h.factory.on_batch = [&h](const ChannelContext&) {
    if (h.factory.batches.size() == 10) h.reader->RequestStop(ChannelReader::StopMode::kGraceful);
  };
  EXPECT_EQ(h.Run().end, ChannelReader::End::kClosed);
  EXPECT_EQ(h.factory.ids(), Range(30));
  // Nine full pages with no sleep; the tenth (caught up, non-empty) is not followed by a read.
  EXPECT_EQ(h.clock.total_slept(), milliseconds(0));
  EXPECT_FALSE(h.factory.batches[0].ctx.caught_up);
  EXPECT_TRUE(h.factory.batches[9].ctx.caught_up);
  // The graceful stop flushed the processed position.
  EXPECT_EQ(h.service.server_checkpoint("c").token, h.service.TokenAt("c", 30));
}

TEST(ChannelReader, DropAbandonsWithoutCheckpoint) {
  Harness h;
  h.service.AddChannel("c", 30, /*stream=*/true);
  h.options.checkpoint_interval = milliseconds(1'000'000);
  h.factory.on_batch = [&h](const ChannelContext&) {
    if (h.factory.batches.size() == 2) h.reader->RequestStop(ChannelReader::StopMode::kDrop);
  };
  EXPECT_EQ(h.Run().end, ChannelReader::End::kDropped);
  EXPECT_EQ(h.factory.batches.size(), 2u);
  EXPECT_EQ(h.service.count("Checkpoint"), 0);
}

}  // namespace
}  // namespace tablestore::tunnel
