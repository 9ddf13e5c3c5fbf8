#include "tunnel/worker/fair_semaphore.h"

#include <gtest/gtest.h>

#include <thread>

namespace tablestore::tunnel {
namespace {

TEST(FairSemaphore, ZeroMeansUnlimited) {
  FairSemaphore sem(0);
  auto a = sem.Acquire(nullptr);
  auto b = sem.Acquire(nullptr);
  EXPECT_EQ(sem.in_use(), 0);
}

TEST(FairSemaphore, LimitsAndReleasesOnDestruction) {
  FairSemaphore sem(2);
  {
    auto a = sem.Acquire(nullptr);
    auto b = sem.Acquire(nullptr);
    EXPECT_TRUE(a.held());
    EXPECT_EQ(sem.in_use(), 2);
    auto moved = std::move(a);
    EXPECT_EQ(sem.in_use(), 2);
  }
  EXPECT_EQ(sem.in_use(), 0);
}

TEST(FairSemaphore, CancelledWaiterReturnsEmpty) {
  FairSemaphore sem(1);
  auto held = sem.Acquire(nullptr);
  base::CancelToken cancel;
  FairSemaphore::Permit got;
  std::thread waiter([&] { got = sem.Acquire(&cancel); });
  cancel.Cancel();
  sem.WakeAll();
  waiter.join();
  EXPECT_FALSE(got.held());
  held.Release();
  EXPECT_TRUE(sem.Acquire(nullptr).held());  // the abandoned ticket does not block others
}

TEST(FairSemaphore, WaiterGetsTheSlotWhenReleased) {
  FairSemaphore sem(1);
  auto held = sem.Acquire(nullptr);
  FairSemaphore::Permit got;
  std::thread waiter([&] { got = sem.Acquire(nullptr); });
  held.Release();
  waiter.join();
  EXPECT_TRUE(got.held());
  EXPECT_EQ(sem.in_use(), 1);
}

}  // namespace
}  // namespace tablestore::tunnel
