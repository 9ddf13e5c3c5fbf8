// The worker and daemon loops against the in-memory service: real threads and the real
// clock with short intervals; tests poll for outcomes with deadlines, never sleep-and-assert.

#include "tunnel/worker/daemon_runner.h"

#include <gtest/gtest.h>

#include <future>
#include <set>
#include <thread>

#include "base/mutex.h"
#include "tests/tunnel/worker/fake_tunnel_service.h"
#include "tests/tunnel/worker/running_daemon.h"

namespace tablestore::tunnel {
namespace {

using std::chrono::milliseconds;
using Call = testing::FakeTunnelService::Call;

// Keeps the ids each channel delivered, and fails batches on demand.
class Sink {
 public:
  std::function<base::Status(const ChannelContext&)> fail;

  std::shared_ptr<SimpleProcessFactory> Factory() {
    return std::make_shared<SimpleProcessFactory>(
        [this](const ChannelContext& ctx, std::vector<Record>& records) {
          base::MutexLock lock(&mu_);
          if (fail) TS_RETURN_IF_ERROR(fail(ctx));
          std::string& pos = position_[ctx.channel_id];
          if (!pos.empty() && pos != ctx.token_in) ++gaps_;  // never a skipped batch
          pos = ctx.token_out;
          for (const Record& r : records) {
            ids_[ctx.channel_id].push_back(r.row.primary_key[0].value->integer);
          }
          return base::Status::Ok();
        });
  }
  std::vector<int64_t> ids(const std::string& channel) {
    base::MutexLock lock(&mu_);
    return ids_[channel];
  }
  int gaps() {
    base::MutexLock lock(&mu_);
    return gaps_;
  }

 private:
  base::Mutex mu_;
  std::map<std::string, std::vector<int64_t>> ids_ GUARDED_BY(mu_);
  std::map<std::string, std::string> position_ GUARDED_BY(mu_);
  int gaps_ GUARDED_BY(mu_) = 0;
};

class RecordingStore : public CheckpointStore {
 public:
  base::Result<std::optional<std::string>> Load(const std::string&, const std::string&) override {
    return std::optional<std::string>();
  }
  base::Status OnClientId(const std::string&, const std::string& client_id) override {
    base::MutexLock lock(&mu_);
    ids_.push_back(client_id);
    return base::Status::Ok();
  }
  std::vector<std::string> ids() {
    base::MutexLock lock(&mu_);
    return ids_;
  }

 private:
  base::Mutex mu_;
  std::vector<std::string> ids_ GUARDED_BY(mu_);
};

TunnelWorkerConfig FastConfig(Sink& sink) {
  TunnelWorkerConfig c;
  c.processor_factory = sink.Factory();
  c.heartbeat_interval = milliseconds(20);
  c.heartbeat_timeout = milliseconds(2'000);
  c.checkpoint_interval = milliseconds(10);
  c.stream_backoff_initial = milliseconds(1);
  c.stream_backoff_max = milliseconds(5);
  c.restart_delay_min = milliseconds(1);
  c.restart_delay_max = milliseconds(5);
  c.early_heartbeat_debounce = milliseconds(1);
  return c;
}

using Running = testing::RunningDaemon<DaemonRunner>;

bool Eventually(const std::function<bool()>& done, milliseconds limit = milliseconds(10'000)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  base::CancelToken never;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    never.WaitUntil(std::chrono::steady_clock::now() + milliseconds(5));
  }
  return done();
}

std::vector<int64_t> Range(int from, int to) {
  std::vector<int64_t> v;
  for (int i = from; i < to; ++i) v.push_back(i);
  return v;
}

TEST(DaemonRunner, ConsumesEveryChannelReportsTerminatedAndShutsDownCleanly) {
  testing::FakeTunnelService service;
  service.AddChannel("a", 10);
  service.AddChannel("b", 7);
  Sink sink;
  auto store = std::make_shared<RecordingStore>();
  TunnelWorkerConfig config = FastConfig(sink);
  config.checkpoint_store = store;
  config.heartbeat_interval = milliseconds(1'000);  // TERMINATED comes from the early heartbeat
  Running run(&service, "tunnel", config);
  ASSERT_TRUE(Eventually([&] {
    return service.status("a") == ChannelStatus::kTerminated &&
           service.status("b") == ChannelStatus::kTerminated;
  }));
  EXPECT_TRUE(run.StopAndWait().ok());
  EXPECT_EQ(sink.ids("a"), Range(0, 10));
  EXPECT_EQ(sink.ids("b"), Range(0, 7));
  EXPECT_EQ(service.server_checkpoint("a").token, "finished");
  EXPECT_EQ(service.count("Shutdown"), 1);
  EXPECT_EQ(store->ids(), (std::vector<std::string>{"client-1", ""}));
  // OnClientId came before the first heartbeat: the first two calls are Connect, Heartbeat.
  auto calls = service.calls();
  ASSERT_GE(calls.size(), 2u);
  EXPECT_EQ(calls[0].op, "Connect");
  EXPECT_EQ(calls[1].op, "Heartbeat");
}

TEST(DaemonRunner, RevokedChannelIsCheckpointedAndReleased) {
  testing::FakeTunnelService service;
  service.AddChannel("s", 5, /*stream=*/true);
  Sink sink;
  Running run(&service, "tunnel", FastConfig(sink));
  ASSERT_TRUE(Eventually([&] { return sink.ids("s").size() == 5; }));
  service.Revoke("s");
  // The fake service re-assigns a released channel at once, so look for the CLOSE report.
  ASSERT_TRUE(Eventually([&] { return service.closes("s") == 1; }));
  EXPECT_EQ(service.server_checkpoint("s").token, service.TokenAt("s", 5));
  EXPECT_EQ(sink.ids("s").size(), 5u);  // the new reader resumes, nothing delivered twice
  EXPECT_TRUE(run.StopAndWait().ok());
}

TEST(DaemonRunner, CallbackErrorRetriesTheBatchAndNeverSkipsIt) {
  testing::FakeTunnelService service;
  service.AddChannel("a", 20);
  Sink sink;
  int failures = 2;
  sink.fail = [&](const ChannelContext& ctx) {
    if (ctx.token_in == "a@9" && failures > 0) {
      --failures;
      return base::UnavailableError("sink busy");
    }
    return base::Status::Ok();
  };
  Running run(&service, "tunnel", FastConfig(sink));
  ASSERT_TRUE(Eventually([&] { return service.status("a") == ChannelStatus::kTerminated; }));
  EXPECT_TRUE(run.StopAndWait().ok());
  EXPECT_EQ(sink.ids("a"), Range(0, 20));
  EXPECT_EQ(sink.gaps(), 0);
  EXPECT_EQ(failures, 0);
}

TEST(DaemonRunner, FatalHeartbeatErrorEndsTheRunWithTheRemedy) {
  testing::FakeTunnelService service;
  service.AddChannel("a", 3);
  service.set_fault([](const Call& c) {
    return c.op == "Heartbeat" ? base::OutOfRangeError("OTSTunnelExpired") : base::Status::Ok();
  });
  Sink sink;
  Running run(&service, "tunnel", FastConfig(sink));
  std::optional<base::Status> end = run.WaitEnd(milliseconds(10'000));
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->code(), base::StatusCode::kOutOfRange);
  EXPECT_NE(end->message().find("resync"), std::string::npos) << end->ToString();
  EXPECT_EQ(run.daemon().workers_started(), 1);
}

TEST(DaemonRunner, BadCredentialsAreFatalAtConnect) {
  testing::FakeTunnelService service;
  service.set_fault([](const Call& c) {
    return c.op == "Connect" ? base::UnauthenticatedError("OTSAuthFailed") : base::Status::Ok();
  });
  Sink sink;
  Running run(&service, "tunnel", FastConfig(sink));
  std::optional<base::Status> end = run.WaitEnd(milliseconds(10'000));
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->code(), base::StatusCode::kUnauthenticated);
}

TEST(DaemonRunner, ReconnectsAfterResourceGone) {
  testing::FakeTunnelService service;
  service.AddChannel("a", 10);
  int gone = 1;
  base::Mutex mu;
  service.set_fault([&](const Call& c) {
    base::MutexLock lock(&mu);
    if (c.op == "Heartbeat" && gone > 0) {
      --gone;
      return base::NotFoundError("OTSResourceGone");
    }
    return base::Status::Ok();
  });
  Sink sink;
  Running run(&service, "tunnel", FastConfig(sink));
  ASSERT_TRUE(Eventually([&] { return service.status("a") == ChannelStatus::kTerminated; }));
  EXPECT_EQ(run.daemon().workers_started(), 2);
  EXPECT_TRUE(run.StopAndWait().ok());
  EXPECT_EQ(sink.ids("a"), Range(0, 10));
}

TEST(DaemonRunner, ClientSideHeartbeatTimeoutRestartsTheWorker) {
  testing::FakeTunnelService service;
  std::atomic<bool> down{true};
  service.set_fault([&](const Call& c) {
    return c.op == "Heartbeat" && down.load() ? base::UnavailableError("connection refused")
                                              : base::Status::Ok();
  });
  Sink sink;
  TunnelWorkerConfig config = FastConfig(sink);
  config.heartbeat_timeout = milliseconds(1'000);
  Running run(&service, "tunnel", config);
  ASSERT_TRUE(Eventually([&] { return run.daemon().workers_started() >= 2; }));
  down = false;
  EXPECT_TRUE(run.StopAndWait().ok());
}

TEST(DaemonRunner, StopBeforeRunReturnsAtOnce) {
  testing::FakeTunnelService service;
  Sink sink;
  DaemonRunner runner(&service, "tunnel", FastConfig(sink));
  runner.Stop();
  EXPECT_TRUE(runner.Run().ok());
  EXPECT_EQ(service.count("Connect"), 0);
}

TEST(DaemonRunner, InvalidConfigIsRejectedBeforeConnecting) {
  testing::FakeTunnelService service;
  TunnelWorkerConfig config;  // no factory
  DaemonRunner runner(&service, "tunnel", config);
  EXPECT_EQ(runner.Run().code(), base::StatusCode::kInvalidArgument);
  EXPECT_EQ(service.count("Connect"), 0);
}

TEST(RestartDelay, StartsQuickAndGrowsUpToTheMaximum) {
  std::mt19937_64 rng(7);
  const milliseconds min(100), max(2'000);
  // Ceilings: 200, 400, 800, 1600, then the maximum.
  const int64_t ceilings[] = {200, 400, 800, 1'600, 2'000, 2'000, 2'000};
  for (int failures = 1; failures <= 7; ++failures) {
    int64_t highest = 0;
    for (int i = 0; i < 2'000; ++i) {
      const int64_t d = RestartDelay(failures, min, max, rng).count();
      ASSERT_GE(d, 100) << failures;
      ASSERT_LE(d, ceilings[failures - 1]) << failures;
      highest = std::max(highest, d);
    }
    // Uniform: 2,000 draws come within 5% of the ceiling.
    EXPECT_GT(highest, ceilings[failures - 1] * 95 / 100) << failures;
  }
}

TEST(RestartDelay, KeepsWithinConfiguredBoundsOfAnySize) {
  std::mt19937_64 rng(1);
  EXPECT_EQ(RestartDelay(3, milliseconds(0), milliseconds(0), rng), milliseconds(0));
  EXPECT_EQ(RestartDelay(1, milliseconds(5'000), milliseconds(5'000), rng), milliseconds(5'000));
  for (int failures : {1, 2, 40, 1'000'000}) {
    const auto d = RestartDelay(failures, milliseconds(0), milliseconds(50), rng);
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d.count(), 50);
    const auto big = RestartDelay(failures, milliseconds(1), std::chrono::hours(24 * 365), rng);
    EXPECT_GE(big.count(), 1);
    EXPECT_LE(big, std::chrono::hours(24 * 365));
  }
}

}  // namespace
}  // namespace tablestore::tunnel
