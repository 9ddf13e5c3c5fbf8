#include "replicator/progress.h"

#include <gtest/gtest.h>

#include <chrono>

namespace tablestore::replicator {
namespace {

using std::chrono::milliseconds;
using Time = std::chrono::steady_clock::time_point;

// WaitCaughtUp's rule: a caught-up page counts from when its read was sent, not from when
// it was committed, so a page read before the caller's writes never satisfies it.
TEST(Progress, CaughtUpCountsFromWhenThePageWasRead) {
  Progress progress;
  const Time t0{milliseconds(1000)};
  const Time since = t0 + milliseconds(100);

  // Read before `since`, committed after it: not caught up since `since`.
  progress.OnCommitted("tun", "c1", true, 0, /*caught_up=*/true, false, t0);
  EXPECT_FALSE(progress.CaughtUpSince("tun", "c1", since));
  // A full page read after `since` says nothing about being caught up.
  progress.OnCommitted("tun", "c1", true, 1000, /*caught_up=*/false, false, since);
  EXPECT_FALSE(progress.CaughtUpSince("tun", "c1", since));
  // A caught-up page read at `since` or later does.
  progress.OnCommitted("tun", "c1", true, 3, /*caught_up=*/true, false, since);
  EXPECT_TRUE(progress.CaughtUpSince("tun", "c1", since));
  EXPECT_FALSE(progress.CaughtUpSince("tun", "c1", since + milliseconds(1)));
  // An older read committed late does not move the mark back.
  progress.OnCommitted("tun", "c1", true, 0, /*caught_up=*/true, false, t0);
  EXPECT_TRUE(progress.CaughtUpSince("tun", "c1", since));

  // Unknown channels are not caught up; finished ones always are.
  EXPECT_FALSE(progress.CaughtUpSince("tun", "c2", since));
  progress.OnCommitted("tun", "c2", false, 5, /*caught_up=*/false, /*finished=*/true, t0);
  EXPECT_TRUE(progress.CaughtUpSince("tun", "c2", since + milliseconds(5000)));

  const auto channels = progress.Channels("tun");
  ASSERT_EQ(channels.size(), 2u);
  EXPECT_EQ(channels[0].rows_applied, 1003);
  EXPECT_EQ(channels[0].batches_applied, 4);
}

}  // namespace
}  // namespace tablestore::replicator
