#pragma once

// The long-running reliability scenarios (issue 7), parameterised so that the default suite
// runs short versions and the heavy suite (CTest label "heavy") long ones.

#include <cstdint>
#include <string>

namespace tablestore::testing {

struct CrashRecoveryParams {
  int kills = 6;             // SIGKILLs, spread over the full load and the stream
  uint64_t seed = 1;         // kill moments and workload
  int initial_rows = 20'000;
  double rate_per_s = 300;   // live workload during the whole test
  int page_max_records = 20;  // small pages: many commits, a slower full load
};

struct CrashRecoveryReport {
  int kills = 0;
  int kills_in_full_load = 0;
  int kills_in_stream = 0;
  int invariant_checks = 0;
  int64_t final_rows = 0;
};

// Kills the replicator with SIGKILL at seeded random moments while the emulator's workload
// runs, restarting each time; after each kill checks rows == rows_at(checkpoints) on one
// consistent snapshot; finally stops the workload and requires mirror == source.
// Reports with gtest assertions.
void RunCrashRecovery(const CrashRecoveryParams& params, CrashRecoveryReport* report);

struct FaultParams {
  double rate_each = 0.10;  // every fault kind at this rate
  int kill_points = 1;      // SIGKILLs (with rows_at checks) while faults are injected
  uint64_t seed = 7;
  int initial_rows = 10'000;
  double rate_per_s = 200;
};

struct FaultReport {
  int64_t injected[6] = {0, 0, 0, 0, 0, 0};  // http_5xx, server_unavailable, reset, slow,
                                             // truncate, corrupt
  int kills = 0;
  int64_t final_rows = 0;
};

void RunFaults(const FaultParams& params, FaultReport* report);

std::string FormatReport(const CrashRecoveryReport& r);
std::string FormatReport(const FaultReport& r);

}  // namespace tablestore::testing
