#include <gtest/gtest.h>

#include <cmath>

#include "tablestore/tunnel/tunnel_worker.h"

namespace tablestore::tunnel {
namespace {

using std::chrono::milliseconds;

TunnelWorkerConfig Valid() {
  TunnelWorkerConfig c;
  c.processor_factory = std::make_shared<SimpleProcessFactory>(
      [](const ChannelContext&, std::vector<Record>&) { return base::Status::Ok(); });
  return c;
}

TEST(TunnelWorkerConfig, DefaultsWithAFactoryAreValid) { EXPECT_TRUE(Valid().Validate().ok()); }

TEST(TunnelWorkerConfig, RejectsNonsense) {
  struct Case {
    const char* what;
    std::function<void(TunnelWorkerConfig&)> change;
  };
  std::vector<Case> cases = {
      {"no factory", [](auto& c) { c.processor_factory = nullptr; }},
      {"zero interval", [](auto& c) { c.heartbeat_interval = milliseconds(0); }},
      {"negative interval", [](auto& c) { c.heartbeat_interval = milliseconds(-5); }},
      {"timeout <= interval", [](auto& c) { c.heartbeat_timeout = c.heartbeat_interval; }},
      {"sub-second timeout",
       [](auto& c) {
         c.heartbeat_interval = milliseconds(100);
         c.heartbeat_timeout = milliseconds(500);
       }},
      {"negative parallelism", [](auto& c) { c.max_channel_parallel = -1; }},
      {"zero checkpoint interval", [](auto& c) { c.checkpoint_interval = milliseconds(0); }},
      {"negative read-ahead", [](auto& c) { c.read_ahead_pages = -1; }},
      {"absurd read-ahead", [](auto& c) { c.read_ahead_pages = 100'000; }},
      {"multiplier < 1", [](auto& c) { c.stream_backoff_multiplier = 0.5; }},
      {"NaN multiplier", [](auto& c) { c.stream_backoff_multiplier = std::nan(""); }},
      {"zero backoff", [](auto& c) { c.stream_backoff_initial = milliseconds(0); }},
      {"max < initial", [](auto& c) { c.stream_backoff_max = milliseconds(10); }},
      {"no page failures", [](auto& c) { c.max_page_failures = 0; }},
      {"restart max < min",
       [](auto& c) {
         c.restart_delay_min = milliseconds(10);
         c.restart_delay_max = milliseconds(5);
       }},
      {"negative debounce", [](auto& c) { c.early_heartbeat_debounce = milliseconds(-1); }},
  };
  for (const Case& k : cases) {
    TunnelWorkerConfig c = Valid();
    k.change(c);
    base::Status s = c.Validate();
    EXPECT_EQ(s.code(), base::StatusCode::kInvalidArgument) << k.what;
  }
}

TEST(TunnelWorkerConfig, AcceptsZeroReadAheadAndUnlimitedParallelism) {
  TunnelWorkerConfig c = Valid();
  c.read_ahead_pages = 0;
  c.max_channel_parallel = 0;
  EXPECT_TRUE(c.Validate().ok());
}

TEST(SimpleProcessFactory, PassesTheCustomValueToBothCallbacks) {
  int seen = 0;
  auto factory = std::make_shared<SimpleProcessFactory>(
      [&](const ChannelContext& ctx, std::vector<Record>&) {
        seen += std::any_cast<int>(ctx.custom_value);
        return base::Status::Ok();
      },
      [&](const ChannelContext& ctx) { seen += 10 * std::any_cast<int>(ctx.custom_value); },
      std::any(3));
  ChannelContext ctx;
  auto p = factory->NewProcessor(ctx);
  std::vector<Record> records;
  ASSERT_TRUE(p->Process(ctx, records).ok());
  p->Shutdown(ctx);
  EXPECT_EQ(seen, 33);
}

}  // namespace
}  // namespace tablestore::tunnel
