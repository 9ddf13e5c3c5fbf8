#include "tunnel/emulator/table.h"

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

namespace tablestore::tunnel::emulator {
namespace {

using base::CellOp;
using base::Value;
using base::ValueType;

__extension__ typedef __int128 Int128;

constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr int kAlphabetSize = 62;
constexpr int kMaxPartitions = 64;

base::Status ChangeError(size_t index, const std::string& what) {
  return base::InvalidArgumentError("change " + std::to_string(index) + ": " + what);
}

bool IsPkType(ValueType t) {
  return t == ValueType::kInteger || t == ValueType::kString || t == ValueType::kBinary;
}

bool IsAttributeType(ValueType t) {
  return t == ValueType::kInteger || t == ValueType::kDouble || t == ValueType::kBoolean ||
         t == ValueType::kString || t == ValueType::kBinary;
}

std::vector<Value> DefaultSplitPoints(ValueType type, int partitions) {
  std::vector<Value> out;
  for (int i = 1; i < partitions; ++i) {
    if (type == ValueType::kInteger) {
      uint64_t step = std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(partitions);
      uint64_t u = 0x8000000000000000ULL + static_cast<uint64_t>(i) * step;
      out.push_back(Value::Integer(static_cast<int64_t>(u)));
    } else {
      int k = i * kAlphabetSize * kAlphabetSize / partitions;
      std::string s{kAlphabet[k / kAlphabetSize], kAlphabet[k % kAlphabetSize]};
      out.push_back(type == ValueType::kString ? Value::String(s) : Value::Binary(s));
    }
  }
  return out;
}

}  // namespace

bool IsValidName(std::string_view s) {
  if (s.empty()) return false;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

const StreamEntry* Partition::At(int64_t i) const {
  if (i < first_index || i >= end_index()) return nullptr;
  return &stream[static_cast<size_t>(i - first_index)];
}

bool Partition::Contains(const Value& v) const {
  if (lower && ComparePkValue(v, *lower) < 0) return false;
  if (upper && ComparePkValue(v, *upper) >= 0) return false;
  return true;
}

Table::Table(std::string name, std::vector<PrimaryKeyColumn> pk, int64_t created_ms)
    : name_(std::move(name)),
      pk_(std::move(pk)),
      created_ms_(created_ms),
      rows_(
          [this] {
            std::vector<std::string> names;
            for (const auto& c : pk_) names.push_back(c.name);
            return names;
          }(),
          RowStore::BaseRecords::kEncode) {}

base::Result<std::unique_ptr<Table>> Table::Create(const TableSpec& spec, int64_t now_ms) {
  if (!IsValidName(spec.name)) {
    return base::InvalidArgumentError("table name must be non-empty UTF-8 without NUL");
  }
  if (spec.primary_key.empty() || spec.primary_key.size() > 4) {
    return base::InvalidArgumentError("primary_key must have 1 to 4 columns");
  }
  std::set<std::string> seen;
  for (const PrimaryKeyColumn& c : spec.primary_key) {
    if (!IsValidName(c.name)) {
      return base::InvalidArgumentError(
          "primary key column names must be non-empty UTF-8 without NUL");
    }
    if (!seen.insert(c.name).second) {
      return base::InvalidArgumentError("duplicate primary key column '" + c.name + "'");
    }
    if (!IsPkType(c.type)) {
      return base::InvalidArgumentError("primary key column '" + c.name +
                                        "' must be integer, string or binary");
    }
  }
  if (spec.partitions < 1 || spec.partitions > kMaxPartitions) {
    return base::InvalidArgumentError("partitions must be between 1 and 64");
  }
  ValueType first = spec.primary_key[0].type;
  std::vector<Value> points = spec.split_points;
  if (points.empty()) {
    points = DefaultSplitPoints(first, spec.partitions);
  } else {
    if (static_cast<int>(points.size()) != spec.partitions - 1) {
      return base::InvalidArgumentError("split_points must hold partitions - 1 values");
    }
    for (size_t i = 0; i < points.size(); ++i) {
      if (points[i].type != first) {
        return base::InvalidArgumentError("split_points must have the first key column's type");
      }
      if (i > 0 && ComparePkValue(points[i - 1], points[i]) >= 0) {
        return base::InvalidArgumentError("split_points must be strictly increasing");
      }
    }
  }
  auto t = std::make_unique<Table>(spec.name, spec.primary_key, now_ms);
  for (int i = 0; i < spec.partitions; ++i) {
    Partition p;
    p.index = i;
    if (i > 0) p.lower = points[i - 1];
    if (i + 1 < spec.partitions) p.upper = points[i];
    p.created_ms = now_ms;
    t->partitions_.push_back(std::move(p));
  }
  return t;
}

std::vector<int> Table::LivePartitions() const {
  std::vector<int> out;
  for (const Partition& p : partitions_) {
    if (p.live) out.push_back(p.index);
  }
  return out;
}

int Table::PartitionOf(const Value& first_pk) const {
  for (const Partition& p : partitions_) {
    if (p.live && p.Contains(first_pk)) return p.index;
  }
  return -1;  // unreachable: live ranges tile the key space
}

base::Status Table::Validate(const std::vector<base::RowChange>& changes, int64_t now_ms,
                             int64_t max_deviation_ms) const {
  for (size_t i = 0; i < changes.size(); ++i) {
    const base::RowChange& ch = changes[i];
    const base::Row& row = ch.row;
    if (row.primary_key.size() != pk_.size()) {
      return ChangeError(i, "primary_key must have " + std::to_string(pk_.size()) + " columns");
    }
    for (size_t k = 0; k < pk_.size(); ++k) {
      const base::Cell& c = row.primary_key[k];
      if (c.name != pk_[k].name) {
        return ChangeError(
            i, "primary key column " + std::to_string(k) + " must be '" + pk_[k].name + "'");
      }
      if (!c.value || c.value->type != pk_[k].type) {
        return ChangeError(i, "primary key column '" + pk_[k].name + "' must be a " +
                                  std::string(base::ValueTypeName(pk_[k].type)));
      }
    }
    if (ch.action == base::ActionType::kDeleteRow && !row.cells.empty()) {
      return ChangeError(i, "a delete has no cells");
    }
    if (ch.action == base::ActionType::kUpdateRow && row.cells.empty()) {
      return ChangeError(i, "an update needs at least one cell");
    }
    for (const base::Cell& c : row.cells) {
      if (!IsValidName(c.name)) {
        return ChangeError(i, "column names must be non-empty UTF-8 without NUL");
      }
      for (const PrimaryKeyColumn& k : pk_) {
        if (k.name == c.name) {
          return ChangeError(i, "column '" + c.name + "' is a primary key column");
        }
      }
      switch (c.op) {
        case CellOp::kPut:
          if (!c.value) return ChangeError(i, "put cell '" + c.name + "' needs a value");
          if (!IsAttributeType(c.value->type)) {
            return ChangeError(i,
                               "cell '" + c.name + "' has a value type not allowed in attributes");
          }
          break;
        case CellOp::kDeleteOneVersion:
          if (ch.action != base::ActionType::kUpdateRow) {
            return ChangeError(i, "delete cells are allowed only in an update");
          }
          if (c.value) return ChangeError(i, "delete cell '" + c.name + "' has a value");
          if (!c.timestamp) {
            return ChangeError(i, "delete_one_version cell '" + c.name + "' needs a timestamp");
          }
          break;
        case CellOp::kDeleteAllVersions:
          if (ch.action != base::ActionType::kUpdateRow) {
            return ChangeError(i, "delete cells are allowed only in an update");
          }
          if (c.value) return ChangeError(i, "delete cell '" + c.name + "' has a value");
          if (c.timestamp) {
            return ChangeError(i, "delete_all_versions cell '" + c.name + "' has a timestamp");
          }
          break;
      }
      if (c.timestamp) {
        int64_t ts = *c.timestamp;
        if (ts < 0 || (ts > now_ms ? ts - now_ms : now_ms - ts) > max_deviation_ms) {
          return ChangeError(i, "cell '" + c.name + "' timestamp " + std::to_string(ts) +
                                    " is more than " + std::to_string(max_deviation_ms) +
                                    " ms from the emulator clock (" + std::to_string(now_ms) + ")");
        }
      }
    }
  }
  return base::Status::Ok();
}

void Table::Apply(std::vector<base::RowChange> changes, int64_t now_us) {
  int64_t now_ms = now_us / 1000;
  for (base::RowChange& ch : changes) {
    base::Row& row = ch.row;
    for (base::Cell& c : row.cells) {
      if (c.op == CellOp::kPut && !c.timestamp) c.timestamp = now_ms;
    }
    rows_.Apply(ch.action, row);
    int p = PartitionOf(*row.primary_key[0].value);
    if (p < 0) continue;
    Partition& part = partitions_[static_cast<size_t>(p)];
    base::SequenceInfo seq;
    if (now_us > part.last_seq_us) {
      part.last_seq_us = now_us;
      part.last_row_index = 0;
    } else {
      ++part.last_row_index;
    }
    seq.epoch = 0;
    seq.timestamp = part.last_seq_us;
    seq.row_index = part.last_row_index;
    row.sequence = seq;
    row.delete_marker = false;
    StreamEntry e;
    e.ts_ms = now_ms;
    e.action = ch.action;
    e.seq = seq;
    e.record = EncodeRecordEntry(ch.action, row);
    part.stream.push_back(std::move(e));
  }
}

base::Result<std::vector<int>> Table::Split(int partition, int64_t now_ms) {
  if (partition < 0 || partition >= static_cast<int>(partitions_.size())) {
    return base::NotFoundError("table '" + name_ + "' has no partition " +
                               std::to_string(partition));
  }
  const Partition& parent = partitions_[static_cast<size_t>(partition)];
  if (!parent.live) {
    return base::FailedPreconditionError("partition " + std::to_string(partition) +
                                         " was already split");
  }
  ValueType type = pk_[0].type;
  // Distinct first-column values of the partition's rows.
  std::vector<Value> distinct;
  for (const auto& [key, row] : RowsIn(partition)) {
    (void)row;
    if (distinct.empty() || ComparePkValue(distinct.back(), (*key)[0]) != 0) {
      distinct.push_back((*key)[0]);
    }
  }
  std::optional<Value> mid;
  if (distinct.size() >= 2) {
    mid = distinct[distinct.size() / 2];
  } else if (type == ValueType::kInteger) {
    Int128 lo =
        parent.lower ? Int128(parent.lower->integer) : Int128(std::numeric_limits<int64_t>::min());
    Int128 hi = parent.upper ? Int128(parent.upper->integer)
                             : Int128(std::numeric_limits<int64_t>::max()) + 1;
    if (hi - lo >= 2) mid = Value::Integer(static_cast<int64_t>(lo + (hi - lo) / 2));
  } else {
    std::string lo = parent.lower ? parent.lower->bytes : std::string();
    for (const char* suffix : {"M", "0", "\x01"}) {
      Value cand =
          type == ValueType::kString ? Value::String(lo + suffix) : Value::Binary(lo + suffix);
      if (!parent.upper || ComparePkValue(cand, *parent.upper) < 0) {
        mid = cand;
        break;
      }
    }
  }
  if (!mid) {
    return base::InvalidArgumentError("partition " + std::to_string(partition) +
                                      " covers too small a range to split");
  }
  Partition left, right;
  left.index = static_cast<int>(partitions_.size());
  right.index = left.index + 1;
  left.lower = parent.lower;
  left.upper = *mid;
  right.lower = *mid;
  right.upper = parent.upper;
  left.created_ms = right.created_ms = now_ms;
  left.parents = right.parents = {partition};
  // Children continue the parent's sequence so per-key order stays increasing.
  left.last_seq_us = right.last_seq_us = parent.last_seq_us;
  left.last_row_index = right.last_row_index = parent.last_row_index;
  Partition& p = partitions_[static_cast<size_t>(partition)];
  p.live = false;
  p.sealed_ms = now_ms;
  p.children = {left.index, right.index};
  std::vector<int> children = {left.index, right.index};
  partitions_.push_back(std::move(left));
  partitions_.push_back(std::move(right));
  return children;
}

void Table::Trim(int64_t cutoff_ms) {
  for (Partition& p : partitions_) {
    while (!p.stream.empty() && p.stream.front().ts_ms < cutoff_ms) {
      p.stream.pop_front();
      ++p.first_index;
    }
  }
}

std::vector<std::pair<const PrimaryKey*, const StoredRowPtr*>> Table::RowsIn(int p) const {
  std::vector<std::pair<const PrimaryKey*, const StoredRowPtr*>> out;
  const Partition& part = partitions_[static_cast<size_t>(p)];
  const RowStore::Map& m = rows_.rows();
  auto it = part.lower ? m.lower_bound(PrimaryKey{*part.lower}) : m.begin();
  auto end = part.upper ? m.lower_bound(PrimaryKey{*part.upper}) : m.end();
  for (; it != end; ++it) out.emplace_back(&it->first, &it->second);
  return out;
}

}  // namespace tablestore::tunnel::emulator
