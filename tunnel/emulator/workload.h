#pragma once

// Seeded workload generator (contracts.md §3 /admin/workload): initial rows of the
// typical row shape, then a steady rate of mixed put/update/delete (real time), applied
// through TunnelService like any other change. Thread-safe.

#include <memory>
#include <optional>
#include <thread>

#include "base/clock.h"
#include "base/mutex.h"
#include "tunnel/emulator/emulator_options.h"
#include "tunnel/emulator/tunnel_service.h"

namespace tablestore::tunnel::emulator {

class Workload {
 public:
  // `service` must outlive this object.
  explicit Workload(TunnelService* service);
  ~Workload();
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;

  // Creates the table (pk id:string, seq:integer) if absent and starts the generator.
  // kInvalidArgument for a bad spec; kFailedPrecondition if one is running or the table's
  // key is not the typical one.
  base::Status Start(const WorkloadSpec& spec);
  // nullopt if no workload was ever started.
  std::optional<WorkloadStatus> status();
  void Stop();

  // The typical row (docs/emulator.md): pk id (16-char string), seq (integer); attributes
  // qty, amount (integers), score (double), active (boolean), note (40-byte string),
  // payload (32-byte binary). Deterministic in `seed` and `n`.
  static base::RowChange TypicalPut(uint64_t seed, int64_t n);

 private:
  void Run(WorkloadSpec spec);

  TunnelService* const service_;
  base::Mutex mu_;
  std::unique_ptr<base::CancelToken> cancel_ GUARDED_BY(mu_);
  std::thread thread_ GUARDED_BY(mu_);
  std::optional<WorkloadStatus> status_ GUARDED_BY(mu_);
};

}  // namespace tablestore::tunnel::emulator
