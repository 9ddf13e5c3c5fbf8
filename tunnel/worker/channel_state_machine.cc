#include "tunnel/worker/channel_state_machine.h"

namespace tablestore::tunnel {

std::string_view ChannelStatusName(ChannelStatus status) {
  switch (status) {
    case ChannelStatus::kWait: return "WAIT";
    case ChannelStatus::kOpen: return "OPEN";
    case ChannelStatus::kClosing: return "CLOSING";
    case ChannelStatus::kClose: return "CLOSE";
    case ChannelStatus::kTerminated: return "TERMINATED";
  }
  return "UNKNOWN";
}

std::vector<ChannelAction> ChannelStateMachine::ApplyHeartbeat(
    const std::vector<ChannelState>& answer) {
  std::vector<ChannelAction> actions;
  std::map<std::string, Entry> merged;
  for (const ChannelState& s : answer) {
    auto old = entries_.find(s.channel_id);
    if (old != entries_.end() && old->second.version > s.version) {
      merged[s.channel_id] = old->second;  // stale server view: keep ours
      continue;
    }
    Entry e;
    e.version = s.version;
    e.status = s.status;
    if (old != entries_.end()) {
      e.phase = old->second.phase;
      e.generation = old->second.generation;
    }
    // A duplicate id in one answer: the higher version wins as well.
    auto dup = merged.find(s.channel_id);
    if (dup != merged.end() && dup->second.version > e.version) continue;
    merged[s.channel_id] = e;
  }
  for (const auto& [id, e] : entries_) {
    if (merged.count(id) == 0 && e.phase != Phase::kNone) {
      actions.push_back({ChannelAction::Kind::kDrop, id, e.generation});
    }
  }
  for (auto& [id, e] : merged) {
    switch (e.status) {
      case ChannelStatus::kOpen:
        if (e.phase == Phase::kNone) {
          e.phase = Phase::kRunning;
          e.generation = next_generation_++;
          actions.push_back({ChannelAction::Kind::kStart, id, e.generation});
        }
        break;
      case ChannelStatus::kClosing:
        if (e.phase == Phase::kNone) {
          e.version += 1;
          e.status = ChannelStatus::kClose;
        } else if (e.phase == Phase::kRunning) {
          e.phase = Phase::kStopping;
          actions.push_back({ChannelAction::Kind::kStop, id, e.generation});
        }
        break;
      case ChannelStatus::kClose:
      case ChannelStatus::kTerminated:
      case ChannelStatus::kWait:  // never sent by a server (§3.2); treat as not ours
        if (e.phase != Phase::kNone) {
          actions.push_back({ChannelAction::Kind::kDrop, id, e.generation});
          e.phase = Phase::kNone;
        }
        break;
    }
  }
  entries_ = std::move(merged);
  return actions;
}

bool ChannelStateMachine::Report(const std::string& channel_id, uint64_t generation,
                                 ChannelStatus status) {
  auto it = entries_.find(channel_id);
  if (it == entries_.end()) return false;
  Entry& e = it->second;
  if (e.phase == Phase::kNone || e.generation != generation) return false;
  e.phase = Phase::kNone;
  if (e.status != ChannelStatus::kOpen && e.status != ChannelStatus::kClosing) return false;
  if (status != ChannelStatus::kClose && status != ChannelStatus::kTerminated) return false;
  e.version += 1;
  e.status = status;
  return true;
}

void ChannelStateMachine::ReaderGone(const std::string& channel_id, uint64_t generation) {
  auto it = entries_.find(channel_id);
  if (it == entries_.end()) return;
  if (it->second.phase != Phase::kNone && it->second.generation == generation) {
    it->second.phase = Phase::kNone;
  }
}

bool ChannelStateMachine::IsCurrent(const std::string& channel_id, uint64_t generation) const {
  auto it = entries_.find(channel_id);
  return it != entries_.end() && it->second.phase != Phase::kNone &&
         it->second.generation == generation;
}

std::vector<ChannelState> ChannelStateMachine::Snapshot() const {
  std::vector<ChannelState> out;
  out.reserve(entries_.size());
  for (const auto& [id, e] : entries_) out.push_back({id, e.version, e.status});
  return out;
}

std::vector<ChannelAction> ChannelStateMachine::StopAll() {
  std::vector<ChannelAction> actions;
  for (auto& [id, e] : entries_) {
    if (e.phase == Phase::kRunning) {
      e.phase = Phase::kStopping;
      actions.push_back({ChannelAction::Kind::kStop, id, e.generation});
    }
  }
  return actions;
}

}  // namespace tablestore::tunnel
