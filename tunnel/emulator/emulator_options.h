#pragma once

// Options of the tunnel emulator and the plain data types of its control operations
// (docs/emulator.md, contracts.md §3). Plain data; thread-compatible.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tablestore/base/row.h"

namespace tablestore::tunnel::emulator {

// One accepted key. A key with a non-empty `sts_token` is an STS key: requests must carry
// x-ots-ststoken equal to it, and it is refused once the emulator clock reaches
// `expires_at_ms`.
struct AccessKey {
  std::string access_key_id;
  std::string access_key_secret;
  std::string sts_token;
  std::optional<int64_t> expires_at_ms;  // emulator clock, ms since the epoch
};

struct EmulatorOptions {
  std::string listen_host = "127.0.0.1";
  int port = 0;  // 0: a free port
  std::string instance = "emulator";
  std::vector<AccessKey> keys;
  // Non-empty: the control API requires `Authorization: Bearer TOKEN` and is served on any
  // listen address; empty: served only on a loopback listen address.
  std::string admin_token;
  // Freezes the emulator clock at this time (only the control API moves it).
  std::optional<int64_t> fixed_clock_ms;
  // ReadRecords page limits (a page holds at least one record).
  size_t page_max_records = 1000;
  size_t page_max_bytes = 1 << 20;
  // Stream retention: drives tunnel expiry and trimmed stream positions.
  std::chrono::milliseconds retention = std::chrono::hours(24 * 7);
  // Cell timestamps further than this from the emulator clock are refused.
  std::chrono::milliseconds max_timestamp_deviation = std::chrono::hours(24);
  // Allowed distance between x-ots-date and the real wall clock.
  std::chrono::milliseconds max_date_skew = std::chrono::minutes(15);
  // Seed of tunnel, client and request ids. Unset: random, unless the clock is fixed
  // (then 0, so that runs are reproducible).
  std::optional<uint64_t> seed;
  int http_threads = 64;
  size_t max_body_bytes = 16 << 20;
  bool log_requests = false;  // one line per request on stderr
  // Send x-ots-contentmd5 on every answer, as the service does. Optional for clients
  // (tunnel-protocol.md §1.2: no SDK checks it by default); benchmarks turn it off because
  // it is half of the emulator's CPU per served base record (docs/performance.md).
  bool response_md5 = true;
};

// A source table definition (POST /admin/tables).
struct PrimaryKeyColumn {
  std::string name;
  base::ValueType type = base::ValueType::kString;  // kInteger, kString or kBinary
};

struct TableSpec {
  std::string name;
  std::vector<PrimaryKeyColumn> primary_key;  // 1 to 4 columns
  int partitions = 1;
  // Optional range boundaries on the first primary-key column (partitions - 1 values,
  // strictly increasing, of that column's type). Default: see docs/emulator.md.
  std::vector<base::Value> split_points;
};

struct TableInfo {
  std::string name;
  std::vector<PrimaryKeyColumn> primary_key;
  std::vector<int> live_partitions;
  size_t rows = 0;
};

// PUT /admin/faults. Rates are probabilities per /tunnel/* request (sum at most 1).
struct FaultSettings {
  uint64_t seed = 0;
  double http_5xx = 0;
  double server_unavailable = 0;
  double reset = 0;
  double slow = 0;
  double truncate = 0;
  double corrupt = 0;
  std::chrono::milliseconds slow_delay{200};
};

// Counts of injected faults, by kind.
struct FaultCounts {
  int64_t http_5xx = 0;
  int64_t server_unavailable = 0;
  int64_t reset = 0;
  int64_t slow = 0;
  int64_t truncate = 0;
  int64_t corrupt = 0;
};

// POST /admin/workload.
struct WorkloadSpec {
  std::string table;
  int64_t initial_rows = 0;
  double rate_per_s = 0;
  double mix_put = 0.3;
  double mix_update = 0.6;
  double mix_delete = 0.1;
  uint64_t seed = 1;
  int partitions = 4;  // used when the workload creates the table
};

struct WorkloadStatus {
  bool running = false;
  bool initial_done = false;
  int64_t initial_rows_written = 0;
  int64_t changes = 0;  // changes applied after the initial rows
  std::string error;    // why the workload stopped early, if it did
};

}  // namespace tablestore::tunnel::emulator
