#include "tunnel/emulator/emulator.h"

#include <csignal>

#include "tunnel/emulator/authenticator.h"
#include "tunnel/emulator/control_api.h"
#include "tunnel/emulator/emulator_clock.h"
#include "tunnel/emulator/fault_injector.h"
#include "tunnel/emulator/http_server.h"
#include "tunnel/emulator/tunnel_service.h"
#include "tunnel/emulator/workload.h"

namespace tablestore::tunnel::emulator {
namespace {

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

}  // namespace

Emulator::Emulator(PassKey, EmulatorOptions options) : options_(std::move(options)) {}

base::Result<std::unique_ptr<Emulator>> Emulator::Start(EmulatorOptions options) {
  if (options.instance.empty()) return base::InvalidArgumentError("instance name is empty");
  if (options.page_max_records == 0 || options.page_max_bytes == 0) {
    return base::InvalidArgumentError("page limits must be positive");
  }
  if (options.retention.count() <= 0) {
    return base::InvalidArgumentError("retention must be positive");
  }
  if (options.port < 0 || options.port > 65535) {
    return base::InvalidArgumentError("port must be within [0, 65535]");
  }
  std::signal(SIGPIPE, SIG_IGN);
  auto e = std::make_unique<Emulator>(PassKey{}, std::move(options));
  const EmulatorOptions& o = e->options_;
  e->clock_ = std::make_unique<EmulatorClock>(o.fixed_clock_ms);
  e->service_ = std::make_unique<TunnelService>(o, e->clock_.get());
  e->auth_ = std::make_unique<Authenticator>(o.instance, o.keys, o.max_date_skew, e->clock_.get());
  e->faults_ = std::make_unique<FaultInjector>();
  e->workload_ = std::make_unique<Workload>(e->service_.get());
  bool served = IsLoopback(o.listen_host) || !o.admin_token.empty();
  e->control_ = std::make_unique<ControlApi>(e->service_.get(), e->auth_.get(), e->faults_.get(),
                                             e->workload_.get(), served, o.admin_token);
  e->http_ = std::make_unique<HttpServer>(o, e->service_.get(), e->auth_.get(), e->faults_.get(),
                                          e->control_.get());
  TS_RETURN_IF_ERROR(e->http_->Start());
  return e;
}

Emulator::~Emulator() { Stop(); }

void Emulator::Stop() {
  if (workload_) workload_->Stop();
  if (http_) http_->Stop();
}

int Emulator::port() const { return http_->port(); }

std::string Emulator::listen_address() const {
  const std::string& h = options_.listen_host;
  std::string host = h.find(':') != std::string::npos ? "[" + h + "]" : h;
  return host + ":" + std::to_string(port());
}

std::string Emulator::endpoint() const {
  std::string h = options_.listen_host;
  if (h == "0.0.0.0" || h.empty()) h = "127.0.0.1";
  if (h == "::") h = "::1";
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  return "http://" + h + ":" + std::to_string(port());
}

base::Status Emulator::CreateTable(const TableSpec& spec) { return service_->CreateTable(spec); }
std::vector<TableInfo> Emulator::ListTables() { return service_->ListTables(); }
base::Result<int> Emulator::ApplyChanges(const std::string& table,
                                         std::vector<base::RowChange> changes) {
  return service_->ApplyChanges(table, std::move(changes));
}
base::Result<std::vector<base::Row>> Emulator::Rows(const std::string& table) {
  return service_->DumpRows(table);
}
base::Result<std::vector<base::Row>> Emulator::RowsAt(
    const std::string& tunnel_id, const std::string& table,
    const std::map<std::string, std::string>& checkpoints) {
  return service_->RowsAt(tunnel_id, table, checkpoints);
}
base::Result<std::vector<int>> Emulator::Split(const std::string& table, int partition) {
  return service_->Split(table, partition);
}
int64_t Emulator::AdvanceClock(std::chrono::milliseconds delta) {
  return service_->AdvanceClock(delta.count() > 0 ? delta.count() : 0);
}
int64_t Emulator::NowMs() { return service_->NowMs(); }
void Emulator::SetCredentials(std::vector<AccessKey> keys) { auth_->SetKeys(std::move(keys)); }
void Emulator::SetDeniedKeys(std::vector<std::string> ids) { auth_->SetDenied(std::move(ids)); }
base::Status Emulator::SetFaults(const FaultSettings& f) {
  double rates[] = {f.http_5xx, f.server_unavailable, f.reset, f.slow, f.truncate, f.corrupt};
  double sum = 0;
  for (double r : rates) {
    if (!(r >= 0 && r <= 1)) return base::InvalidArgumentError("fault rates must be in [0, 1]");
    sum += r;
  }
  if (sum > 1 + 1e-9) return base::InvalidArgumentError("fault rates must sum to at most 1");
  if (f.slow_delay.count() < 0) return base::InvalidArgumentError("slow_ms must be >= 0");
  faults_->Set(f);
  return base::Status::Ok();
}
FaultCounts Emulator::fault_counts() { return faults_->counts(); }
base::Status Emulator::StartWorkload(const WorkloadSpec& spec) { return workload_->Start(spec); }
std::optional<WorkloadStatus> Emulator::workload_status() { return workload_->status(); }
void Emulator::StopWorkload() { workload_->Stop(); }
base::Result<pb::DescribeTunnelResponse> Emulator::DescribeTunnel(const std::string& id) {
  return service_->DescribeTunnel(id);
}

}  // namespace tablestore::tunnel::emulator
