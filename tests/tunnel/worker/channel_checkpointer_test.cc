#include "tunnel/worker/channel_checkpointer.h"

#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"
#include "tests/tunnel/worker/fake_tunnel_service.h"

namespace tablestore::tunnel {
namespace {

using std::chrono::milliseconds;

class CountingStore : public CheckpointStore {
 public:
  base::Result<std::optional<std::string>> Load(const std::string&,
                                                const std::string&) override {
    return std::optional<std::string>();
  }
  base::Status EnsureDurable() override {
    ++durable_calls;
    return durable_status;
  }
  int durable_calls = 0;
  base::Status durable_status;
};

struct Fixture {
  Fixture() { service.AddChannel("c", 100); }
  testing::FakeTunnelService service;
  tablestore::testing::FakeClock clock;
  CountingStore store;
  ChannelCheckpointer cp{&service, &store, &clock, milliseconds(10'000), "t", "client", "c"};
};

TEST(ChannelCheckpointer, RateLimitsToTheInterval) {
  Fixture f;
  f.cp.Start({"c@0", 0});
  ASSERT_TRUE(f.cp.Offer("c@3").ok());
  ASSERT_TRUE(f.cp.Offer("c@6").ok());
  EXPECT_EQ(f.service.count("Checkpoint"), 0);
  f.clock.Advance(milliseconds(10'000));
  ASSERT_TRUE(f.cp.Offer("c@9").ok());
  EXPECT_EQ(f.service.count("Checkpoint"), 1);
  EXPECT_EQ(f.service.server_checkpoint("c").token, "c@9");
  EXPECT_EQ(f.service.server_checkpoint("c").sequence_number, 1);
  f.clock.Advance(milliseconds(5'000));
  ASSERT_TRUE(f.cp.Offer("c@12").ok());
  EXPECT_EQ(f.service.count("Checkpoint"), 1);
  ASSERT_TRUE(f.cp.Flush().ok());  // forced (close / finish)
  EXPECT_EQ(f.service.count("Checkpoint"), 2);
  EXPECT_EQ(f.cp.next_sequence(), 3);
}

TEST(ChannelCheckpointer, EnsuresDurabilityBeforeEveryCheckpoint) {
  Fixture f;
  f.cp.Start({"c@0", 0});
  ASSERT_TRUE(f.cp.Offer("c@3").ok());
  EXPECT_EQ(f.store.durable_calls, 0);
  ASSERT_TRUE(f.cp.Flush().ok());
  EXPECT_EQ(f.store.durable_calls, 1);
  f.store.durable_status = base::InternalError("disk");
  ASSERT_TRUE(f.cp.Offer("c@6").ok());
  base::Status s = f.cp.Flush();
  EXPECT_EQ(s.code(), base::StatusCode::kInternal);
  EXPECT_NE(s.message().find("checkpoint store"), std::string::npos);
  // Nothing reached the service for the non-durable position.
  EXPECT_EQ(f.service.server_checkpoint("c").token, "c@3");
  EXPECT_TRUE(f.cp.has_pending());
}

TEST(ChannelCheckpointer, DoesNotResendAnUnchangedToken) {
  Fixture f;
  f.cp.Start({"c@0", 0});
  ASSERT_TRUE(f.cp.Offer("c@0").ok());
  ASSERT_TRUE(f.cp.Flush().ok());
  EXPECT_EQ(f.service.count("Checkpoint"), 0);
  ASSERT_TRUE(f.cp.Offer("c@3").ok());
  ASSERT_TRUE(f.cp.Flush().ok());
  ASSERT_TRUE(f.cp.Flush().ok());
  EXPECT_EQ(f.service.count("Checkpoint"), 1);
}

TEST(ChannelCheckpointer, RecoversFromSequenceNumberMismatch) {
  Fixture f;
  // The service moved on (another client checkpointed twice): our next_seq 1 is stale.
  f.cp.Start({"c@0", 0});
  ASSERT_TRUE(f.service.Checkpoint("t", "other", "c", "c@3", 1).ok());
  ASSERT_TRUE(f.service.Checkpoint("t", "other", "c", "c@3", 2).ok());
  ASSERT_TRUE(f.cp.Offer("c@6").ok());
  ASSERT_TRUE(f.cp.Flush().ok());
  EXPECT_EQ(f.service.server_checkpoint("c").token, "c@6");
  EXPECT_EQ(f.service.server_checkpoint("c").sequence_number, 3);
  EXPECT_EQ(f.cp.next_sequence(), 4);
  EXPECT_EQ(f.service.count("GetCheckpoint"), 1);
}

TEST(ChannelCheckpointer, FailedSendIsRetriedAfterTheInterval) {
  Fixture f;
  f.cp.Start({"c@0", 0});
  f.service.set_fault([](const testing::FakeTunnelService::Call& c) {
    return c.op == "Checkpoint" ? base::UnavailableError("503") : base::Status::Ok();
  });
  f.clock.Advance(milliseconds(10'000));
  EXPECT_EQ(f.cp.Offer("c@3").code(), base::StatusCode::kUnavailable);
  f.service.set_fault(nullptr);
  ASSERT_TRUE(f.cp.Offer("c@6").ok());  // within the interval of the failed attempt
  EXPECT_EQ(f.service.count("Checkpoint"), 1);
  f.clock.Advance(milliseconds(10'000));
  ASSERT_TRUE(f.cp.Offer("c@9").ok());
  EXPECT_EQ(f.service.server_checkpoint("c").token, "c@9");
  EXPECT_EQ(f.service.server_checkpoint("c").sequence_number, 1);
}

}  // namespace
}  // namespace tablestore::tunnel
