// The reliability suite, heavy part (CTest label "heavy"; `./scripts/test --heavy`): the
// long crash test (>= 30 SIGKILLs) and a long fault run with several kill points.

#include <gtest/gtest.h>

#include "tests/reliability/reliability_scenarios.h"

namespace tablestore::testing {
namespace {

// Proves: 36 SIGKILLs at seeded moments over a long full load and stream with a live
// workload; after each one rows == rows_at(checkpoints); at the end mirror == source.
TEST(Replicator, CrashRecoveryLong) {
  CrashRecoveryParams p;
  p.kills = 36;
  p.seed = 36;
  p.initial_rows = 100'000;
  p.rate_per_s = 1'000;
  p.page_max_records = 50;
  CrashRecoveryReport r;
  RunCrashRecovery(p, &r);
  RecordProperty("report", FormatReport(r));
  std::printf("crash recovery (long): %s\n", FormatReport(r).c_str());
}

// Proves: 15% of every fault kind with 6 kill points: each kill point consistent, and the
// run converges to mirror == source.
TEST(Replicator, FaultsLong) {
  FaultParams p;
  p.rate_each = 0.15;
  p.kill_points = 6;
  p.seed = 15;
  p.initial_rows = 40'000;
  p.rate_per_s = 500;
  FaultReport r;
  RunFaults(p, &r);
  RecordProperty("report", FormatReport(r));
  std::printf("faults (long): %s\n", FormatReport(r).c_str());
}

}  // namespace
}  // namespace tablestore::testing
