#include "storage/changelog_codec.h"

#include <cstring>
#include <unordered_map>

namespace tablestore::storage {
namespace {

constexpr uint8_t kFormat = 0x01;

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutZigzag(int64_t v, std::string* out) {
  PutVarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63), out);
}

void PutBytes(std::string_view s, std::string* out) {
  PutVarint(s.size(), out);
  out->append(s);
}

void PutValue(const base::Value& v, std::string* out) {
  out->push_back(static_cast<char>(v.type));
  switch (v.type) {
    case base::ValueType::kInteger:
    case base::ValueType::kBoolean:
      PutZigzag(v.integer, out);
      break;
    case base::ValueType::kDouble: {
      uint64_t bits = v.double_bits();
      for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(bits >> (8 * i)));
      break;
    }
    case base::ValueType::kString:
    case base::ValueType::kBinary:
      PutBytes(v.bytes, out);
      break;
    default:
      break;  // inf_min / inf_max / auto_increment carry no payload
  }
}

uint8_t OpCode(base::CellOp op) {
  switch (op) {
    case base::CellOp::kPut: return 0;
    case base::CellOp::kDeleteOneVersion: return 1;
    case base::CellOp::kDeleteAllVersions: return 2;
  }
  return 0;
}

class Names {
 public:
  uint64_t Index(const std::string& name) {
    auto [it, inserted] = index_.emplace(name, names_.size());
    if (inserted) names_.push_back(&it->first);
    return it->second;
  }
  const std::vector<const std::string*>& names() const { return names_; }

 private:
  std::unordered_map<std::string, uint64_t> index_;
  std::vector<const std::string*> names_;
};

void PutRow(const base::Row& row, Names* names, std::string* out) {
  PutVarint(row.primary_key.size(), out);
  for (const base::Cell& c : row.primary_key) {
    PutVarint(names->Index(c.name), out);
    PutValue(c.value ? *c.value : base::Value::Integer(0), out);
  }
  uint8_t flags = (row.delete_marker ? 1 : 0) | (row.sequence ? 2 : 0);
  out->push_back(static_cast<char>(flags));
  if (row.sequence) {
    PutZigzag(row.sequence->epoch, out);
    PutZigzag(row.sequence->timestamp, out);
    PutZigzag(row.sequence->row_index, out);
  }
  PutVarint(row.cells.size(), out);
  for (const base::Cell& c : row.cells) {
    PutVarint(names->Index(c.name), out);
    uint8_t b = OpCode(c.op) | (c.value ? 4 : 0) | (c.timestamp ? 8 : 0);
    out->push_back(static_cast<char>(b));
    if (c.value) PutValue(*c.value, out);
    if (c.timestamp) PutZigzag(*c.timestamp, out);
  }
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool ok() const { return error_.empty(); }
  bool at_end() const { return pos_ == data_.size(); }
  base::Status status() const {
    return base::DataLossError("change-log record: " + error_ + " at byte " +
                               std::to_string(error_pos_));
  }

  void Fail(const char* why) {
    if (error_.empty()) {
      error_ = why;
      error_pos_ = pos_;
    }
    pos_ = data_.size();
  }

  uint8_t Byte() {
    if (pos_ >= data_.size()) {
      Fail("truncated");
      return 0;
    }
    return static_cast<uint8_t>(data_[pos_++]);
  }

  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = Byte();
      if (!ok()) return 0;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    Fail("varint too long");
    return 0;
  }

  int64_t Zigzag() {
    uint64_t u = Varint();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }

  // A count that must fit in what remains (each item takes at least one byte).
  size_t Count() {
    uint64_t n = Varint();
    if (n > data_.size() - pos_) {
      Fail("count past the end");
      return 0;
    }
    return static_cast<size_t>(n);
  }

  std::string Bytes() {
    size_t n = Count();
    if (!ok()) return {};
    std::string s(data_.substr(pos_, n));
    pos_ += n;
    return s;
  }

  base::Value Value() {
    uint8_t type = Byte();
    switch (static_cast<base::ValueType>(type)) {
      case base::ValueType::kInteger: return base::Value::Integer(Zigzag());
      case base::ValueType::kBoolean: return base::Value::Boolean(Zigzag() != 0);
      case base::ValueType::kDouble: {
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits |= static_cast<uint64_t>(Byte()) << (8 * i);
        return base::Value::DoubleBits(bits);
      }
      case base::ValueType::kString: return base::Value::String(Bytes());
      case base::ValueType::kBinary: return base::Value::Binary(Bytes());
      case base::ValueType::kInfMin: return base::Value::InfMin();
      case base::ValueType::kInfMax: return base::Value::InfMax();
      case base::ValueType::kAutoIncrement: return base::Value::AutoIncrement();
    }
    Fail("unknown value type");
    return {};
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  std::string error_;
  size_t error_pos_ = 0;
};

bool ReadRow(Reader& r, const std::vector<std::string>& names, base::Row* row) {
  auto name = [&](std::string* out) {
    uint64_t i = r.Varint();
    if (i >= names.size()) {
      r.Fail("name index out of range");
      return;
    }
    *out = names[i];
  };
  size_t keys = r.Count();
  for (size_t i = 0; i < keys && r.ok(); ++i) {
    base::Cell c;
    name(&c.name);
    c.value = r.Value();
    row->primary_key.push_back(std::move(c));
  }
  uint8_t flags = r.Byte();
  row->delete_marker = (flags & 1) != 0;
  if (flags & 2) {
    base::SequenceInfo seq;
    seq.epoch = static_cast<int32_t>(r.Zigzag());
    seq.timestamp = r.Zigzag();
    seq.row_index = static_cast<int32_t>(r.Zigzag());
    row->sequence = seq;
  }
  size_t cells = r.Count();
  for (size_t i = 0; i < cells && r.ok(); ++i) {
    base::Cell c;
    name(&c.name);
    uint8_t b = r.Byte();
    switch (b & 3) {
      case 0: c.op = base::CellOp::kPut; break;
      case 1: c.op = base::CellOp::kDeleteOneVersion; break;
      case 2: c.op = base::CellOp::kDeleteAllVersions; break;
      default: r.Fail("unknown cell op");
    }
    if (b & 4) c.value = r.Value();
    if (b & 8) c.timestamp = r.Zigzag();
    row->cells.push_back(std::move(c));
  }
  return r.ok();
}

}  // namespace

void EncodeChanges(const std::vector<base::RowChange>& changes, std::string* out) {
  Names names;
  std::string body;
  PutVarint(changes.size(), &body);
  for (const base::RowChange& change : changes) {
    body.push_back(static_cast<char>(change.action));
    PutRow(change.row, &names, &body);
  }
  out->clear();
  out->push_back(static_cast<char>(kFormat));
  PutVarint(names.names().size(), out);
  for (const std::string* n : names.names()) PutBytes(*n, out);
  out->append(body);
}

base::Result<std::vector<base::RowChange>> DecodeChanges(std::string_view data) {
  Reader r(data);
  if (r.Byte() != kFormat) r.Fail("unknown format");
  std::vector<std::string> names(r.Count());
  for (std::string& n : names) n = r.Bytes();
  std::vector<base::RowChange> changes(r.Count());
  for (base::RowChange& change : changes) {
    if (!r.ok()) break;
    uint8_t action = r.Byte();
    if (action < 1 || action > 3) r.Fail("unknown action");
    change.action = static_cast<base::ActionType>(action);
    ReadRow(r, names, &change.row);
  }
  if (r.ok() && !r.at_end()) r.Fail("trailing bytes");
  if (!r.ok()) return r.status();
  return changes;
}

std::string EncodeKey(const base::Row& row) {
  std::string out;
  for (const base::Cell& c : row.primary_key) {
    PutValue(c.value ? *c.value : base::Value::Integer(0), &out);
  }
  return out;
}

}  // namespace tablestore::storage
