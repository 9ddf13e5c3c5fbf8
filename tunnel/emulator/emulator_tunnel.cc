#include "tunnel/emulator/emulator_tunnel.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "tunnel/protocol/plain_buffer.h"
#include "tunnel/protocol/token.h"

namespace tablestore::tunnel::emulator {
namespace {

constexpr char kStageInit[] = "InitBaseDataAndStreamShard";
constexpr char kStageBase[] = "ProcessBaseData";
constexpr char kStageStream[] = "ProcessStream";
constexpr int64_t kNsPerMs = 1'000'000;
constexpr int64_t kStartGraceMs = 5 * 60 * 1000;  // §3.3: [now - retention + 5 min, now]

std::string TunnelTypeName(pb::TunnelType t) {
  switch (t) {
    case pb::BaseData:
      return "BaseData";
    case pb::Stream:
      return "Stream";
    case pb::BaseAndStream:
      return "BaseAndStream";
  }
  return "BaseAndStream";
}

std::string BaseChannelId(int partition) { return "BaseData_" + std::to_string(partition); }
std::string StreamChannelId(int partition) { return "Stream_" + std::to_string(partition); }

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Stream iterators are "p<partition>.<index>".
bool ParseIterator(std::string_view it, int64_t* partition, int64_t* index) {
  if (it.size() < 4 || it[0] != 'p') return false;
  size_t dot = it.find('.');
  if (dot == std::string_view::npos) return false;
  return ParseInt(it.substr(1, dot - 1), partition) && ParseInt(it.substr(dot + 1), index);
}

// PlainBuffer of the primary key of a base record: the base token's primary_key. The
// record was encoded by RowStore, so it decodes; "" (a key no token carries) otherwise.
std::string PkBytes(const StoredRow& row) {
  base::Row decoded;
  base::Status s =
      DecodePlainBufferRow(row.base_record.plainbuffer(), PlainBufferContext::kRecord, &decoded);
  if (!s.ok()) return std::string();
  decoded.cells.clear();
  std::string out;
  EncodePlainBufferRow(decoded, &out);
  return out;
}

// First index of `p`'s stream whose sequence time (ns) is >= `ns`.
int64_t FirstIndexAtOrAfter(const Partition& p, int64_t ns) {
  auto it = std::partition_point(p.stream.begin(), p.stream.end(), [ns](const StreamEntry& e) {
    return e.seq.timestamp * 1000 < ns;
  });
  return p.first_index + static_cast<int64_t>(it - p.stream.begin());
}

}  // namespace

std::string_view ChannelStateName(EmulatedTunnel::ChannelState s) {
  switch (s) {
    case EmulatedTunnel::ChannelState::kWait:
      return "WAIT";
    case EmulatedTunnel::ChannelState::kOpen:
      return "OPEN";
    case EmulatedTunnel::ChannelState::kClosing:
      return "CLOSING";
    case EmulatedTunnel::ChannelState::kClose:
      return "CLOSE";
    case EmulatedTunnel::ChannelState::kTerminated:
      return "TERMINATED";
  }
  return "WAIT";
}

MaybeError EmulatedTunnel::Create(const pb::Tunnel& spec, std::string tunnel_id, const Table& table,
                                  const TunnelEnv& env, std::unique_ptr<EmulatedTunnel>* out) {
  auto t = std::make_unique<EmulatedTunnel>();
  t->id_ = std::move(tunnel_id);
  t->name_ = spec.tunnel_name();
  t->table_name_ = spec.table_name();
  t->type_ = spec.tunnel_type();
  t->create_ms_ = env.now_ms;
  const int64_t now_ns = env.now_ms * kNsPerMs;
  int64_t start_ns = now_ns;
  bool latest = true;
  if (spec.has_stream_tunnel_config()) {
    const pb::StreamTunnelConfig& c = spec.stream_tunnel_config();
    t->stream_config_ = c;
    if (c.has_startoffset() && c.startoffset() != 0) {
      uint64_t so = c.startoffset();
      if (so > static_cast<uint64_t>(now_ns)) {
        return ParameterInvalid("startOffset is in the future");
      }
      int64_t oldest_ms = env.now_ms - env.retention_ms + kStartGraceMs;
      if (static_cast<int64_t>(so) < oldest_ms * kNsPerMs) {
        return ParameterInvalid(
            "startOffset must lie within [now - stream retention + 5 min, now]");
      }
      start_ns = static_cast<int64_t>(so);
      latest = false;
    } else if (c.has_flag() && c.flag() == pb::EARLIEST) {
      start_ns = std::max(table.created_ms(), env.now_ms - env.retention_ms) * kNsPerMs;
      latest = false;
    }
    if (c.has_endoffset() && c.endoffset() != 0) {
      if (c.endoffset() > static_cast<uint64_t>(INT64_MAX) ||
          static_cast<int64_t>(c.endoffset()) <= start_ns) {
        return ParameterInvalid("endOffset must be after the stream start");
      }
      t->end_offset_ns_ = static_cast<int64_t>(c.endoffset());
    }
  }
  if (t->type_ != pb::BaseData) {
    const int64_t start_ms = start_ns / kNsPerMs;
    std::vector<int> roots;
    for (const Partition& p : table.partitions()) {
      bool alive =
          latest ? p.live : (p.created_ms <= start_ms && (p.live || p.sealed_ms > start_ms));
      if (alive) roots.push_back(p.index);
    }
    std::vector<int> todo;
    for (int r : roots) {
      const Partition& p = table.partitions()[static_cast<size_t>(r)];
      int64_t start_index = latest ? p.end_index() : FirstIndexAtOrAfter(p, start_ns);
      t->AddStreamChannel(r, {}, start_index, env.now_ms);
      todo.push_back(r);
    }
    // Partitions split after the start: their children follow their parents.
    while (!todo.empty()) {
      int parent = todo.back();
      todo.pop_back();
      for (int child : table.partitions()[static_cast<size_t>(parent)].children) {
        if (t->channels_.count(StreamChannelId(child))) continue;
        t->AddStreamChannel(child, {StreamChannelId(parent)}, 0, env.now_ms);
        todo.push_back(child);
      }
    }
  }
  base::Row end;
  for (const PrimaryKeyColumn& c : table.primary_key()) {
    base::Cell cell;
    cell.name = c.name;
    cell.value = base::Value::InfMax();
    end.primary_key.push_back(std::move(cell));
  }
  EncodePlainBufferRow(end, &t->end_marker_);
  t->UpdateStage(env);
  *out = std::move(t);
  return std::nullopt;
}

void EmulatedTunnel::AddStreamChannel(int partition, std::vector<std::string> parents,
                                      int64_t start_index, int64_t start_ms) {
  Channel ch;
  ch.id = StreamChannelId(partition);
  ch.kind = ChannelKind::kStream;
  ch.partition = partition;
  ch.parents = std::move(parents);
  ch.start_index = start_index;
  ch.start_ms = start_ms;
  ch.checkpoint = StreamToken(ch, start_index, start_ms);
  channels_[ch.id] = std::move(ch);
}

void EmulatedTunnel::TakeSnapshot(Table& table, const TunnelEnv& env) {
  snapshot_taken_ = true;
  snapshot_ms_ = env.now_ms;
  // Stored rows are immutable (a write replaces them) and carry their base record,
  // encoded when they were written, so the snapshot only shares them (bench-e2e: encoding
  // 1M rows here was most of the emulator's Connect time, docs/performance.md).
  for (int p : table.LivePartitions()) {
    std::vector<StoredRowPtr> entries;
    auto rows = table.RowsIn(p);
    entries.reserve(rows.size());
    for (const auto& [key, stored] : rows) entries.push_back(*stored);
    std::string id = BaseChannelId(p);
    snapshot_[id] = std::move(entries);
    Channel ch;
    ch.id = id;
    ch.kind = ChannelKind::kBase;
    ch.partition = p;
    ch.checkpoint = BaseToken(ch, 0);
    channels_[id] = std::move(ch);
  }
}

bool EmulatedTunnel::BaseDone() const {
  if (!snapshot_taken_) return false;
  for (const auto& [id, ch] : channels_) {
    if (ch.kind == ChannelKind::kBase && ch.state != ChannelState::kTerminated) return false;
  }
  return true;
}

void EmulatedTunnel::UpdateStage(const TunnelEnv& env) {
  bool base_done = BaseDone();
  if (type_ == pb::BaseAndStream && !expired_ && !base_done &&
      env.now_ms - create_ms_ > env.retention_ms) {
    expired_ = true;
  }
  if (type_ == pb::Stream) {
    stage_ = kStageStream;
  } else if (!snapshot_taken_) {
    stage_ = kStageInit;
  } else if (type_ == pb::BaseAndStream && base_done) {
    stage_ = kStageStream;
  } else {
    stage_ = kStageBase;
  }
}

void EmulatedTunnel::Refresh(const TunnelEnv& env) {
  for (auto it = clients_.begin(); it != clients_.end();) {
    if (env.steady_now - it->second.last_seen > it->second.timeout) {
      Release(it->first);
      it = clients_.erase(it);
    } else {
      ++it;
    }
  }
  UpdateStage(env);
}

bool EmulatedTunnel::Eligible(const Channel& ch) const {
  if (ch.state == ChannelState::kTerminated || ch.suspended || expired_) return false;
  if (ch.kind == ChannelKind::kBase) return snapshot_taken_;
  if (type_ == pb::BaseAndStream && !BaseDone()) return false;
  for (const std::string& parent : ch.parents) {
    auto it = channels_.find(parent);
    if (it != channels_.end() && it->second.state != ChannelState::kTerminated) return false;
  }
  return true;
}

void EmulatedTunnel::Release(const std::string& client_id) {
  for (auto& [id, ch] : channels_) {
    if (ch.owner != client_id) continue;
    if (ch.state == ChannelState::kOpen || ch.state == ChannelState::kClosing) {
      ch.state = ChannelState::kClose;
      ++ch.version;
    }
    ch.last_owner = client_id;
    ch.owner.clear();
  }
}

void EmulatedTunnel::ScheduleFor(const std::string& client_id) {
  if (clients_.empty()) return;
  size_t eligible = 0;
  for (const auto& [id, ch] : channels_) {
    if (Eligible(ch)) ++eligible;
  }
  size_t n = clients_.size();
  size_t max_per_client = (eligible + n - 1) / n;
  std::vector<Channel*> open;
  for (auto& [id, ch] : channels_) {
    if (ch.owner == client_id && ch.state == ChannelState::kOpen) open.push_back(&ch);
  }
  if (open.size() > max_per_client) {
    for (size_t i = max_per_client; i < open.size(); ++i) {
      open[i]->state = ChannelState::kClosing;
      ++open[i]->version;
    }
    return;
  }
  size_t need = max_per_client - open.size();
  for (auto& [id, ch] : channels_) {
    if (need == 0) break;
    if (!ch.owner.empty() || !Eligible(ch)) continue;
    if (ch.state != ChannelState::kWait && ch.state != ChannelState::kClose) continue;
    ch.state = ChannelState::kOpen;
    ++ch.version;
    ch.owner = client_id;
    --need;
  }
}

MaybeError EmulatedTunnel::FindClient(const std::string& client_id, Client** client) {
  auto it = clients_.find(client_id);
  if (it == clients_.end()) {
    return ResourceGone("client '" + client_id + "' is not connected to tunnel " + id_ +
                        " (unknown, timed out or shut down)");
  }
  *client = &it->second;
  return std::nullopt;
}

MaybeError EmulatedTunnel::FindChannel(const std::string& channel_id, Channel** channel) {
  auto it = channels_.find(channel_id);
  if (it == channels_.end()) {
    return ParameterInvalid("channel '" + channel_id + "' does not exist in tunnel " + id_);
  }
  *channel = &it->second;
  return std::nullopt;
}

MaybeError EmulatedTunnel::Connect(const pb::ConnectRequest& req, Table& table,
                                   const TunnelEnv& env, pb::ConnectResponse* resp) {
  if (type_ != pb::Stream && !snapshot_taken_) {
    TakeSnapshot(table, env);
    UpdateStage(env);
  }
  Client c;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>((*env.rng)()));  // NOLINT
  c.id = "client-" + std::to_string(++client_counter_) + "-" + buf;
  c.last_seen = env.steady_now;
  int64_t timeout = req.has_client_config() && req.client_config().has_timeout()
                        ? req.client_config().timeout()
                        : 300;
  if (timeout <= 0 || timeout > 86400 * 365) timeout = 300;
  c.timeout = std::chrono::seconds(timeout);
  if (req.has_client_config()) c.tag = req.client_config().client_tag();
  resp->set_client_id(c.id);
  clients_[c.id] = std::move(c);
  return std::nullopt;
}

MaybeError EmulatedTunnel::Heartbeat(const pb::HeartbeatRequest& req, const TunnelEnv& env,
                                     pb::HeartbeatResponse* resp) {
  Client* client = nullptr;
  if (auto e = FindClient(req.client_id(), &client)) return e;
  client->last_seen = env.steady_now;
  for (const pb::Channel& rc : req.channels()) {
    auto it = channels_.find(rc.channel_id());
    if (it == channels_.end()) continue;
    Channel& ch = it->second;
    if (ch.owner != client->id || rc.version() <= ch.version) continue;
    ch.version = rc.version();
    if (rc.status() == pb::CLOSE || rc.status() == pb::TERMINATED) {
      ch.state = rc.status() == pb::CLOSE ? ChannelState::kClose : ChannelState::kTerminated;
      ch.last_owner = client->id;
      ch.owner.clear();
    }
  }
  UpdateStage(env);
  ScheduleFor(client->id);
  for (const auto& [id, ch] : channels_) {
    if (ch.owner != client->id) continue;
    if (ch.state != ChannelState::kOpen && ch.state != ChannelState::kClosing) continue;
    pb::Channel* out = resp->add_channels();
    out->set_channel_id(ch.id);
    out->set_version(ch.version);
    out->set_status(ch.state == ChannelState::kOpen ? pb::OPEN : pb::CLOSING);
  }
  return std::nullopt;
}

MaybeError EmulatedTunnel::Shutdown(const pb::ShutdownRequest& req, const TunnelEnv& env) {
  Client* client = nullptr;
  if (auto e = FindClient(req.client_id(), &client)) return e;
  Release(client->id);
  clients_.erase(req.client_id());
  UpdateStage(env);
  return std::nullopt;
}

MaybeError EmulatedTunnel::GetCheckpoint(const pb::GetCheckpointRequest& req,
                                         const TunnelEnv& /*env*/,
                                         pb::GetCheckpointResponse* resp) {
  Client* client = nullptr;
  if (auto e = FindClient(req.client_id(), &client)) return e;
  Channel* ch = nullptr;
  if (auto e = FindChannel(req.channel_id(), &ch)) return e;
  resp->set_checkpoint(ch->checkpoint);
  resp->set_sequence_number(ch->sequence);
  return std::nullopt;
}

MaybeError EmulatedTunnel::Checkpoint(const pb::CheckpointRequest& req, const Table& table,
                                      const TunnelEnv& /*env*/) {
  Client* client = nullptr;
  if (auto e = FindClient(req.client_id(), &client)) return e;
  Channel* ch = nullptr;
  if (auto e = FindChannel(req.channel_id(), &ch)) return e;
  bool holds = ch->owner == client->id || (ch->owner.empty() && ch->last_owner == client->id);
  if (!holds) {
    return ParameterInvalid("channel '" + ch->id + "' is not held by client '" + client->id + "'");
  }
  if (req.sequence_number() != ch->sequence + 1) {
    return ServiceError{400, std::string(errors::kSequenceNumberNotMatch),
                        "sequence number mismatch: expected " + std::to_string(ch->sequence + 1) +
                            ", got " + std::to_string(req.sequence_number())};
  }
  Position pos;
  if (auto e = ParseToken(*ch, table, req.checkpoint(), &pos)) return e;
  ch->checkpoint = req.checkpoint();
  ch->sequence = req.sequence_number();
  return std::nullopt;
}

MaybeError EmulatedTunnel::ReadRecords(const pb::ReadRecordsRequest& req, const Table& table,
                                       const TunnelEnv& env, std::optional<uint64_t> corrupt,
                                       std::string* page, bool* corrupted) {
  Client* client = nullptr;
  if (auto e = FindClient(req.client_id(), &client)) return e;
  Channel* ch = nullptr;
  if (auto e = FindChannel(req.channel_id(), &ch)) return e;
  if (ch->owner != client->id ||
      (ch->state != ChannelState::kOpen && ch->state != ChannelState::kClosing)) {
    return ParameterInvalid("channel '" + ch->id + "' is not open for client '" + client->id + "'");
  }
  if (req.token() == kFinishedToken) {
    return ParameterInvalid("channel '" + ch->id + "' is finished: nothing to read");
  }
  Position pos;
  if (auto e = ParseToken(*ch, table, req.token(), &pos)) return e;
  std::vector<const EncodedRecord*> records;
  size_t bytes = 0;
  auto fits = [&](const EncodedRecord& r) {
    return records.size() < env.page_max_records &&
           (records.empty() || bytes + r.wire.size() <= env.page_max_bytes);
  };
  std::string next_token;
  bool may_more = false;
  if (ch->kind == ChannelKind::kBase) {
    static const std::vector<StoredRowPtr> kNone;
    auto snap = snapshot_.find(ch->id);
    const std::vector<StoredRowPtr>& entries = snap == snapshot_.end() ? kNone : snap->second;
    // The snapshot's rows carry their records: the page is a copy of their bytes.
    int64_t j = pos.index;
    while (j < static_cast<int64_t>(entries.size())) {
      const EncodedRecord& r = entries[static_cast<size_t>(j)]->base_record;
      if (!fits(r)) break;
      records.push_back(&r);
      bytes += r.wire.size();
      ++j;
    }
    bool finished = j == static_cast<int64_t>(entries.size());
    next_token = finished ? std::string(kFinishedToken) : BaseToken(*ch, j);
    may_more = !finished;
  } else {
    if (Trimmed(*ch, table, pos, env)) {
      return ServiceError{503, std::string(errors::kTunnelServerUnavailable),
                          std::string(errors::kTrimmedDataMessage)};
    }
    const Partition& p = table.partitions()[static_cast<size_t>(ch->partition)];
    int64_t end = StreamEnd(*ch, table, env.now_ms);
    int64_t limit = end >= 0 ? end : p.end_index();
    int64_t j = pos.index;
    while (j < limit) {
      const StreamEntry* e = p.At(j);
      if (e == nullptr || !fits(e->record)) break;
      records.push_back(&e->record);
      bytes += e->record.wire.size();
      ++j;
    }
    bool finished = end >= 0 && j >= end;
    next_token = finished ? std::string(kFinishedToken) : StreamToken(*ch, j, env.now_ms);
    may_more = !finished && j < limit;
  }
  std::vector<size_t> offsets;
  *page = BuildReadRecordsPage(records, next_token, may_more, &offsets);
  if (corrupt && !records.empty()) {
    uint64_t r = *corrupt;
    size_t k = static_cast<size_t>(r % records.size());
    uint64_t mix = (r ^ (r >> 29)) * 0xbf58476d1ce4e5b9ULL;
    *corrupted = CorruptOneCellByte(page, offsets[k], records[k]->plainbuffer_size, mix);
  }
  return std::nullopt;
}

MaybeError EmulatedTunnel::Schedule(const pb::ScheduleRequest& req, const TunnelEnv& env) {
  for (const pb::Channel& c : req.channels()) {
    if (!channels_.count(c.channel_id())) {
      return ParameterInvalid("channel '" + c.channel_id() + "' does not exist in tunnel " + id_);
    }
    if (c.status() != pb::OPEN && c.status() != pb::CLOSING && c.status() != pb::TERMINATED) {
      return ParameterInvalid("Schedule accepts OPEN, CLOSING or TERMINATED");
    }
  }
  for (const pb::Channel& c : req.channels()) {
    Channel& ch = channels_[c.channel_id()];
    switch (c.status()) {
      case pb::OPEN:
        ch.suspended = false;
        break;
      case pb::CLOSING:
        ch.suspended = true;
        if (ch.state == ChannelState::kOpen) {
          ch.state = ChannelState::kClosing;
          ++ch.version;
        }
        break;
      case pb::TERMINATED:
        if (ch.state != ChannelState::kTerminated) {
          ch.state = ChannelState::kTerminated;
          ++ch.version;
          if (!ch.owner.empty()) ch.last_owner = ch.owner;
          ch.owner.clear();
        }
        break;
      default:
        break;
    }
  }
  UpdateStage(env);
  return std::nullopt;
}

std::string EmulatedTunnel::BaseToken(const Channel& ch, int64_t index) const {
  pb::TokenContentV2 c;
  auto it = snapshot_.find(ch.id);
  bool in_range = it != snapshot_.end() && index < static_cast<int64_t>(it->second.size());
  c.set_primary_key(in_range ? PkBytes(*it->second[static_cast<size_t>(index)]) : end_marker_);
  c.set_timestamp(snapshot_ms_);
  c.set_total_count(index);
  return EncodeToken(c);
}

std::string EmulatedTunnel::StreamToken(const Channel& ch, int64_t index, int64_t issue_ms) const {
  pb::TokenContentV2 c;
  c.set_iterator("p" + std::to_string(ch.partition) + "." + std::to_string(index));
  c.set_timestamp(issue_ms);
  c.set_total_count(index - ch.start_index);
  return EncodeToken(c);
}

MaybeError EmulatedTunnel::ParseToken(const Channel& ch, const Table& table,
                                      const std::string& token, Position* pos) const {
  if (token == kFinishedToken) {
    pos->finished = true;
    return std::nullopt;
  }
  auto invalid = [&] { return ParameterInvalid("invalid token for channel '" + ch.id + "'"); };
  base::Result<pb::TokenContentV2> content = DecodeToken(token);
  if (!content.ok()) return invalid();
  const pb::TokenContentV2& c = *content;
  if (ch.kind == ChannelKind::kBase) {
    if (!c.iterator().empty() || !c.has_total_count()) return invalid();
    auto it = snapshot_.find(ch.id);
    if (it == snapshot_.end() || c.timestamp() != snapshot_ms_) return invalid();
    int64_t idx = c.total_count();
    if (idx < 0 || idx > static_cast<int64_t>(it->second.size())) return invalid();
    const std::string expect = idx < static_cast<int64_t>(it->second.size())
                                   ? PkBytes(*it->second[static_cast<size_t>(idx)])
                                   : end_marker_;
    if (c.primary_key() != expect) return invalid();
    pos->index = idx;
    return std::nullopt;
  }
  int64_t part = 0, idx = 0;
  if (!ParseIterator(c.iterator(), &part, &idx) || part != ch.partition) return invalid();
  const Partition& p = table.partitions()[static_cast<size_t>(ch.partition)];
  if (idx < ch.start_index || idx > p.end_index()) return invalid();
  pos->index = idx;
  pos->issue_ms = c.timestamp();
  return std::nullopt;
}

bool EmulatedTunnel::Trimmed(const Channel& ch, const Table& table, const Position& pos,
                             const TunnelEnv& env) const {
  if (ch.kind != ChannelKind::kStream || pos.finished) return false;
  const Partition& p = table.partitions()[static_cast<size_t>(ch.partition)];
  if (pos.index < p.first_index) return true;
  if (env.now_ms - pos.issue_ms > env.retention_ms) return true;
  const StreamEntry* e = p.At(pos.index);
  return e != nullptr && env.now_ms - e->ts_ms > env.retention_ms;
}

int64_t EmulatedTunnel::StreamEnd(const Channel& ch, const Table& table, int64_t now_ms) const {
  const Partition& p = table.partitions()[static_cast<size_t>(ch.partition)];
  if (end_offset_ns_ != 0) {
    int64_t i = FirstIndexAtOrAfter(p, end_offset_ns_);
    if (i < p.end_index() || !p.live || now_ms * kNsPerMs >= end_offset_ns_) return i;
    return -1;
  }
  return p.live ? -1 : p.end_index();
}

void EmulatedTunnel::OnSplit(int parent, const std::vector<int>& children, const TunnelEnv& env) {
  auto it = channels_.find(StreamChannelId(parent));
  if (it == channels_.end() || it->second.kind != ChannelKind::kStream) return;
  for (int child : children) AddStreamChannel(child, {StreamChannelId(parent)}, 0, env.now_ms);
}

void EmulatedTunnel::FillInfo(const std::string& instance, pb::TunnelInfo* info) const {
  info->set_tunnel_id(id_);
  info->set_tunnel_type(TunnelTypeName(type_));
  info->set_table_name(table_name_);
  info->set_instance_name(instance);
  info->set_stream_id(type_ == pb::BaseData ? std::string() : "stream-" + table_name_);
  info->set_stage(stage_);
  info->set_expired(expired_);
  info->set_tunnel_name(name_);
  info->set_public_(false);
  if (type_ != pb::BaseData) *info->mutable_stream_tunnel_config() = stream_config_;
  info->set_create_time(create_ms_ * kNsPerMs);
}

void EmulatedTunnel::Describe(const Table* table, const std::string& instance,
                              pb::DescribeTunnelResponse* resp) const {
  FillInfo(instance, resp->mutable_tunnel());
  int64_t tunnel_rpo = 0;
  for (const auto& [id, ch] : channels_) {
    pb::ChannelInfo* ci = resp->add_channels();
    ci->set_channel_id(id);
    ci->set_channel_type(ch.kind == ChannelKind::kBase ? "BaseData" : "Stream");
    ci->set_channel_status(std::string(ChannelStateName(ch.state)));
    ci->set_client_id(ch.owner);
    int64_t rpo = 0, count = 0;
    Position pos;
    if (table && !ParseToken(ch, *table, ch.checkpoint, &pos) && !pos.finished) {
      if (ch.kind == ChannelKind::kBase) {
        count = pos.index;
      } else {
        count = pos.index - ch.start_index;
        const Partition& p = table->partitions()[static_cast<size_t>(ch.partition)];
        if (const StreamEntry* e = p.At(pos.index - 1)) rpo = e->seq.timestamp * 1000;
      }
    }
    ci->set_channel_rpo(rpo);
    ci->set_channel_count(count);
    if (rpo > 0 && ch.state != ChannelState::kTerminated && (tunnel_rpo == 0 || rpo < tunnel_rpo)) {
      tunnel_rpo = rpo;
    }
  }
  resp->set_tunnel_rpo(tunnel_rpo);
}

void EmulatedTunnel::Rpo(const Table* table, std::string* rpo_infos,
                         std::string* tunnel_rpo_infos) const {
  pb::DescribeTunnelResponse d;
  Describe(table, "", &d);
  nlohmann::json channels = nlohmann::json::object();
  int64_t total = 0;
  for (const pb::ChannelInfo& ci : d.channels()) {
    channels[ci.channel_id()] = {{"ChannelTyp", ci.channel_type()},
                                 {"Status", ci.channel_status()},
                                 {"TotalCount", ci.channel_count()},
                                 {"AccessTime", 0},
                                 {"RpoTime", ci.channel_rpo()}};
    total += ci.channel_count();
  }
  *rpo_infos = nlohmann::json{{id_, channels}}.dump();
  *tunnel_rpo_infos = nlohmann::json{{id_,
                                      {{"Status", stage_},
                                       {"TotalCount", total},
                                       {"AccessTime", 0},
                                       {"RpoTime", d.tunnel_rpo()}}}}
                          .dump();
}

base::Result<RowStore> EmulatedTunnel::RowsAt(const Table& table,
                                              const std::map<std::string, std::string>& checkpoints,
                                              const TunnelEnv& env) const {
  std::map<std::string, Position> given;
  for (const auto& [id, token] : checkpoints) {
    auto it = channels_.find(id);
    if (it == channels_.end()) {
      return base::NotFoundError("channel '" + id + "' does not exist in tunnel " + id_);
    }
    Position pos;
    if (ParseToken(it->second, table, token, &pos)) {
      return base::NotFoundError("unknown token for channel '" + id + "'");
    }
    if (Trimmed(it->second, table, pos, env)) {
      return base::NotFoundError("token of channel '" + id + "' is trimmed");
    }
    given[id] = pos;
  }
  auto finished = [&](const std::string& id) {
    auto it = given.find(id);
    return it != given.end() && it->second.finished;
  };
  bool base_done = snapshot_taken_;
  for (const auto& [id, ch] : channels_) {
    if (ch.kind == ChannelKind::kBase && !finished(id)) base_done = false;
  }
  for (const auto& [id, pos] : given) {
    const Channel& ch = channels_.at(id);
    if (ch.kind != ChannelKind::kStream) continue;
    bool progress = pos.finished || pos.index > ch.start_index;
    if (!progress) continue;
    if (type_ == pb::BaseAndStream && !base_done) {
      return base::AbortedError("stream channel '" + id +
                                "' has progress while base channels are unfinished");
    }
    for (const std::string& parent : ch.parents) {
      if (!finished(parent)) {
        return base::AbortedError("channel '" + id + "' has progress while its parent '" + parent +
                                  "' is unfinished");
      }
    }
  }
  RowStore store = RowStore(table.rows().pk_names());
  base::Row row;
  // Base channels first (every base channel precedes the stream), then stream channels in
  // partition order (a child's index is always greater than its parent's).
  for (const auto& [id, pos] : given) {
    const Channel& ch = channels_.at(id);
    if (ch.kind != ChannelKind::kBase) continue;
    const std::vector<StoredRowPtr>& entries = snapshot_.at(id);
    int64_t n = pos.finished ? static_cast<int64_t>(entries.size()) : pos.index;
    for (int64_t i = 0; i < n; ++i) {
      base::Status s =
          DecodePlainBufferRow(entries[static_cast<size_t>(i)]->base_record.plainbuffer(),
                               PlainBufferContext::kRecord, &row);
      if (!s.ok()) return base::InternalError("rows_at: " + s.message());
      store.Apply(base::ActionType::kPutRow, row);
    }
  }
  std::vector<std::pair<int, std::string>> streams;
  for (const auto& [id, pos] : given) {
    const Channel& ch = channels_.at(id);
    if (ch.kind == ChannelKind::kStream) streams.emplace_back(ch.partition, id);
  }
  std::sort(streams.begin(), streams.end());
  for (const auto& [partition, id] : streams) {
    const Channel& ch = channels_.at(id);
    const Position& pos = given.at(id);
    const Partition& p = table.partitions()[static_cast<size_t>(partition)];
    int64_t end = pos.index;
    if (pos.finished) {
      end = StreamEnd(ch, table, env.now_ms);
      if (end < 0) end = p.end_index();
    }
    for (int64_t i = ch.start_index; i < end; ++i) {
      const StreamEntry* e = p.At(i);
      if (e == nullptr) {
        return base::NotFoundError("records of channel '" + id + "' before its token are trimmed");
      }
      base::Status s =
          DecodePlainBufferRow(e->record.plainbuffer(), PlainBufferContext::kRecord, &row);
      if (!s.ok()) return base::InternalError("rows_at: " + s.message());
      store.Apply(e->action, row);
    }
  }
  return store;
}

}  // namespace tablestore::tunnel::emulator
