#pragma once

// The emulated Tunnel Service: source tables and tunnels, every /tunnel/* operation of
// docs/tunnel-protocol.md §1.1 on (already authenticated) protobuf bodies, and the control
// operations of contracts.md §3 as C++ methods. Thread-safe: one mutex serializes all
// state; ReadRecords pages are slices of pre-encoded records, so holding it is short.

#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/mutex.h"
#include "tablestore/base/result.h"
#include "tablestore/base/row.h"
#include "tunnel/emulator/emulator_clock.h"
#include "tunnel/emulator/emulator_options.h"
#include "tunnel/emulator/emulator_tunnel.h"
#include "tunnel/emulator/table.h"
#include "tunnel/protocol/tunnel.pb.h"

namespace tablestore::tunnel::emulator {

// The answer to one /tunnel/* request: a serialized response (possibly empty) or a
// serialized `Error` (never with tunnel_id) and its HTTP status.
struct ServiceReply {
  int http_status = 200;
  std::string body;
  std::string error_code;  // empty on success
  bool corrupted = false;  // a corrupt fault was applied to the page
};

class TunnelService {
 public:
  // `clock` must outlive this object.
  TunnelService(const EmulatorOptions& options, EmulatorClock* clock);

  // True for "create", "list", ..., "schedule" (the part after "/tunnel/").
  static bool IsOperation(std::string_view op);

  // Runs one operation. `corrupt`: flip one byte of one record of a ReadRecords page.
  ServiceReply Handle(std::string_view op, std::string_view body,
                      std::optional<uint64_t> corrupt = std::nullopt);

  // Control operations. Errors: kInvalidArgument (bad_request), kNotFound (not_found),
  // kAlreadyExists / kFailedPrecondition / kAborted (conflict). A failed call changes
  // nothing.
  base::Status CreateTable(const TableSpec& spec);
  std::vector<TableInfo> ListTables();
  std::optional<TableInfo> GetTable(const std::string& name);
  // Applies changes in order (put / update / delete as base::RowChange with
  // kPutRow / kUpdateRow / kDeleteRow; cells may omit timestamps). Returns the count.
  base::Result<int> ApplyChanges(const std::string& table, std::vector<base::RowChange> changes);
  base::Result<std::vector<base::Row>> DumpRows(const std::string& table);
  base::Result<std::string> DumpRowsJsonLines(const std::string& table);
  base::Result<std::vector<base::Row>> RowsAt(
      const std::string& tunnel_id, const std::string& table,
      const std::map<std::string, std::string>& checkpoints);
  base::Result<std::string> RowsAtJsonLines(const std::string& tunnel_id, const std::string& table,
                                            const std::map<std::string, std::string>& checkpoints);
  base::Result<std::vector<int>> Split(const std::string& table, int partition);
  // REQUIRES: delta_ms >= 0. Returns the new emulator time (ms); trims the streams.
  int64_t AdvanceClock(int64_t delta_ms);
  int64_t NowMs() { return clock_->NowMs(); }
  // DescribeTunnel by id (for tests and tools).
  base::Result<pb::DescribeTunnelResponse> DescribeTunnel(const std::string& tunnel_id);

  const std::string& instance() const { return options_.instance; }

 private:
  TunnelEnv Env() REQUIRES(mu_);
  Table* FindTable(const std::string& name) REQUIRES(mu_);
  EmulatedTunnel* FindTunnel(const std::string& id) REQUIRES(mu_);
  // The tunnel a Describe/Delete request names: by id when given, else by table and name;
  // either way it must belong to `table` (and carry `name` when given).
  MaybeError FindRequestedTunnel(const std::string& table, const std::string& name,
                                 const std::string& id, EmulatedTunnel** out) REQUIRES(mu_);
  EmulatedTunnel* FindTunnelByName(const std::string& table, const std::string& name) REQUIRES(mu_);
  std::string NewTunnelId() REQUIRES(mu_);
  base::Result<RowStore> RowsAtLocked(const std::string& tunnel_id, const std::string& table,
                                      const std::map<std::string, std::string>& checkpoints)
      REQUIRES(mu_);

  ServiceReply Create(std::string_view body) REQUIRES(mu_);
  ServiceReply List(std::string_view body) REQUIRES(mu_);
  ServiceReply Describe(std::string_view body) REQUIRES(mu_);
  ServiceReply Delete(std::string_view body) REQUIRES(mu_);
  ServiceReply TunnelOp(std::string_view op, std::string_view body, std::optional<uint64_t> corrupt)
      REQUIRES(mu_);
  ServiceReply GetRpo(std::string_view body, bool by_offset) REQUIRES(mu_);
  // Looks a tunnel up, refreshes it, and refuses an expired one if `expiry_fatal` (§4.1).
  std::optional<ServiceReply> Prepare(const std::string& id, bool expiry_fatal,
                                      const TunnelEnv& env, EmulatedTunnel** t, Table** table)
      REQUIRES(mu_);

  const EmulatorOptions options_;
  EmulatorClock* const clock_;
  base::Mutex mu_;
  std::mt19937_64 rng_ GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<Table>> tables_ GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<EmulatedTunnel>> tunnels_ GUARDED_BY(mu_);
};

}  // namespace tablestore::tunnel::emulator
