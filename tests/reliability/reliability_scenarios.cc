#include "tests/reliability/reliability_scenarios.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <algorithm>
#include <random>
#include <thread>

#include "tests/support/e2e/replicator_harness.h"

namespace tablestore::testing {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Waits until `pred` holds, the process ends or the deadline passes.
template <typename Pred>
bool PollUntil(Subprocess& run, milliseconds timeout, Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!run.Running()) return false;
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return false;
}

}  // namespace

void RunCrashRecovery(const CrashRecoveryParams& p, CrashRecoveryReport* report) {
  E2EWorld w;
  ASSERT_TRUE(w.Start(EmulatorWithArgs({"--page-max-records", std::to_string(p.page_max_records)})));
  ASSERT_TRUE(w.StartWorkload("orders", p.initial_rows, p.rate_per_s, p.seed));
  std::mt19937_64 rng(p.seed);
  // Half the kills aim at the full load: at seeded fractions of the initial rows (plus a
  // seeded jitter); the others at seeded moments of the stream.
  const int full_load_kills = p.kills / 2;
  std::vector<int64_t> targets;
  for (int i = 0; i < full_load_kills; ++i) {
    targets.push_back(static_cast<int64_t>(rng() % static_cast<uint64_t>(p.initial_rows)));
  }
  std::sort(targets.begin(), targets.end());

  for (int i = 0; i < p.kills; ++i) {
    auto run = w.replicator().StartRun("run-" + std::to_string(i));
    ASSERT_NE(run, nullptr);
    // Seeded jitter: short in the full load (it is quick), longer in the stream.
    const milliseconds jitter(static_cast<int64_t>(rng() % (i < full_load_kills ? 30 : 800)));
    if (i < full_load_kills) {
      const int64_t target = targets[static_cast<size_t>(i)];
      PollUntil(*run, seconds(120), [&] {
        return RowsAppliedInFile(w.db()) >= target || StreamStarted(w.db());
      });
    } else {
      PollUntil(*run, seconds(120), [&] { return StreamStarted(w.db()); });
    }
    std::this_thread::sleep_for(jitter);  // the kill moment itself, not synchronisation
    ASSERT_TRUE(run->Running()) << "run " << i << " ended by itself: "
                                << (run->exit_info() ? run->exit_info()->ToString() : "") << "\n"
                                << run->Stderr();
    run->Kill();
    ++report->kills;
    MirrorSnapshot snap;
    const std::string broken = w.CheckInvariant(0, &snap);
    ++report->invariant_checks;
    ASSERT_EQ(broken, "") << "after kill " << i << " (SIGKILL)";
    if (snap.in_stream()) {
      ++report->kills_in_stream;
    } else {
      ++report->kills_in_full_load;
    }
  }
  EXPECT_GE(report->kills_in_full_load, 1) << "no kill landed in the full load";
  EXPECT_GE(report->kills_in_stream, 1) << "no kill landed in the stream";

  auto run = w.replicator().StartRun("run-final");
  ASSERT_NE(run, nullptr);
  ASSERT_TRUE(w.replicator().WaitForStage("orders", "stream", run.get(), seconds(300)))
      << run->Stderr();
  w.StopWorkload();
  EXPECT_EQ(w.WaitEqual(seconds(180)), "") << run->Stderr();
  ExitInfo e = Terminate(*run);
  EXPECT_TRUE(e.exited(0)) << e.ToString() << "\n" << run->Stderr();
  MirrorSnapshot snap;
  EXPECT_EQ(w.CheckInvariant(0, &snap), "");
  report->final_rows = static_cast<int64_t>(snap.rows.size());
}

void RunFaults(const FaultParams& p, FaultReport* report) {
  E2EWorld w;
  ASSERT_TRUE(w.Start(EmulatorWithArgs({"--page-max-records", "200"})));
  ASSERT_TRUE(w.StartWorkload("orders", p.initial_rows, p.rate_per_s, p.seed));
  const double r = p.rate_each;
  w.admin().Must("PUT", "faults",
                 {{"seed", p.seed},
                  {"rates",
                   {{"http_5xx", r},
                    {"server_unavailable", r},
                    {"reset", r},
                    {"slow", r},
                    {"truncate", r},
                    {"corrupt", r}}},
                  {"slow_ms", 100}});
  std::mt19937_64 rng(p.seed);
  for (int i = 0; i < p.kill_points; ++i) {
    auto run = w.replicator().StartRun("run-" + std::to_string(i));
    ASSERT_NE(run, nullptr);
    // Let it make progress under faults, then kill it at a seeded moment.
    // ... and until a corrupted page has been served since the start of this run, so the
    // check below covers one.
    const int64_t before = std::max<int64_t>(0, RowsAppliedInFile(w.db()));
    auto corrupt_count = [&] {
      json f = w.admin().Must("GET", "faults");
      return f.contains("injected") ? f["injected"].value("corrupt", int64_t{0}) : int64_t{0};
    };
    const int64_t corrupt_before = corrupt_count();
    PollUntil(*run, seconds(120), [&] {
      return RowsAppliedInFile(w.db()) > before && corrupt_count() > corrupt_before;
    });
    std::this_thread::sleep_for(milliseconds(static_cast<int64_t>(rng() % 1500)));
    ASSERT_TRUE(run->Running()) << "run ended by itself under faults: "
                                << (run->exit_info() ? run->exit_info()->ToString() : "") << "\n"
                                << run->Stderr();
    run->Kill();
    ++report->kills;
    // A corrupted or truncated page is never applied: rows == rows_at(checkpoints).
    ASSERT_EQ(w.CheckInvariant(), "") << "after kill " << i << " under faults";
  }
  auto run = w.replicator().StartRun("run-final");
  ASSERT_NE(run, nullptr);
  ASSERT_TRUE(w.replicator().WaitForStage("orders", "stream", run.get(), seconds(300)))
      << run->Stderr();
  w.StopWorkload();
  EXPECT_EQ(w.WaitEqual(seconds(240)), "") << run->Stderr();
  json faults = w.admin().Must("GET", "faults");
  const char* kinds[] = {"http_5xx", "server_unavailable", "reset", "slow", "truncate", "corrupt"};
  for (int k = 0; k < 6; ++k) {
    report->injected[k] = faults["injected"].value(kinds[k], int64_t{0});
    EXPECT_GT(report->injected[k], 0) << kinds[k] << " never injected";
  }
  w.admin().Must("PUT", "faults", {{"seed", 1}, {"rates", json::object()}});
  ExitInfo e = Terminate(*run);
  EXPECT_TRUE(e.exited(0)) << e.ToString() << "\n" << run->Stderr();
  MirrorSnapshot snap;
  EXPECT_EQ(w.CheckInvariant(0, &snap), "");
  report->final_rows = static_cast<int64_t>(snap.rows.size());
}

std::string FormatReport(const CrashRecoveryReport& r) {
  return "kills " + std::to_string(r.kills) + " (full load " +
         std::to_string(r.kills_in_full_load) + ", stream " + std::to_string(r.kills_in_stream) +
         "), invariant checks passed " + std::to_string(r.invariant_checks) + ", final rows " +
         std::to_string(r.final_rows);
}

std::string FormatReport(const FaultReport& r) {
  return "injected http_5xx " + std::to_string(r.injected[0]) + ", server_unavailable " +
         std::to_string(r.injected[1]) + ", reset " + std::to_string(r.injected[2]) +
         ", slow " + std::to_string(r.injected[3]) + ", truncate " +
         std::to_string(r.injected[4]) + ", corrupt " + std::to_string(r.injected[5]) +
         "; kills " + std::to_string(r.kills) + "; final rows " + std::to_string(r.final_rows);
}

}  // namespace tablestore::testing
