#pragma once

// The local Tablestore Tunnel Service, in process (docs/emulator.md). Start() listens on
// options.listen_host:options.port (127.0.0.1 and a free port by default) and serves the
// signed protocol of docs/tunnel-protocol.md and the control API of contracts.md §3. The
// control operations are also plain C++ methods here. Thread-safe.
//
// Typical test use:
//   EmulatorOptions o;
//   o.keys = {{"AK", "SECRET"}};
//   auto emu = Emulator::Start(o).value();
//   emu->CreateTable({"orders", {{"id", base::ValueType::kString}}, 4});
//   TunnelClient client(emu->endpoint(), emu->instance(), "AK", "SECRET");

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tablestore/base/result.h"
#include "tablestore/base/row.h"
#include "tunnel/emulator/emulator_options.h"
#include "tunnel/protocol/tunnel.pb.h"

namespace tablestore::tunnel::emulator {

class Authenticator;
class ControlApi;
class EmulatorClock;
class FaultInjector;
class HttpServer;
class TunnelService;
class Workload;

class Emulator {
 public:
  // kInvalidArgument for bad options; kUnavailable if the address cannot be bound.
  // Ignores SIGPIPE process-wide (a peer closing a connection must not kill the process).
  static base::Result<std::unique_ptr<Emulator>> Start(EmulatorOptions options);
  ~Emulator();  // Stop()
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // "http://127.0.0.1:PORT" (a wildcard listen address is reported as 127.0.0.1).
  std::string endpoint() const;
  // "IP:PORT" as listened on.
  std::string listen_address() const;
  int port() const;
  const std::string& instance() const { return options_.instance; }
  const EmulatorOptions& options() const { return options_; }
  // Stops serving and the workload; idempotent.
  void Stop();

  // Control operations (contracts.md §3), same rules and errors as the HTTP API:
  // kInvalidArgument = bad_request, kNotFound = not_found,
  // kAlreadyExists / kFailedPrecondition / kAborted = conflict.
  base::Status CreateTable(const TableSpec& spec);
  std::vector<TableInfo> ListTables();
  // put / update / delete as kPutRow / kUpdateRow / kDeleteRow; cells may omit timestamps.
  base::Result<int> ApplyChanges(const std::string& table, std::vector<base::RowChange> changes);
  // Latest-version rows in primary-key order.
  base::Result<std::vector<base::Row>> Rows(const std::string& table);
  base::Result<std::vector<base::Row>> RowsAt(const std::string& tunnel_id,
                                              const std::string& table,
                                              const std::map<std::string, std::string>& checkpoints);
  base::Result<std::vector<int>> Split(const std::string& table, int partition);
  // Returns the new emulator time (ms since the epoch).
  int64_t AdvanceClock(std::chrono::milliseconds delta);
  int64_t NowMs();
  void SetCredentials(std::vector<AccessKey> keys);
  void SetDeniedKeys(std::vector<std::string> access_key_ids);
  // kInvalidArgument unless every rate is in [0, 1] and they sum to at most 1.
  base::Status SetFaults(const FaultSettings& faults);
  FaultCounts fault_counts();
  base::Status StartWorkload(const WorkloadSpec& spec);
  std::optional<WorkloadStatus> workload_status();
  void StopWorkload();
  base::Result<pb::DescribeTunnelResponse> DescribeTunnel(const std::string& tunnel_id);

  // The protocol handler itself, bypassing HTTP and authentication (benchmarks).
  TunnelService& service() { return *service_; }

 private:
  struct PassKey {
    explicit PassKey() = default;
  };

 public:
  Emulator(PassKey, EmulatorOptions options);  // use Start()

 private:

  EmulatorOptions options_;
  std::unique_ptr<EmulatorClock> clock_;
  std::unique_ptr<TunnelService> service_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<FaultInjector> faults_;
  std::unique_ptr<Workload> workload_;
  std::unique_ptr<ControlApi> control_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace tablestore::tunnel::emulator
