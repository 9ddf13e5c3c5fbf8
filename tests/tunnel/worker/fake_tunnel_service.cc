#include "tests/tunnel/worker/fake_tunnel_service.h"

#include <algorithm>

#include "tunnel/protocol/token.h"

namespace tablestore::tunnel::testing {

void FakeTunnelService::AddChannel(const std::string& id, int records, bool stream) {
  base::MutexLock lock(&mu_);
  Channel c;
  c.records = records;
  c.stream = stream;
  c.checkpoint.token = TokenLocked(c, id, 0);
  channels_[id] = c;
}

void FakeTunnelService::Append(const std::string& id, int records) {
  base::MutexLock lock(&mu_);
  channels_[id].records += records;
}

void FakeTunnelService::set_page_size(int n) {
  base::MutexLock lock(&mu_);
  page_size_ = n;
}

void FakeTunnelService::set_fault(Fault fault) {
  base::MutexLock lock(&mu_);
  fault_ = std::move(fault);
}

void FakeTunnelService::Revoke(const std::string& id) {
  base::MutexLock lock(&mu_);
  channels_[id].revoke = true;
}

std::string FakeTunnelService::TokenAt(const std::string& id, int index) {
  base::MutexLock lock(&mu_);
  return TokenLocked(channels_[id], id, index);
}

std::string FakeTunnelService::TokenLocked(const Channel& c, const std::string& id, int index) {
  if (!c.stream) return id + "@" + std::to_string(index);
  pb::TokenContentV2 content;
  content.set_iterator(id + "@" + std::to_string(index));
  return EncodeToken(content);
}

std::optional<int> FakeTunnelService::IndexOf(const Channel& c, const std::string& id,
                                              const std::string& token) {
  std::string raw = token;
  if (c.stream) {
    base::Result<pb::TokenContentV2> content = DecodeToken(token);
    if (!content.ok()) return std::nullopt;
    raw = content->iterator();
  }
  if (raw.rfind(id + "@", 0) != 0) return std::nullopt;
  return std::stoi(raw.substr(id.size() + 1));
}

std::vector<FakeTunnelService::Call> FakeTunnelService::calls() {
  base::MutexLock lock(&mu_);
  return calls_;
}

int FakeTunnelService::count(const std::string& op) {
  base::MutexLock lock(&mu_);
  return static_cast<int>(
      std::count_if(calls_.begin(), calls_.end(), [&](const Call& c) { return c.op == op; }));
}

CheckpointInfo FakeTunnelService::server_checkpoint(const std::string& id) {
  base::MutexLock lock(&mu_);
  return channels_[id].checkpoint;
}

ChannelStatus FakeTunnelService::status(const std::string& id) {
  base::MutexLock lock(&mu_);
  return channels_[id].status;
}

std::string FakeTunnelService::owner(const std::string& id) {
  base::MutexLock lock(&mu_);
  return channels_[id].owner;
}

int FakeTunnelService::closes(const std::string& id) {
  base::MutexLock lock(&mu_);
  return channels_[id].closes;
}

base::Status FakeTunnelService::Inject(const Call& call) {
  calls_.push_back(call);
  if (fault_) return fault_(call);
  return base::Status::Ok();
}

base::Result<std::string> FakeTunnelService::Connect(const std::string& /*tunnel_id*/,
                                                     std::chrono::seconds /*timeout*/,
                                                     const std::string& /*tag*/) {
  base::MutexLock lock(&mu_);
  TS_RETURN_IF_ERROR(Inject({"Connect", "", "", 0}));
  std::string id = "client-" + std::to_string(next_client_++);
  live_clients_.push_back(id);
  return id;
}

base::Result<std::vector<ChannelState>> FakeTunnelService::Heartbeat(
    const std::string& /*tunnel_id*/, const std::string& client_id,
    const std::vector<ChannelState>& reported) {
  base::MutexLock lock(&mu_);
  TS_RETURN_IF_ERROR(Inject({"Heartbeat", "", "", 0}));
  if (std::find(live_clients_.begin(), live_clients_.end(), client_id) == live_clients_.end()) {
    return base::NotFoundError("OTSResourceGone: unknown client");
  }
  for (const ChannelState& r : reported) {
    auto it = channels_.find(r.channel_id);
    if (it == channels_.end() || it->second.owner != client_id) continue;
    Channel& c = it->second;
    if (r.version <= c.version) continue;
    c.version = r.version;
    c.status = r.status;
    if (r.status == ChannelStatus::kClose) ++c.closes;
    if (r.status == ChannelStatus::kClose || r.status == ChannelStatus::kTerminated) {
      c.owner.clear();
      c.revoke = false;
    }
  }
  std::vector<ChannelState> answer;
  for (auto& [id, c] : channels_) {
    if (c.status == ChannelStatus::kTerminated) continue;
    if (c.owner.empty() && !c.revoke) {
      c.owner = client_id;
      c.version += 1;
      c.status = ChannelStatus::kOpen;
    }
    if (c.owner != client_id) continue;
    if (c.revoke && c.status == ChannelStatus::kOpen) {
      c.version += 1;
      c.status = ChannelStatus::kClosing;
    }
    answer.push_back({id, c.version, c.status});
  }
  return answer;
}

base::Status FakeTunnelService::Shutdown(const std::string& /*tunnel_id*/,
                                         const std::string& client_id) {
  base::MutexLock lock(&mu_);
  TS_RETURN_IF_ERROR(Inject({"Shutdown", "", "", 0}));
  live_clients_.erase(std::remove(live_clients_.begin(), live_clients_.end(), client_id),
                      live_clients_.end());
  for (auto& [id, c] : channels_) {
    if (c.owner == client_id) {
      c.owner.clear();
      if (c.status != ChannelStatus::kTerminated) c.status = ChannelStatus::kClose;
      c.version += 1;
    }
  }
  return base::Status::Ok();
}

base::Result<CheckpointInfo> FakeTunnelService::GetCheckpoint(const std::string& /*tunnel_id*/,
                                                              const std::string& /*client_id*/,
                                                              const std::string& channel_id) {
  base::MutexLock lock(&mu_);
  TS_RETURN_IF_ERROR(Inject({"GetCheckpoint", channel_id, "", 0}));
  auto it = channels_.find(channel_id);
  if (it == channels_.end()) return base::InvalidArgumentError("no channel " + channel_id);
  return it->second.checkpoint;
}

base::Status FakeTunnelService::Checkpoint(const std::string& /*tunnel_id*/,
                                           const std::string& /*client_id*/,
                                           const std::string& channel_id, const std::string& token,
                                           int64_t sequence_number) {
  base::MutexLock lock(&mu_);
  TS_RETURN_IF_ERROR(Inject({"Checkpoint", channel_id, token, sequence_number}));
  Channel& c = channels_[channel_id];
  if (sequence_number != c.checkpoint.sequence_number + 1) {
    return base::AbortedError("OTSSequenceNumberNotMatch");
  }
  c.checkpoint = {token, sequence_number};
  return base::Status::Ok();
}

base::Result<ReadRecordsResult> FakeTunnelService::ReadRecords(const std::string& /*tunnel_id*/,
                                                               const std::string& /*client_id*/,
                                                               const std::string& channel_id,
                                                               const std::string& token) {
  base::MutexLock lock(&mu_);
  TS_RETURN_IF_ERROR(Inject({"ReadRecords", channel_id, token, 0}));
  auto it = channels_.find(channel_id);
  if (it == channels_.end()) return base::InvalidArgumentError("no channel " + channel_id);
  const Channel& c = it->second;
  std::optional<int> start = IndexOf(c, channel_id, token);
  if (!start.has_value()) return base::InvalidArgumentError("bad token " + token);
  int end = std::min(c.records, *start + page_size_);
  ReadRecordsResult page;
  for (int i = *start; i < end; ++i) {
    base::RowChange change;
    base::Cell key;
    key.name = "id";
    key.value = base::Value::Integer(i);
    change.row.primary_key.push_back(key);
    page.records.push_back(change);
  }
  page.may_more_record = end < c.records;
  page.next_token = (!c.stream && end == c.records) ? "finished" : TokenLocked(c, channel_id, end);
  return page;
}

base::Status FakeTunnelService::ReadRecordsInto(const std::string& tunnel_id,
                                                const std::string& client_id,
                                                const std::string& channel_id,
                                                const std::string& token, ReadRecordsResult* page) {
  {
    base::MutexLock lock(&mu_);
    read_into_capacities_.push_back(page->records.capacity());
  }
  return TunnelDataApi::ReadRecordsInto(tunnel_id, client_id, channel_id, token, page);
}

std::vector<size_t> FakeTunnelService::read_into_capacities() {
  base::MutexLock lock(&mu_);
  return read_into_capacities_;
}

}  // namespace tablestore::tunnel::testing
