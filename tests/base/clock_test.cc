#include "base/clock.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/support/fake_clock.h"

namespace tablestore::base {
namespace {

TEST(FakeClock, SleepAdvancesTime) {
  testing::FakeClock clock;
  auto start = clock.Now();
  EXPECT_TRUE(clock.SleepFor(std::chrono::seconds(5), nullptr));
  EXPECT_EQ(clock.Now() - start, std::chrono::seconds(5));
  EXPECT_EQ(clock.total_slept(), std::chrono::seconds(5));
}

TEST(FakeClock, CancelledSleepReturnsFalse) {
  testing::FakeClock clock;
  CancelToken cancel;
  cancel.Cancel();
  EXPECT_FALSE(clock.SleepFor(std::chrono::seconds(5), &cancel));
}

TEST(CancelToken, CancelWakesRealSleeper) {
  CancelToken cancel;
  std::thread t([&] { cancel.Cancel(); });
  // Would sleep an hour if Cancel did not wake it.
  EXPECT_FALSE(Clock::Real()->SleepFor(std::chrono::hours(1), &cancel));
  t.join();
}

}  // namespace
}  // namespace tablestore::base
