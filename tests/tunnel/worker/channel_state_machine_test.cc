#include "tunnel/worker/channel_state_machine.h"

#include <gtest/gtest.h>

namespace tablestore::tunnel {
namespace {

using Kind = ChannelAction::Kind;
constexpr ChannelStatus kOpen = ChannelStatus::kOpen;
constexpr ChannelStatus kClosing = ChannelStatus::kClosing;
constexpr ChannelStatus kClose = ChannelStatus::kClose;
constexpr ChannelStatus kTerminated = ChannelStatus::kTerminated;

ChannelState S(const std::string& id, int64_t v, ChannelStatus st) { return {id, v, st}; }

void ExpectState(const ChannelStateMachine& sm, const std::string& id, int64_t v,
                 ChannelStatus st) {
  auto it = sm.entries().find(id);
  ASSERT_NE(it, sm.entries().end()) << id;
  EXPECT_EQ(it->second.version, v) << id;
  EXPECT_EQ(it->second.status, st) << id;
}

TEST(ChannelStateMachine, OpenStartsOneReaderPerChannel) {
  ChannelStateMachine sm;
  auto actions = sm.ApplyHeartbeat({S("a", 1, kOpen), S("b", 1, kOpen)});
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].kind, Kind::kStart);
  EXPECT_EQ(actions[0].channel_id, "a");
  EXPECT_EQ(actions[1].channel_id, "b");
  EXPECT_NE(actions[0].generation, actions[1].generation);
  // The same answer again starts nothing new.
  EXPECT_TRUE(sm.ApplyHeartbeat({S("a", 1, kOpen), S("b", 1, kOpen)}).empty());
  EXPECT_EQ(sm.Snapshot().size(), 2u);
}

TEST(ChannelStateMachine, ReportsAtVersionPlusOneOnlyFromOpenOrClosing) {
  ChannelStateMachine sm;
  auto a = sm.ApplyHeartbeat({S("a", 7, kOpen)});
  ASSERT_EQ(a.size(), 1u);
  EXPECT_TRUE(sm.Report("a", a[0].generation, kTerminated));
  ExpectState(sm, "a", 8, kTerminated);
  // A second report by the same (ended) reader changes nothing.
  EXPECT_FALSE(sm.Report("a", a[0].generation, kClose));
  ExpectState(sm, "a", 8, kTerminated);
}

TEST(ChannelStateMachine, StaleServerVersionDoesNotUndoALocalReport) {
  ChannelStateMachine sm;
  auto a = sm.ApplyHeartbeat({S("a", 3, kOpen)});
  ASSERT_TRUE(sm.Report("a", a[0].generation, kClose));  // local v4 CLOSE
  // The server has not seen the report yet and still says v3 OPEN: ours wins, no restart.
  EXPECT_TRUE(sm.ApplyHeartbeat({S("a", 3, kOpen)}).empty());
  ExpectState(sm, "a", 4, kClose);
  // The server re-opens it with a higher version: a new reader starts.
  auto again = sm.ApplyHeartbeat({S("a", 5, kOpen)});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].kind, Kind::kStart);
  EXPECT_NE(again[0].generation, a[0].generation);
}

TEST(ChannelStateMachine, SameVersionFromServerWins) {
  ChannelStateMachine sm;
  auto a = sm.ApplyHeartbeat({S("a", 3, kOpen)});
  ASSERT_TRUE(sm.Report("a", a[0].generation, kClose));  // v4 CLOSE
  auto again = sm.ApplyHeartbeat({S("a", 4, kOpen)});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].kind, Kind::kStart);
  ExpectState(sm, "a", 4, kOpen);
}

TEST(ChannelStateMachine, ClosingStopsARunningReaderThenReportsClose) {
  ChannelStateMachine sm;
  auto a = sm.ApplyHeartbeat({S("a", 1, kOpen)});
  auto stop = sm.ApplyHeartbeat({S("a", 2, kClosing)});
  ASSERT_EQ(stop.size(), 1u);
  EXPECT_EQ(stop[0].kind, Kind::kStop);
  EXPECT_EQ(stop[0].generation, a[0].generation);
  // Still CLOSING while the batch in progress finishes: no second stop.
  EXPECT_TRUE(sm.ApplyHeartbeat({S("a", 2, kClosing)}).empty());
  EXPECT_TRUE(sm.Report("a", a[0].generation, kClose));
  ExpectState(sm, "a", 3, kClose);
}

TEST(ChannelStateMachine, ClosingAFinishedReaderReportsTerminated) {
  ChannelStateMachine sm;
  auto a = sm.ApplyHeartbeat({S("a", 1, kOpen)});
  sm.ApplyHeartbeat({S("a", 2, kClosing)});
  EXPECT_TRUE(sm.Report("a", a[0].generation, kTerminated));
  ExpectState(sm, "a", 3, kTerminated);
}

TEST(ChannelStateMachine, ClosingWithoutReaderReportsCloseAtOnce) {
  ChannelStateMachine sm;
  EXPECT_TRUE(sm.ApplyHeartbeat({S("a", 4, kClosing)}).empty());
  ExpectState(sm, "a", 5, kClose);
  auto snap = sm.Snapshot();
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].version, 5);
  EXPECT_EQ(snap[0].status, kClose);
}

TEST(ChannelStateMachine, AbsentChannelsAreDroppedAndTheirReadersClosed) {
  ChannelStateMachine sm;
  auto a = sm.ApplyHeartbeat({S("a", 1, kOpen), S("b", 1, kOpen)});
  auto drop = sm.ApplyHeartbeat({S("b", 1, kOpen)});
  ASSERT_EQ(drop.size(), 1u);
  EXPECT_EQ(drop[0], (ChannelAction{Kind::kDrop, "a", a[0].generation}));
  EXPECT_EQ(sm.entries().count("a"), 0u);
  // A late report of the dropped reader is ignored.
  EXPECT_FALSE(sm.Report("a", a[0].generation, kClose));
  EXPECT_EQ(sm.Snapshot().size(), 1u);
}

TEST(ChannelStateMachine, ServerCloseOrTerminateDropsTheReaderWithoutReport) {
  ChannelStateMachine sm;
  auto a = sm.ApplyHeartbeat({S("a", 1, kOpen), S("b", 1, kOpen)});
  auto actions = sm.ApplyHeartbeat({S("a", 2, kClose), S("b", 2, kTerminated)});
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].kind, Kind::kDrop);
  EXPECT_EQ(actions[1].kind, Kind::kDrop);
  EXPECT_FALSE(sm.Report("a", a[0].generation, kClose));
  ExpectState(sm, "a", 2, kClose);
  ExpectState(sm, "b", 2, kTerminated);
}

TEST(ChannelStateMachine, OldReaderCannotReportForANewOne) {
  ChannelStateMachine sm;
  auto first = sm.ApplyHeartbeat({S("a", 1, kOpen)});
  sm.ApplyHeartbeat({});  // dropped
  auto second = sm.ApplyHeartbeat({S("a", 3, kOpen)});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_FALSE(sm.Report("a", first[0].generation, kClose));
  EXPECT_TRUE(sm.IsCurrent("a", second[0].generation));
  EXPECT_FALSE(sm.IsCurrent("a", first[0].generation));
  ExpectState(sm, "a", 3, kOpen);
}

TEST(ChannelStateMachine, StopAllStopsRunningReadersOnce) {
  ChannelStateMachine sm;
  sm.ApplyHeartbeat({S("a", 1, kOpen), S("b", 1, kOpen)});
  EXPECT_EQ(sm.StopAll().size(), 2u);
  EXPECT_TRUE(sm.StopAll().empty());
}

TEST(ChannelStateMachine, ReaderGoneAllowsARestartOnTheNextOpen) {
  ChannelStateMachine sm;
  auto a = sm.ApplyHeartbeat({S("a", 1, kOpen)});
  sm.ReaderGone("a", a[0].generation);
  auto again = sm.ApplyHeartbeat({S("a", 1, kOpen)});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].kind, Kind::kStart);
}

}  // namespace
}  // namespace tablestore::tunnel
