// The reliability suite (issue 7), default part: a short crash test and a short fault test,
// disk full, fatal service errors, hostile names and values, secrets in output, and two
// processes on one mirror. The long versions are in reliability_heavy_test.cc (label heavy).
// Real `tunnel-emulator` and `replicator` processes throughout.

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "tests/reliability/reliability_scenarios.h"
#include "tests/support/e2e/replicator_harness.h"

namespace tablestore::testing {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Proves: SIGKILL at 8 seeded moments over the full load and the stream, with a live
// workload, never leaves the checkpoints ahead of or behind the data, and the restarts end
// in mirror == source.
TEST(Replicator, CrashRecoveryShort) {
  CrashRecoveryParams p;
  p.kills = 8;
  p.seed = 20261125;
  p.initial_rows = 20'000;
  p.rate_per_s = 300;
  p.page_max_records = 20;
  CrashRecoveryReport r;
  RunCrashRecovery(p, &r);
  RecordProperty("report", FormatReport(r));
  std::printf("crash recovery (short): %s\n", FormatReport(r).c_str());
}

// Proves: with 10% of every fault kind on every tunnel request (5xx, server unavailable,
// connection reset, slow, truncated and corrupted bodies), the run converges to
// mirror == source, and at a kill point the file holds exactly rows_at(checkpoints): no
// corrupted page was applied.
TEST(Replicator, FaultsConvergeAndNeverApplyCorruptPages) {
  FaultParams p;
  p.rate_each = 0.10;
  p.kill_points = 1;
  p.seed = 7;
  p.initial_rows = 8'000;
  p.rate_per_s = 150;
  FaultReport r;
  RunFaults(p, &r);
  RecordProperty("report", FormatReport(r));
  std::printf("faults (short): %s\n", FormatReport(r).c_str());
}

// ---------------------------------------------------------------------------------------
// Disk full.

// A small filesystem for the mirror: a tmpfs when this process may mount (root with
// CAP_SYS_ADMIN), else nothing (the caller falls back to RLIMIT_FSIZE).
class SmallFs {
 public:
  explicit SmallFs(std::string dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    const char* forced = std::getenv("TS_DISK_FULL_METHOD");
    if (forced != nullptr && std::string(forced) == "rlimit") {
      why_ = "TS_DISK_FULL_METHOD=rlimit";
      return;
    }
    CommandResult r = RunCommand(
        CommandLine({"/bin/mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", dir_}), seconds(20));
    mounted_ = r.exit.exited(0);
    if (!mounted_) why_ = r.err;
  }
  ~SmallFs() {
    if (mounted_) RunCommand(CommandLine({"/bin/umount", "-l", dir_}), seconds(20));
  }
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }
  bool Grow() {
    return RunCommand(CommandLine({"/bin/mount", "-o", "remount,size=256m", dir_}), seconds(20))
        .exit.exited(0);
  }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string why_;
};

// Proves: when the disk fills (a real SQLITE_FULL on a 6 MB tmpfs; without mount rights,
// RLIMIT_FSIZE with SIGXFSZ ignored), the replicator stops with a clear error and a
// non-zero exit, the file is consistent (rows == rows_at(checkpoints)), and a restart with
// space resumes to mirror == source.
TEST(Replicator, DiskFullStopsCleanlyAndResumes) {
  E2EWorld w;
  ASSERT_TRUE(w.Start(EmulatorWithArgs({"--page-max-records", "200"})));
  ASSERT_TRUE(w.StartWorkload("orders", 30'000, 0, 21));
  SmallFs fs(w.File("small"));
  std::optional<long long> limit;
  if (fs.mounted()) {
    w.setup().db_path = w.File("small") + "/mirror.db";
    w.WriteConfig();
    std::printf("disk full: mirror on a 6 MB tmpfs\n");
    RecordProperty("disk_full_method", "tmpfs");
  } else {
    limit = 3LL * 1024 * 1024;
    std::printf("disk full: mount failed (%s); using RLIMIT_FSIZE = 3 MB\n", fs.why().c_str());
    RecordProperty("disk_full_method", "rlimit_fsize");
  }
  auto run = w.replicator().Start({"run"}, "run-full", limit);
  ASSERT_NE(run, nullptr);
  std::optional<ExitInfo> e = run->Wait(seconds(120));
  ASSERT_TRUE(e.has_value()) << "the replicator kept running on a full disk\n"
                             << run->Stderr().substr(0, 4000);
  EXPECT_FALSE(e->signaled) << e->ToString();
  EXPECT_NE(e->code, 0) << run->Stderr();
  const std::string err = run->Stderr();
  EXPECT_TRUE(err.find("mirror file is full") != std::string::npos ||
              err.find("mirror file cannot be written") != std::string::npos)
      << "no clear disk-full error:\n"
      << err.substr(err.size() > 4000 ? err.size() - 4000 : 0);
  const size_t last_line = err.rfind("\nreplicator: ");
  if (last_line != std::string::npos) {
    std::printf("disk full: exit %d, %s\n", e->code,
                err.substr(last_line + 1, err.find('\n', last_line + 1) - last_line - 1).c_str());
  }
  MirrorSnapshot snap;
  ASSERT_EQ(w.CheckInvariant(0, &snap), "");
  EXPECT_GT(snap.rows.size(), 0u) << "the disk filled before any commit";
  EXPECT_LT(snap.rows.size(), 30'000u);

  if (fs.mounted()) {
    ASSERT_TRUE(fs.Grow());
  }
  auto again = w.replicator().StartRun("run-space");
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(w.WaitEqual(seconds(120)), "") << again->Stderr();
  ExitInfo stopped = Terminate(*again);
  EXPECT_TRUE(stopped.exited(0)) << stopped.ToString() << "\n" << again->Stderr();
}

// ---------------------------------------------------------------------------------------
// Fatal service errors: exit code, remedy, nothing written.

void ExpectNothingWritten(E2EWorld& w) {
  auto snap = SnapshotMirror(w.db(), "orders", w.File("snap.db"));
  if (!snap.ok()) return;  // no file at all
  EXPECT_TRUE(snap->rows.empty());
  EXPECT_TRUE(snap->checkpoints.empty());
}

// Proves: a tunnel that expired before the first run (clock past the retention, base
// unfinished) is refused with exit 3 and the resync remedy, and nothing is written.
TEST(Replicator, ExpiredTunnelIsFatalAndWritesNothing) {
  E2EWorld w;
  ASSERT_TRUE(w.Start());
  ASSERT_TRUE(w.StartWorkload("orders", 1'000, 0, 22));
  CommandResult create = w.replicator().Run({"tunnel", "create", "--table", "orders", "--name",
                                             "replicator-orders", "--type", "BaseAndStream"});
  ASSERT_TRUE(create.exit.exited(0)) << create.err;
  w.admin().AdvanceClock("8d");
  CommandResult r = w.replicator().Run({"run"});
  EXPECT_TRUE(r.exit.exited(3)) << r.exit.ToString() << "\n" << r.err;
  EXPECT_NE(r.err.find("expired"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("replicator resync"), std::string::npos) << r.err;
  ExpectNothingWritten(w);
}

// Proves: keys the service does not accept (PUT /admin/credentials replaced them) stop the
// run with exit 4 and an authentication message; nothing is written.
TEST(Replicator, BadCredentialsAreFatalAndWriteNothing) {
  E2EWorld w;
  ASSERT_TRUE(w.Start());
  ASSERT_TRUE(w.StartWorkload("orders", 1'000, 0, 23));
  w.admin().Must(
      "PUT", "credentials",
      {{"keys",
        json::array({{{"access_key_id", "other-ak"}, {"access_key_secret", "other-secret"}}})}});
  CommandResult r = w.replicator().Run({"run"});
  EXPECT_TRUE(r.exit.exited(4)) << r.exit.ToString() << "\n" << r.err;
  EXPECT_FALSE(r.err.empty());
  ExpectNothingWritten(w);
}

// Proves: a key denied by the service (OTSPermissionDenied) stops the run with exit 4 and a
// permission message, both at start and in the middle of a run; nothing more is written.
TEST(Replicator, PermissionDeniedIsFatal) {
  E2EWorld w;
  ASSERT_TRUE(w.Start(EmulatorWithArgs({"--page-max-records", "50"})));
  ASSERT_TRUE(w.StartWorkload("orders", 20'000, 0, 24));
  w.admin().Must("PUT", "permissions", {{"deny", json::array({"e2e-ak"})}});
  CommandResult r = w.replicator().Run({"run"});
  EXPECT_TRUE(r.exit.exited(4)) << r.exit.ToString() << "\n" << r.err;
  EXPECT_NE(r.err.find("ermission"), std::string::npos) << r.err;
  ExpectNothingWritten(w);

  // Denied mid-run: the running replicator stops with exit 4, the file stays consistent.
  w.admin().Must("PUT", "permissions", {{"deny", json::array()}});
  auto run = w.replicator().StartRun("run");
  ASSERT_NE(run, nullptr);
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (std::chrono::steady_clock::now() < deadline && run->Running()) {
    auto snap = SnapshotMirror(w.db(), "orders", w.File("poll.db"));
    if (snap.ok() && !snap->rows.empty()) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  w.admin().Must("PUT", "permissions", {{"deny", json::array({"e2e-ak"})}});
  std::optional<ExitInfo> e = run->Wait(seconds(60));
  ASSERT_TRUE(e.has_value()) << "still running with a denied key\n" << run->Stderr();
  EXPECT_TRUE(e->exited(4)) << e->ToString() << "\n" << run->Stderr();
  EXPECT_NE(run->Stderr().find("ermission"), std::string::npos);
  EXPECT_EQ(w.CheckInvariant(), "");
}

// ---------------------------------------------------------------------------------------
// Hostile data.

json Str(const std::string& s) { return {{"type", "string"}, {"value", s}}; }

std::vector<std::string> UserTables(const std::string& db_path) {
  std::vector<std::string> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db,
                       "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                       "'\\_replicator%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                       "ORDER BY name",
                       -1, &s, nullptr);
    while (sqlite3_step(s) == SQLITE_ROW) {
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

// Proves: table, key and column names with quotes, spaces, unicode, SQL keywords, case
// collisions, the reserved prefix and `x"; DROP TABLE y; --`, and 2 MB values, are mirrored
// exactly; a user table `y` in the same file is untouched and no other table appears.
TEST(Replicator, HostileNamesAndHugeValuesAreMirroredExactly) {
  const std::string evil = "x\"; DROP TABLE y; --";
  const std::string spaced = "Ordèrs \"quoted\" 表 'single'";
  const std::string keyword = "select";
  E2EWorld w;
  ASSERT_TRUE(w.Start({}, {{evil, "", ""}, {spaced, "", ""}, {keyword, "", ""}}));
  {
    // A user table that must survive.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(w.db().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE y (v TEXT); INSERT INTO y VALUES ('sentinel');",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  const std::vector<std::string> columns = {
      "\"quoted\"", "with space",    "ünïcödé 列", "select", evil,  "Case", "case",
      "CASE",       "_replicator_x", "'",          "a.b",    "[x]", "`y`",  "order by"};
  const json key_names = json::array(
      {{{"name", "key \"k\""}, {"type", "string"}}, {{"name", "order"}, {"type", "integer"}}});
  for (const std::string& t : {evil, spaced, keyword}) w.admin().CreateTable(t, key_names, 2);

  const std::string huge(2'000'000, 'h');
  std::string huge_hex;
  for (int i = 0; i < 1'500'000; ++i) huge_hex += "a5";
  std::mt19937_64 rng(25);
  for (const std::string& t : {evil, spaced, keyword}) {
    json changes = json::array();
    for (int i = 0; i < 60; ++i) {
      json cells = json::array();
      for (size_t c = 0; c < columns.size(); ++c) {
        if (rng() % 3 == 0) continue;
        cells.push_back(
            {{"name", columns[c]}, {"value", Str(columns[c] + " " + std::to_string(i))}});
      }
      changes.push_back(
          {{"op", "put"},
           {"primary_key",
            json::array({{{"name", "key \"k\""}, {"value", Str(evil + std::to_string(i % 7))}},
                         {{"name", "order"},
                          {"value", {{"type", "integer"}, {"value", std::to_string(i)}}}}})},
           {"cells", cells}});
    }
    ASSERT_EQ(w.admin().ApplyChanges(t, changes), 60);
  }
  // Huge values, one per request.
  auto huge_put = [&](const std::string& t, int order, json value) {
    json change = {
        {"op", "put"},
        {"primary_key",
         json::array({{{"name", "key \"k\""}, {"value", Str("huge")}},
                      {{"name", "order"},
                       {"value", {{"type", "integer"}, {"value", std::to_string(order)}}}}})},
        {"cells", json::array({{{"name", evil}, {"value", value}},
                               {{"name", "select"}, {"value", Str("small")}}})}};
    ASSERT_EQ(w.admin().ApplyChanges(t, json::array({change})), 1);
  };
  huge_put(evil, 1, Str(huge));
  huge_put(evil, 2, {{"type", "binary"}, {"hex", huge_hex}});

  auto run = w.replicator().StartRun("run");
  ASSERT_NE(run, nullptr);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(w.WaitEqual(seconds(120), i), "") << run->Stderr();
  // Changes in the stream too, including a huge update.
  ASSERT_TRUE(w.replicator().WaitForStage(evil, "stream", run.get(), seconds(60)));
  huge_put(evil, 3, Str(huge));
  json update = {
      {"op", "update"},
      {"primary_key",
       json::array({{{"name", "key \"k\""}, {"value", Str("huge")}},
                    {{"name", "order"}, {"value", {{"type", "integer"}, {"value", "1"}}}}})},
      {"cells", json::array({{{"name", evil}, {"cell_type", "delete_all_versions"}},
                             {{"name", "Case"}, {"value", Str(huge)}}})}};
  ASSERT_EQ(w.admin().ApplyChanges(evil, json::array({update})), 1);
  EXPECT_EQ(w.WaitEqual(seconds(120), 0), "");
  ExitInfo e = Terminate(*run);
  EXPECT_TRUE(e.exited(0)) << e.ToString() << "\n" << run->Stderr();

  std::vector<std::string> tables = UserTables(w.db());
  std::set<std::string> expected = {"y", evil, spaced, keyword};
  EXPECT_EQ(std::set<std::string>(tables.begin(), tables.end()), expected);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(w.db().c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT group_concat(v) FROM y", -1, &s, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "sentinel");
  sqlite3_finalize(s);
  sqlite3_close(db);
}

// ---------------------------------------------------------------------------------------
// Secrets.

// Proves: a distinctive secret and STS token never appear in any output of the replicator
// (run with trace logging, status, status --json, tunnel list/describe, verify, a failing
// authentication and an expired STS key) nor in the emulator's logs.
TEST(Replicator, SecretsNeverAppearInOutput) {
  std::mt19937_64 rng(static_cast<uint64_t>(::getpid()));
  const std::string secret = "Zq9SECRETsecret" + std::to_string(rng() % 1000000007);
  const std::string token = "StsTOKENtoken" + std::to_string(rng() % 1000000007);
  const std::string wrong = "WrongSECRETwrong" + std::to_string(rng() % 1000000007);
  E2EWorld w;
  EmulatorProcessOptions eo;
  eo.access_key_secret = secret;
  eo.sts_token = token;
  ASSERT_TRUE(w.Start(eo));
  w.setup().log_level = "trace";
  w.WriteConfig();
  ASSERT_TRUE(w.StartWorkload("orders", 2'000, 50, 26));
  auto run = w.replicator().StartRun("run");
  ASSERT_NE(run, nullptr);
  ASSERT_TRUE(w.replicator().WaitForStage("orders", "stream", run.get(), seconds(120)))
      << run->Stderr();
  EXPECT_TRUE(w.replicator().Run({"status"}).exit.exited(0));
  EXPECT_TRUE(w.replicator().Run({"status", "--json"}).exit.exited(0));
  EXPECT_TRUE(w.replicator().Run({"tunnel", "list", "--table", "orders"}).exit.exited(0));
  EXPECT_TRUE(w.replicator()
                  .Run({"tunnel", "describe", "--table", "orders", "--name", "replicator-orders"})
                  .exit.exited(0));
  w.StopWorkload();
  EXPECT_TRUE(w.replicator()
                  .Run({"verify", "--emulator", w.emulator().url(), "--wait", "60s"})
                  .exit.exited(0));
  ExitInfo e = Terminate(*run);
  EXPECT_TRUE(e.exited(0)) << e.ToString();

  // Failing authentication: a wrong secret, then an expired STS key.
  w.replicator().env()["TABLESTORE_ACCESS_KEY_SECRET"] = wrong;
  CommandResult bad = w.replicator().Run({"run"});
  EXPECT_TRUE(bad.exit.exited(4)) << bad.exit.ToString() << "\n" << bad.err;
  w.replicator().env()["TABLESTORE_ACCESS_KEY_SECRET"] = secret;
  w.admin().Must("PUT", "credentials",
                 {{"keys", json::array({{{"access_key_id", "e2e-ak"},
                                         {"access_key_secret", secret},
                                         {"sts_token", token},
                                         {"expires_at", "1000"}}})}});
  CommandResult expired = w.replicator().Run({"run"});
  EXPECT_TRUE(expired.exit.exited(4)) << expired.exit.ToString() << "\n" << expired.err;

  std::vector<std::string> texts = w.replicator().command_outputs();
  for (const auto& f : w.replicator().OutputFiles()) texts.push_back(ReadWholeFile(f));
  texts.push_back(ReadWholeFile(w.File("emulator.out")));
  texts.push_back(ReadWholeFile(w.File("emulator.err")));
  size_t bytes = 0;
  for (const auto& t : texts) {
    bytes += t.size();
    EXPECT_EQ(t.find(secret), std::string::npos) << "secret leaked in:\n" << t.substr(0, 2000);
    EXPECT_EQ(t.find(token), std::string::npos) << "STS token leaked in:\n" << t.substr(0, 2000);
    EXPECT_EQ(t.find(wrong), std::string::npos) << "wrong secret leaked in:\n" << t.substr(0, 2000);
  }
  EXPECT_GT(bytes, 1000u) << "the scan saw almost no output";
}

// ---------------------------------------------------------------------------------------
// Concurrency.

// Proves: two `run` processes started together on one mirror: exactly one keeps running and
// the other is refused with exit 3; `status --json` works during the run; the survivor
// reaches mirror == source.
TEST(Replicator, TwoRunsOnOneMirrorOneIsRefused) {
  E2EWorld w;
  ASSERT_TRUE(w.Start());
  ASSERT_TRUE(w.StartWorkload("orders", 5'000, 100, 27));
  auto a = w.replicator().StartRun("run-a");
  auto b = w.replicator().StartRun("run-b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (a->Running() && b->Running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_NE(a->Running(), b->Running()) << "expected exactly one run to be refused";
  Subprocess& loser = a->Running() ? *b : *a;
  Subprocess& winner = a->Running() ? *a : *b;
  ASSERT_TRUE(loser.exit_info().has_value());
  EXPECT_TRUE(loser.exit_info()->exited(3)) << loser.exit_info()->ToString() << "\n"
                                            << loser.Stderr();
  // The loser can exit before the winner has created the schema or bound its table: poll
  // `status --json` until it shows the table (or the deadline passes), then check as before.
  std::string error;
  json status;
  const auto status_deadline = std::chrono::steady_clock::now() + seconds(60);
  do {
    status = w.replicator().StatusJson(&error);
    if (status.is_object() && status.contains("tables") && status["tables"].size() == 1u) break;
    std::this_thread::sleep_for(milliseconds(200));
  } while (winner.Running() && std::chrono::steady_clock::now() < status_deadline);
  ASSERT_TRUE(status.is_object()) << error << "\n" << winner.Stderr();
  EXPECT_EQ(status["tables"].size(), 1u) << status.dump();
  w.StopWorkload();
  EXPECT_EQ(w.WaitEqual(seconds(120)), "") << winner.Stderr();
  ExitInfo e = Terminate(winner);
  EXPECT_TRUE(e.exited(0)) << e.ToString() << "\n" << winner.Stderr();
}

}  // namespace
}  // namespace tablestore::testing
