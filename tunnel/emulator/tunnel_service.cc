#include "tunnel/emulator/tunnel_service.h"

#include <chrono>
#include <cstdio>

namespace tablestore::tunnel::emulator {
namespace {

constexpr std::string_view kOperations[] = {
    "create",    "delete",         "list",          "describe",   "connect",
    "heartbeat", "shutdown",       "getcheckpoint", "checkpoint", "readrecords",
    "getrpo",    "getrpobyoffset", "schedule"};

template <class Req>
bool Parse(std::string_view body, Req* req) {
  return req->ParseFromArray(body.data(), static_cast<int>(body.size()));
}

ServiceReply Err(const ServiceError& e) {
  ServiceReply r;
  r.http_status = e.http_status;
  r.error_code = e.code;
  pb::Error pe;
  pe.set_code(e.code);
  pe.set_message(e.message);
  r.body = pe.SerializeAsString();
  return r;
}

ServiceReply Ok(const google::protobuf::MessageLite& m) {
  ServiceReply r;
  r.body = m.SerializeAsString();
  return r;
}

ServiceReply Empty() { return ServiceReply{}; }

ServiceReply Malformed(std::string_view op) {
  return Err(ParameterInvalid("malformed request body for /tunnel/" + std::string(op)));
}

ServiceReply NoTunnel(const std::string& id) {
  return Err(ParameterInvalid("tunnel '" + id + "' does not exist"));
}

}  // namespace

TunnelService::TunnelService(const EmulatorOptions& options, EmulatorClock* clock)
    : options_(options), clock_(clock) {
  base::MutexLock lock(&mu_);
  uint64_t seed =
      options.seed ? *options.seed : (options.fixed_clock_ms ? 0 : std::random_device{}());
  rng_.seed(seed);
}

bool TunnelService::IsOperation(std::string_view op) {
  for (std::string_view o : kOperations) {
    if (o == op) return true;
  }
  return false;
}

TunnelEnv TunnelService::Env() {
  TunnelEnv env;
  env.now_ms = clock_->NowMs();
  env.steady_now = std::chrono::steady_clock::now();
  env.retention_ms = options_.retention.count();
  env.page_max_records = options_.page_max_records;
  env.page_max_bytes = options_.page_max_bytes;
  env.rng = &rng_;
  return env;
}

Table* TunnelService::FindTable(const std::string& name) {
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : it->second.get();
}

EmulatedTunnel* TunnelService::FindTunnel(const std::string& id) {
  auto it = tunnels_.find(id);
  return it == tunnels_.end() ? nullptr : it->second.get();
}

EmulatedTunnel* TunnelService::FindTunnelByName(const std::string& table, const std::string& name) {
  for (auto& [id, t] : tunnels_) {
    if (t->table_name() == table && t->name() == name) return t.get();
  }
  return nullptr;
}

std::string TunnelService::NewTunnelId() {
  uint64_t a = rng_(), b = rng_();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));  // NOLINT
  return buf;
}

ServiceReply TunnelService::Handle(std::string_view op, std::string_view body,
                                   std::optional<uint64_t> corrupt) {
  base::MutexLock lock(&mu_);
  if (op == "create") return Create(body);
  if (op == "list") return List(body);
  if (op == "describe") return Describe(body);
  if (op == "delete") return Delete(body);
  if (op == "getrpo") return GetRpo(body, false);
  if (op == "getrpobyoffset") return GetRpo(body, true);
  if (IsOperation(op)) return TunnelOp(op, body, corrupt);
  return Err(ParameterInvalid("Unsupported operation: /tunnel/" + std::string(op)));
}

ServiceReply TunnelService::Create(std::string_view body) {
  pb::CreateTunnelRequest req;
  if (!Parse(body, &req)) return Malformed("create");
  const pb::Tunnel& spec = req.tunnel();
  Table* table = FindTable(spec.table_name());
  if (table == nullptr) {
    return Err(ParameterInvalid("table '" + spec.table_name() + "' does not exist"));
  }
  if (spec.tunnel_name().empty()) return Err(ParameterInvalid("tunnel_name is empty"));
  if (FindTunnelByName(spec.table_name(), spec.tunnel_name()) != nullptr) {
    return Err(ServiceError{
        409, std::string(errors::kTunnelExist),
        "tunnel '" + spec.tunnel_name() + "' already exists on table '" + spec.table_name() + "'"});
  }
  TunnelEnv env = Env();
  std::unique_ptr<EmulatedTunnel> tunnel;
  if (auto e = EmulatedTunnel::Create(spec, NewTunnelId(), *table, env, &tunnel)) return Err(*e);
  pb::CreateTunnelResponse resp;
  resp.set_tunnel_id(tunnel->id());
  tunnels_[tunnel->id()] = std::move(tunnel);
  return Ok(resp);
}

ServiceReply TunnelService::List(std::string_view body) {
  pb::ListTunnelRequest req;
  if (!Parse(body, &req)) return Malformed("list");
  TunnelEnv env = Env();
  pb::ListTunnelResponse resp;
  for (auto& [id, t] : tunnels_) {
    if (!req.table_name().empty() && t->table_name() != req.table_name()) continue;
    t->Refresh(env);
    t->FillInfo(options_.instance, resp.add_tunnels());
  }
  return Ok(resp);
}

MaybeError TunnelService::FindRequestedTunnel(const std::string& table, const std::string& name,
                                              const std::string& id, EmulatedTunnel** out) {
  EmulatedTunnel* t = !id.empty() ? FindTunnel(id) : FindTunnelByName(table, name);
  if (t == nullptr || t->table_name() != table || (!name.empty() && t->name() != name)) {
    return ParameterInvalid("tunnel '" + name + "' of table '" + table + "' does not exist");
  }
  *out = t;
  return std::nullopt;
}

ServiceReply TunnelService::Describe(std::string_view body) {
  pb::DescribeTunnelRequest req;
  if (!Parse(body, &req)) return Malformed("describe");
  EmulatedTunnel* t = nullptr;
  if (auto e = FindRequestedTunnel(req.table_name(), req.tunnel_name(), req.tunnel_id(), &t)) {
    return Err(*e);
  }
  t->Refresh(Env());
  pb::DescribeTunnelResponse resp;
  t->Describe(FindTable(t->table_name()), options_.instance, &resp);
  return Ok(resp);
}

ServiceReply TunnelService::Delete(std::string_view body) {
  pb::DeleteTunnelRequest req;
  if (!Parse(body, &req)) return Malformed("delete");
  EmulatedTunnel* t = nullptr;
  if (auto e = FindRequestedTunnel(req.table_name(), req.tunnel_name(), req.tunnel_id(), &t)) {
    return Err(*e);
  }
  tunnels_.erase(t->id());
  return Empty();
}

ServiceReply TunnelService::GetRpo(std::string_view body, bool by_offset) {
  pb::GetRpoRequest req;
  if (!Parse(body, &req)) return Malformed(by_offset ? "getrpobyoffset" : "getrpo");
  EmulatedTunnel* t = FindTunnel(req.tunnel_id());
  if (t == nullptr) return NoTunnel(req.tunnel_id());
  t->Refresh(Env());
  pb::GetRpoResponse resp;
  std::string rpo, tunnel_rpo;
  t->Rpo(FindTable(t->table_name()), &rpo, &tunnel_rpo);
  resp.set_rpo_infos(rpo);
  resp.set_tunnel_rpo_infos(tunnel_rpo);
  if (by_offset) resp.set_tunnel_id(t->id());
  return Ok(resp);
}

std::optional<ServiceReply> TunnelService::Prepare(const std::string& id, bool expiry_fatal,
                                                   const TunnelEnv& env, EmulatedTunnel** t,
                                                   Table** table) {
  *t = FindTunnel(id);
  if (*t == nullptr) return NoTunnel(id);
  *table = FindTable((*t)->table_name());
  if (*table == nullptr) return NoTunnel(id);
  (*t)->Refresh(env);
  if (expiry_fatal && (*t)->expired()) {
    return Err(TunnelExpired("tunnel " + id +
                             " expired: its base data did not finish within the stream "
                             "retention"));
  }
  return std::nullopt;
}

ServiceReply TunnelService::TunnelOp(std::string_view op, std::string_view body,
                                     std::optional<uint64_t> corrupt) {
  TunnelEnv env = Env();
  auto prepare = [&](const std::string& id, bool expiry_fatal, EmulatedTunnel** t, Table** table)
                     REQUIRES(mu_) { return Prepare(id, expiry_fatal, env, t, table); };
  EmulatedTunnel* t = nullptr;
  Table* table = nullptr;
  if (op == "connect") {
    pb::ConnectRequest req;
    if (!Parse(body, &req)) return Malformed(op);
    if (auto r = prepare(req.tunnel_id(), true, &t, &table)) return *r;
    pb::ConnectResponse resp;
    if (auto e = t->Connect(req, *table, env, &resp)) return Err(*e);
    return Ok(resp);
  }
  if (op == "heartbeat") {
    pb::HeartbeatRequest req;
    if (!Parse(body, &req)) return Malformed(op);
    if (auto r = prepare(req.tunnel_id(), true, &t, &table)) return *r;
    pb::HeartbeatResponse resp;
    if (auto e = t->Heartbeat(req, env, &resp)) return Err(*e);
    return Ok(resp);
  }
  if (op == "shutdown") {
    pb::ShutdownRequest req;
    if (!Parse(body, &req)) return Malformed(op);
    if (auto r = prepare(req.tunnel_id(), false, &t, &table)) return *r;
    if (auto e = t->Shutdown(req, env)) return Err(*e);
    return Empty();
  }
  if (op == "getcheckpoint") {
    pb::GetCheckpointRequest req;
    if (!Parse(body, &req)) return Malformed(op);
    if (auto r = prepare(req.tunnel_id(), false, &t, &table)) return *r;
    pb::GetCheckpointResponse resp;
    if (auto e = t->GetCheckpoint(req, env, &resp)) return Err(*e);
    return Ok(resp);
  }
  if (op == "checkpoint") {
    pb::CheckpointRequest req;
    if (!Parse(body, &req)) return Malformed(op);
    if (auto r = prepare(req.tunnel_id(), false, &t, &table)) return *r;
    if (auto e = t->Checkpoint(req, *table, env)) return Err(*e);
    return Empty();
  }
  if (op == "readrecords") {
    pb::ReadRecordsRequest req;
    if (!Parse(body, &req)) return Malformed(op);
    if (auto r = prepare(req.tunnel_id(), true, &t, &table)) return *r;
    ServiceReply reply;
    if (auto e = t->ReadRecords(req, *table, env, corrupt, &reply.body, &reply.corrupted)) {
      return Err(*e);
    }
    return reply;
  }
  if (op == "schedule") {
    pb::ScheduleRequest req;
    if (!Parse(body, &req)) return Malformed(op);
    if (auto r = prepare(req.tunnel_id(), false, &t, &table)) return *r;
    if (auto e = t->Schedule(req, env)) return Err(*e);
    return Empty();
  }
  return Err(ParameterInvalid("Unsupported operation: /tunnel/" + std::string(op)));
}

base::Status TunnelService::CreateTable(const TableSpec& spec) {
  base::MutexLock lock(&mu_);
  if (tables_.count(spec.name)) {
    return base::AlreadyExistsError("table '" + spec.name + "' already exists");
  }
  TS_ASSIGN_OR_RETURN(std::unique_ptr<Table> table, Table::Create(spec, clock_->NowMs()));
  tables_[spec.name] = std::move(table);
  return base::Status::Ok();
}

std::optional<TableInfo> TunnelService::GetTable(const std::string& name) {
  base::MutexLock lock(&mu_);
  Table* t = FindTable(name);
  if (t == nullptr) return std::nullopt;
  return TableInfo{t->name(), t->primary_key(), t->LivePartitions(), t->rows().size()};
}

std::vector<TableInfo> TunnelService::ListTables() {
  base::MutexLock lock(&mu_);
  std::vector<TableInfo> out;
  for (const auto& [name, t] : tables_) {
    out.push_back(TableInfo{t->name(), t->primary_key(), t->LivePartitions(), t->rows().size()});
  }
  return out;
}

base::Result<int> TunnelService::ApplyChanges(const std::string& name,
                                              std::vector<base::RowChange> changes) {
  base::MutexLock lock(&mu_);
  Table* t = FindTable(name);
  if (t == nullptr) return base::NotFoundError("table '" + name + "' does not exist");
  int64_t now_us = clock_->NowMicros();
  TS_RETURN_IF_ERROR(t->Validate(changes, now_us / 1000, options_.max_timestamp_deviation.count()));
  int n = static_cast<int>(changes.size());
  t->Apply(std::move(changes), now_us);
  return n;
}

base::Result<std::vector<base::Row>> TunnelService::DumpRows(const std::string& name) {
  base::MutexLock lock(&mu_);
  Table* t = FindTable(name);
  if (t == nullptr) return base::NotFoundError("table '" + name + "' does not exist");
  std::vector<base::Row> out;
  out.reserve(t->rows().size());
  for (const auto& [key, row] : t->rows().rows()) out.push_back(t->rows().ToRow(key, *row));
  return out;
}

base::Result<std::string> TunnelService::DumpRowsJsonLines(const std::string& name) {
  base::MutexLock lock(&mu_);
  Table* t = FindTable(name);
  if (t == nullptr) return base::NotFoundError("table '" + name + "' does not exist");
  return t->rows().ToJsonLines();
}

base::Result<RowStore> TunnelService::RowsAtLocked(
    const std::string& tunnel_id, const std::string& table,
    const std::map<std::string, std::string>& checkpoints) {
  EmulatedTunnel* t = FindTunnel(tunnel_id);
  if (t == nullptr) return base::NotFoundError("tunnel '" + tunnel_id + "' does not exist");
  if (t->table_name() != table) {
    return base::InvalidArgumentError("tunnel '" + tunnel_id + "' is on table '" + t->table_name() +
                                      "', not '" + table + "'");
  }
  Table* tab = FindTable(table);
  if (tab == nullptr) return base::NotFoundError("table '" + table + "' does not exist");
  TunnelEnv env = Env();
  t->Refresh(env);
  return t->RowsAt(*tab, checkpoints, env);
}

base::Result<std::vector<base::Row>> TunnelService::RowsAt(
    const std::string& tunnel_id, const std::string& table,
    const std::map<std::string, std::string>& checkpoints) {
  base::MutexLock lock(&mu_);
  TS_ASSIGN_OR_RETURN(RowStore store, RowsAtLocked(tunnel_id, table, checkpoints));
  std::vector<base::Row> out;
  for (const auto& [key, row] : store.rows()) out.push_back(store.ToRow(key, *row));
  return out;
}

base::Result<std::string> TunnelService::RowsAtJsonLines(
    const std::string& tunnel_id, const std::string& table,
    const std::map<std::string, std::string>& checkpoints) {
  base::MutexLock lock(&mu_);
  TS_ASSIGN_OR_RETURN(RowStore store, RowsAtLocked(tunnel_id, table, checkpoints));
  return store.ToJsonLines();
}

base::Result<std::vector<int>> TunnelService::Split(const std::string& name, int partition) {
  base::MutexLock lock(&mu_);
  Table* t = FindTable(name);
  if (t == nullptr) return base::NotFoundError("table '" + name + "' does not exist");
  TunnelEnv env = Env();
  TS_ASSIGN_OR_RETURN(std::vector<int> children, t->Split(partition, env.now_ms));
  for (auto& [id, tunnel] : tunnels_) {
    if (tunnel->table_name() == name) tunnel->OnSplit(partition, children, env);
  }
  return children;
}

int64_t TunnelService::AdvanceClock(int64_t delta_ms) {
  base::MutexLock lock(&mu_);
  int64_t now = clock_->Advance(delta_ms);
  int64_t cutoff = now - options_.retention.count();
  for (auto& [name, t] : tables_) t->Trim(cutoff);
  TunnelEnv env = Env();
  for (auto& [id, tunnel] : tunnels_) tunnel->Refresh(env);
  return now;
}

base::Result<pb::DescribeTunnelResponse> TunnelService::DescribeTunnel(
    const std::string& tunnel_id) {
  base::MutexLock lock(&mu_);
  EmulatedTunnel* t = FindTunnel(tunnel_id);
  if (t == nullptr) return base::NotFoundError("tunnel '" + tunnel_id + "' does not exist");
  t->Refresh(Env());
  pb::DescribeTunnelResponse resp;
  t->Describe(FindTable(t->table_name()), options_.instance, &resp);
  return resp;
}

}  // namespace tablestore::tunnel::emulator
