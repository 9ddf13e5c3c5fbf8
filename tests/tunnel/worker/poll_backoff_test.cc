#include "tunnel/worker/poll_backoff.h"

#include <gtest/gtest.h>

namespace tablestore::tunnel {
namespace {

using std::chrono::milliseconds;

TEST(PollBackoff, GrowsByTheMultiplierUpToTheMax) {
  PollBackoff b(milliseconds(20), 5, milliseconds(1'000));
  EXPECT_EQ(b.Next(), milliseconds(20));
  EXPECT_EQ(b.Next(), milliseconds(100));
  EXPECT_EQ(b.Next(), milliseconds(500));
  EXPECT_EQ(b.Next(), milliseconds(1'000));
  EXPECT_EQ(b.Next(), milliseconds(1'000));
}

TEST(PollBackoff, ResetStartsOver) {
  PollBackoff b(milliseconds(20), 5, milliseconds(1'000));
  b.Next();
  b.Next();
  b.Reset();
  EXPECT_EQ(b.Next(), milliseconds(20));
}

TEST(PollBackoff, MultiplierOneIsConstant) {
  PollBackoff b(milliseconds(7), 1, milliseconds(7));
  EXPECT_EQ(b.Next(), milliseconds(7));
  EXPECT_EQ(b.Next(), milliseconds(7));
}

TEST(IsFullPage, UsesMayMoreRecordWhenPresent) {
  ReadRecordsResult page;
  page.may_more_record = true;
  EXPECT_TRUE(IsFullPage(page));
  page.may_more_record = false;
  page.records.resize(1'000);
  EXPECT_FALSE(IsFullPage(page));
}

TEST(IsFullPage, FallsBackToRecordCountAndSize) {
  ReadRecordsResult page;
  page.records.resize(500);
  EXPECT_FALSE(IsFullPage(page));
  page.records.resize(501);
  EXPECT_TRUE(IsFullPage(page));
  page.records.clear();
  page.wire_bytes = 921'601;
  EXPECT_TRUE(IsFullPage(page));
}

}  // namespace
}  // namespace tablestore::tunnel
