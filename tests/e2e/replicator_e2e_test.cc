// End-to-end tests of the replicator (issue 6): real `tunnel-emulator` and `replicator`
// processes, driven through the emulator's control API (contracts.md §3) and the
// replicator's command line (contracts.md §2). The mirror is compared with the source
// exactly: values, types and cell versions.

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <cinttypes>
#include <random>
#include <thread>

#include "tests/support/e2e/replicator_harness.h"

namespace tablestore::testing {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr auto kEqualTimeout = seconds(120);

// rows_applied of `table` in `status --json` (-1 if unknown).
int64_t RowsApplied(ReplicatorRunner& rep, const std::string& table, std::string* stage = nullptr) {
  json j = rep.StatusJson();
  if (!j.is_object() || !j.contains("tables")) return -1;
  for (const auto& t : j["tables"]) {
    if (t.value("table", "") != table) continue;
    if (stage) *stage = t.value("stage", "");
    return t.value("rows_applied", int64_t{-1});
  }
  return -1;
}

// Polls (the mirror file, directly) until the run has applied more than `above` rows while
// still in the full load. False if the stream started first, the run ended or the deadline
// passed.
bool WaitFullLoadProgress(Subprocess& run, const std::string& db, int64_t above,
                          milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline && run.Running()) {
    if (StreamStarted(db)) return false;
    if (RowsAppliedInFile(db) > above) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

std::string Hex(uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

// Random changes for a table keyed (id string, n integer): puts, updates with put,
// delete-one-version and delete-all-versions cells (explicit timestamps from a small set, so
// that versions collide and delete-one-version sometimes matches), and row deletes.
class ChangeGenerator {
 public:
  ChangeGenerator(uint64_t seed, int64_t now_ms) : rng_(seed), base_ts_(now_ms - 3'600'000) {}

  json Key(int k) {
    const std::string alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::string id;
    id += alnum[(k * 7) % alnum.size()];
    id += alnum[(k * 13 + 5) % alnum.size()];
    id += "-" + std::to_string(k / 2);
    return json::array(
        {{{"name", "id"}, {"value", {{"type", "string"}, {"value", id}}}},
         {{"name", "n"}, {"value", {{"type", "integer"}, {"value", std::to_string(k % 2)}}}}});
  }

  json Value() {
    switch (Pick(6)) {
      case 0:
        return {{"type", "integer"},
                {"value", std::to_string(static_cast<int64_t>(rng_()) >> Pick(60))}};
      case 1: {
        static const uint64_t kSpecial[] = {0x8000000000000000ULL, 0x0000000000000000ULL,
                                            0x7ff0000000000000ULL, 0x3ff8000000000000ULL};
        uint64_t bits = Pick(4) == 0 ? kSpecial[Pick(4)] : (rng_() & 0x7fefffffffffffffULL);
        return {{"type", "double"}, {"bits", Hex(bits)}};
      }
      case 2:
        return {{"type", "boolean"}, {"value", Pick(2) == 1}};
      case 3: {
        static const char* kStrings[] = {"", "007", "1e3", "1.0", "héllo wörld", "NULL", "'; --"};
        return {{"type", "string"},
                {"value", Pick(3) == 0 ? std::string(kStrings[Pick(7)])
                                       : "s" + std::to_string(rng_() % 100000)}};
      }
      case 4: {
        std::string hex;
        int n = static_cast<int>(Pick(5));
        for (int i = 0; i < n; ++i) hex += Hex(rng_()).substr(0, 2);
        return {{"type", "binary"}, {"hex", hex}};
      }
      default:
        return {{"type", "string"}, {"value", std::string(Pick(300), 'x')}};
    }
  }

  std::string Column() { return "c" + std::to_string(Pick(6)); }
  std::string Timestamp() { return std::to_string(base_ts_ + static_cast<int64_t>(Pick(8))); }

  json PutCell() {
    json c = {{"name", Column()}, {"value", Value()}};
    if (Pick(3) != 0) c["timestamp"] = Timestamp();  // else server time
    return c;
  }

  json Change(int keys) {
    const int k = static_cast<int>(Pick(keys));
    const uint64_t op = Pick(10);
    if (op < 3) {
      json cells = json::array();
      for (uint64_t i = 0, n = Pick(5); i < n; ++i) cells.push_back(PutCell());
      return {{"op", "put"}, {"primary_key", Key(k)}, {"cells", cells}};
    }
    if (op < 8) {
      json cells = json::array();  // an update carries at least one cell
      for (uint64_t i = 0, n = 1 + Pick(4); i < n; ++i) {
        uint64_t kind = Pick(5);
        if (kind < 3) {
          cells.push_back(PutCell());
        } else if (kind == 3) {
          cells.push_back({{"name", Column()},
                           {"cell_type", "delete_one_version"},
                           {"timestamp", Timestamp()}});
        } else {
          cells.push_back({{"name", Column()}, {"cell_type", "delete_all_versions"}});
        }
      }
      return {{"op", "update"}, {"primary_key", Key(k)}, {"cells", cells}};
    }
    return {{"op", "delete"}, {"primary_key", Key(k)}};
  }

 private:
  uint64_t Pick(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  std::mt19937_64 rng_;
  int64_t base_ts_;
};

json EventsKey() {
  return json::array({{{"name", "id"}, {"type", "string"}}, {{"name", "n"}, {"type", "integer"}}});
}

// Proves: the mirror equals the source after the full load; `status --json` works while
// `run` runs; a clean stop (SIGTERM) exits 0.
TEST(Replicator, MirrorEqualsSourceAfterFullLoad) {
  E2EWorld w;
  ASSERT_TRUE(w.Start());
  ASSERT_TRUE(w.StartWorkload("orders", 20'000, 0, 11));
  auto run = w.replicator().StartRun("run");
  ASSERT_NE(run, nullptr);
  ASSERT_TRUE(w.replicator().WaitForStage("orders", "stream", run.get(), seconds(120)))
      << run->Stderr();
  EXPECT_EQ(w.WaitEqual(kEqualTimeout), "");

  std::string error;
  json status = w.replicator().StatusJson(&error);
  ASSERT_TRUE(status.is_object()) << error;
  ASSERT_EQ(status["tables"].size(), 1u);
  EXPECT_EQ(status["tables"][0]["table"], "orders");
  EXPECT_EQ(status["tables"][0]["rows"], 20'000);

  ExitInfo e = Terminate(*run);
  EXPECT_TRUE(e.exited(0)) << e.ToString() << "\n" << run->Stderr();
  EXPECT_EQ(w.CheckInvariant(), "");
}

// Proves: thousands of random puts and updates (delete-one-version and delete-all-versions
// cells, explicit timestamps, mixed types) and row deletes, with two partition splits during
// the stream, end in a mirror equal to the source, and the checkpoints match the rows.
TEST(Replicator, MirrorEqualsSourceAfterRandomChangesAndPartitionSplits) {
  E2EWorld w;
  ASSERT_TRUE(w.Start({}, {{"events", "", ""}}));
  w.admin().CreateTable("events", EventsKey(), 4);
  const int64_t now = std::stoll(w.admin().Must("GET", "clock").value("now", "0"));
  ChangeGenerator gen(20261125, now);
  constexpr int kKeys = 600;
  json initial = json::array();
  for (int i = 0; i < 1500; ++i) initial.push_back(gen.Change(kKeys));
  ASSERT_EQ(w.admin().ApplyChanges("events", initial), 1500);

  auto run = w.replicator().StartRun("run");
  ASSERT_NE(run, nullptr);
  ASSERT_TRUE(w.replicator().WaitForStage("events", "stream", run.get(), seconds(120)))
      << run->Stderr();

  std::vector<int> children;
  for (int batch = 0; batch < 40; ++batch) {
    json changes = json::array();
    for (int i = 0; i < 100; ++i) changes.push_back(gen.Change(kKeys));
    ASSERT_EQ(w.admin().ApplyChanges("events", changes), 100);
    if (batch == 12) {
      children = w.admin().Split("events", 0);
      ASSERT_EQ(children.size(), 2u);
    }
    if (batch == 26) {
      ASSERT_EQ(w.admin().Split("events", children[1]).size(), 2u);
    }
  }
  EXPECT_EQ(w.WaitEqual(kEqualTimeout), "") << run->Stderr();
  auto source = w.admin().Rows("events");
  ASSERT_TRUE(source.ok());
  EXPECT_GT(source->size(), 100u);
  json tables = w.admin().Must("GET", "tables");
  EXPECT_EQ(tables["tables"][0]["partitions"].size(), 6u);  // 4 live, split twice: +1 each
  ExitInfo e = Terminate(*run);
  EXPECT_TRUE(e.exited(0)) << e.ToString() << "\n" << run->Stderr();
  MirrorSnapshot snap;
  EXPECT_EQ(w.CheckInvariant(0, &snap), "");
  EXPECT_GE(snap.checkpoints.size(), 4u + 4u + 4u);  // base, stream, split children
}

// Proves: SIGTERM during the full load and during the stream exits 0 with a consistent file
// (rows == rows_at(checkpoints)), and each restart resumes to mirror == source.
TEST(Replicator, CleanStopAndRestartDuringFullLoadAndStream) {
  E2EWorld w;
  ASSERT_TRUE(w.Start(EmulatorWithArgs({"--page-max-records", "100"})));
  ASSERT_TRUE(w.StartWorkload("orders", 40'000, 200, 12));

  int stops_in_full_load = 0;
  int64_t last = 0;
  for (int i = 0; i < 3; ++i) {
    auto run = w.replicator().StartRun("run-full-" + std::to_string(i));
    ASSERT_NE(run, nullptr);
    if (!WaitFullLoadProgress(*run, w.db(), last, seconds(60))) {
      ExitInfo e = Terminate(*run);
      EXPECT_TRUE(e.exited(0)) << e.ToString() << "\n" << run->Stderr();
      break;
    }
    ExitInfo e = Terminate(*run);
    ASSERT_TRUE(e.exited(0)) << e.ToString() << "\n" << run->Stderr();
    MirrorSnapshot snap;
    ASSERT_EQ(w.CheckInvariant(0, &snap), "");
    if (!snap.in_stream()) ++stops_in_full_load;
    last = RowsAppliedInFile(w.db());
  }
  EXPECT_GE(stops_in_full_load, 1) << "no stop landed in the full load";

  for (int i = 0; i < 2; ++i) {
    auto run = w.replicator().StartRun("run-stream-" + std::to_string(i));
    ASSERT_NE(run, nullptr);
    ASSERT_TRUE(w.replicator().WaitForStage("orders", "stream", run.get(), seconds(120)))
        << run->Stderr();
    // Let some stream batches commit: the status counters move.
    const int64_t before = RowsApplied(w.replicator(), "orders");
    const auto deadline = std::chrono::steady_clock::now() + seconds(30);
    while (RowsApplied(w.replicator(), "orders") <= before &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(100));
    }
    ExitInfo e = Terminate(*run);
    ASSERT_TRUE(e.exited(0)) << e.ToString() << "\n" << run->Stderr();
    MirrorSnapshot snap;
    ASSERT_EQ(w.CheckInvariant(0, &snap), "");
    EXPECT_TRUE(snap.in_stream());
  }

  auto run = w.replicator().StartRun("run-final");
  ASSERT_NE(run, nullptr);
  w.StopWorkload();
  EXPECT_EQ(w.WaitEqual(kEqualTimeout), "") << run->Stderr();
  ExitInfo e = Terminate(*run);
  EXPECT_TRUE(e.exited(0)) << e.ToString();
}

// Proves the checker itself can fail: after a clean stop the invariant holds, but a changed
// mirror value (data ahead of its checkpoint) or a removed checkpoint (checkpoint behind its
// data) is reported.
TEST(Replicator, InvariantCheckDetectsDataCheckpointMismatch) {
  E2EWorld w;
  ASSERT_TRUE(w.Start());
  ASSERT_TRUE(w.StartWorkload("orders", 2'000, 100, 20));
  auto run = w.replicator().StartRun("run");
  ASSERT_NE(run, nullptr);
  ASSERT_TRUE(w.replicator().WaitForStage("orders", "stream", run.get(), seconds(120)))
      << run->Stderr();
  ExitInfo e = Terminate(*run);
  ASSERT_TRUE(e.exited(0)) << e.ToString();
  ASSERT_EQ(w.CheckInvariant(), "");
  auto exec = [&](const char* sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(w.db().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    ASSERT_GT(sqlite3_changes(db), 0);
    sqlite3_close(db);
  };
  exec(
      "UPDATE \"orders\" SET \"qty\" = \"qty\" + 1 WHERE \"id\" = (SELECT min(\"id\") FROM "
      "\"orders\")");
  EXPECT_NE(w.CheckInvariant(), "");
  exec(
      "UPDATE \"orders\" SET \"qty\" = \"qty\" - 1 WHERE \"id\" = (SELECT min(\"id\") FROM "
      "\"orders\")");
  ASSERT_EQ(w.CheckInvariant(), "");
  exec("DELETE FROM _replicator_checkpoints WHERE channel_id = 'BaseData_0'");
  EXPECT_NE(w.CheckInvariant(), "");
}

// Runs to the stream and stops cleanly.
void RunToStreamAndStop(E2EWorld& w, const std::string& table, const std::string& tag) {
  auto run = w.replicator().StartRun(tag);
  ASSERT_NE(run, nullptr);
  ASSERT_TRUE(w.replicator().WaitForStage(table, "stream", run.get(), seconds(120)))
      << run->Stderr();
  ExitInfo e = Terminate(*run);
  ASSERT_TRUE(e.exited(0)) << e.ToString() << "\n" << run->Stderr();
}

void ExpectRefusedWithResync(const CommandResult& r) {
  EXPECT_FALSE(r.timed_out) << "still running: " << r.err;
  EXPECT_TRUE(r.exit.exited(3)) << r.exit.ToString() << "\n" << r.err;
  EXPECT_NE(r.err.find("replicator resync"), std::string::npos) << r.err;
}

// Proves: a mirror bound to a tunnel that was deleted and re-created under the same name is
// refused (exit 3, naming `replicator resync`), and nothing in the file changes.
TEST(Replicator, RefusesMirrorBoundToAnotherTunnel) {
  E2EWorld w;
  ASSERT_TRUE(w.Start());
  ASSERT_TRUE(w.StartWorkload("orders", 2'000, 0, 13));
  ASSERT_NO_FATAL_FAILURE(RunToStreamAndStop(w, "orders", "run"));
  MirrorSnapshot before;
  ASSERT_EQ(w.CheckInvariant(0, &before), "");

  CommandResult del = w.replicator().Run(
      {"tunnel", "delete", "--table", "orders", "--name", "replicator-orders", "--yes"});
  ASSERT_TRUE(del.exit.exited(0)) << del.err;
  // Deleted: the mirror's tunnel is gone.
  ExpectRefusedWithResync(w.replicator().Run({"run"}));

  CommandResult create = w.replicator().Run({"tunnel", "create", "--table", "orders", "--name",
                                             "replicator-orders", "--type", "BaseAndStream"});
  ASSERT_TRUE(create.exit.exited(0)) << create.err;
  // Re-created under the same name: another tunnel id.
  ExpectRefusedWithResync(w.replicator().Run({"run"}));

  MirrorSnapshot after;
  auto snap = SnapshotMirror(w.db(), "orders", w.File("after.db"));
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->tunnel_id, before.tunnel_id);
  EXPECT_EQ(snap->checkpoints, before.checkpoints);
  EXPECT_EQ(DiffRows(before.rows, snap->rows), "");
}

// Proves: a new mirror file facing a tunnel that already delivered data elsewhere is
// refused (exit 3, naming `replicator resync`) and gets no rows.
TEST(Replicator, RefusesNewMirrorFacingTunnelWithProgress) {
  E2EWorld w;
  ASSERT_TRUE(w.Start());
  ASSERT_TRUE(w.StartWorkload("orders", 2'000, 0, 14));
  ASSERT_NO_FATAL_FAILURE(RunToStreamAndStop(w, "orders", "run"));
  w.setup().db_path = w.File("other.db");
  w.WriteConfig();
  ExpectRefusedWithResync(w.replicator().Run({"run"}));
  auto snap = SnapshotMirror(w.db(), "orders", w.File("snap.db"));
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_TRUE(snap->rows.empty());
  EXPECT_TRUE(snap->checkpoints.empty());
}

// Proves: when the emulator clock passes the stream retention while the base data is
// unfinished, the running replicator stops with exit 3 naming `replicator resync`, and the
// file stays consistent.
TEST(Replicator, ExpiredTunnelDuringFullLoadIsRefused) {
  E2EWorld w;
  ASSERT_TRUE(w.Start(EmulatorWithArgs({"--page-max-records", "20"})));
  ASSERT_TRUE(w.StartWorkload("orders", 30'000, 0, 15));
  auto run = w.replicator().StartRun("run");
  ASSERT_NE(run, nullptr);
  ASSERT_TRUE(WaitFullLoadProgress(*run, w.db(), 0, seconds(60))) << run->Stderr();
  w.admin().AdvanceClock("8d");
  std::optional<ExitInfo> e = run->Wait(seconds(60));
  ASSERT_TRUE(e.has_value()) << "still running after the tunnel expired\n" << run->Stderr();
  EXPECT_TRUE(e->exited(3)) << e->ToString() << "\n" << run->Stderr();
  EXPECT_NE(run->Stderr().find("replicator resync"), std::string::npos) << run->Stderr();
  EXPECT_EQ(w.CheckInvariant(), "");
  // A restart is refused the same way.
  ExpectRefusedWithResync(w.replicator().Run({"run"}));
}

// Proves: a second `run` on a mirror whose writer lock is held is refused with exit 3, while
// `status --json` keeps working, and the first run is unaffected.
TEST(Replicator, SecondRunOnLockedMirrorIsRefused) {
  E2EWorld w;
  ASSERT_TRUE(w.Start());
  ASSERT_TRUE(w.StartWorkload("orders", 2'000, 50, 16));
  auto run = w.replicator().StartRun("run");
  ASSERT_NE(run, nullptr);
  ASSERT_TRUE(w.replicator().WaitForStage("orders", "stream", run.get(), seconds(120)))
      << run->Stderr();
  CommandResult second = w.replicator().Run({"run"}, seconds(60));
  EXPECT_FALSE(second.timed_out);
  EXPECT_TRUE(second.exit.exited(3)) << second.exit.ToString() << "\n" << second.err;
  EXPECT_NE(second.err.find("lock"), std::string::npos) << second.err;
  std::string error;
  EXPECT_TRUE(w.replicator().StatusJson(&error).is_object()) << error;
  EXPECT_TRUE(run->Running());
  w.StopWorkload();
  EXPECT_EQ(w.WaitEqual(kEqualTimeout), "");
  ExitInfo e = Terminate(*run);
  EXPECT_TRUE(e.exited(0)) << e.ToString() << "\n" << run->Stderr();
}

// Proves: a wrong secret exits 4 before anything is written: no binding, checkpoint or row
// in the file, and no tunnel on the service.
TEST(Replicator, BadCredentialsExitFourAndWriteNothing) {
  E2EWorld w;
  ASSERT_TRUE(w.Start());
  ASSERT_TRUE(w.StartWorkload("orders", 500, 0, 17));
  const std::string good = w.replicator().env()["TABLESTORE_ACCESS_KEY_SECRET"];
  w.replicator().env()["TABLESTORE_ACCESS_KEY_SECRET"] = "not-the-secret";
  CommandResult r = w.replicator().Run({"run"}, seconds(60));
  EXPECT_FALSE(r.timed_out);
  EXPECT_TRUE(r.exit.exited(4)) << r.exit.ToString() << "\n" << r.err;
  auto snap = SnapshotMirror(w.db(), "orders", w.File("snap.db"));
  if (snap.ok()) {
    EXPECT_FALSE(snap->bound);
    EXPECT_TRUE(snap->rows.empty());
  }
  w.replicator().env()["TABLESTORE_ACCESS_KEY_SECRET"] = good;
  CommandResult list = w.replicator().Run({"tunnel", "list", "--table", "orders"});
  ASSERT_TRUE(list.exit.exited(0)) << list.err;
  EXPECT_EQ(list.out.find("replicator-orders"), std::string::npos) << list.out;
}

// Proves: `resync --yes` drops the table, recreates the tunnel and reloads to equality, even
// after the mirrored rows were damaged by hand.
TEST(Replicator, ResyncReloadsTable) {
  E2EWorld w;
  ASSERT_TRUE(w.Start());
  ASSERT_TRUE(w.StartWorkload("orders", 3'000, 0, 18));
  ASSERT_NO_FATAL_FAILURE(RunToStreamAndStop(w, "orders", "run"));
  MirrorSnapshot before;
  ASSERT_EQ(w.CheckInvariant(0, &before), "");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(w.db().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(db, "DELETE FROM \"orders\" WHERE \"id\" < 'M'", nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(db);
  }
  ASSERT_NE(w.WaitEqual(milliseconds(0)), "");
  auto resync = w.replicator().Start({"resync", "--table", "orders", "--yes"}, "resync");
  ASSERT_NE(resync, nullptr);
  EXPECT_EQ(w.WaitEqual(kEqualTimeout), "") << resync->Stderr();
  ExitInfo e = Terminate(*resync);
  EXPECT_TRUE(e.exited(0)) << e.ToString() << "\n" << resync->Stderr();
  MirrorSnapshot after;
  ASSERT_EQ(w.CheckInvariant(0, &after), "");
  EXPECT_NE(after.tunnel_id, before.tunnel_id);
}

// Proves: a second SIGTERM while the first one's clean stop is still draining exits at once
// with 128+15.
TEST(Replicator, SecondSignalExitsAtOnce) {
  E2EWorld w;
  ASSERT_TRUE(w.Start(EmulatorWithArgs({"--page-max-records", "50"})));
  ASSERT_TRUE(w.StartWorkload("orders", 20'000, 0, 19));
  auto run = w.replicator().StartRun("run");
  ASSERT_NE(run, nullptr);
  ASSERT_TRUE(WaitFullLoadProgress(*run, w.db(), 0, seconds(60))) << run->Stderr();
  // Every tunnel request now takes 5 s, so the clean stop cannot finish quickly.
  w.admin().Must("PUT", "faults", {{"seed", 1}, {"rates", {{"slow", 1.0}}}, {"slow_ms", 5000}});
  ASSERT_TRUE(run->Signal(SIGTERM));
  ASSERT_TRUE(run->WaitForOutput("send it again to exit at once", seconds(10))) << run->Stderr();
  ASSERT_TRUE(run->Signal(SIGTERM));
  // The bound only absorbs scheduling delay on a loaded machine. What proves that the second
  // signal, not a finished clean stop, ended the run is the exit code: 128+SIGTERM comes only
  // from the second-signal path (a clean stop exits 0, a failed one with its error code), so
  // a clean stop that wins within this bound still fails the EXPECT below.
  std::optional<ExitInfo> e = run->Wait(seconds(15));
  ASSERT_TRUE(e.has_value()) << "no immediate exit after the second signal";
  EXPECT_TRUE(e->exited(128 + SIGTERM)) << e->ToString() << "\n" << run->Stderr();
  w.admin().Must("PUT", "faults", {{"seed", 1}, {"rates", json::object()}});
  EXPECT_EQ(w.CheckInvariant(), "");
}

}  // namespace
}  // namespace tablestore::testing
