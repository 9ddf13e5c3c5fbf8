#include "tablestore/base/row.h"

#include <cstdio>
#include <cstring>
#include <tuple>

namespace tablestore::base {

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kInteger: return "integer";
    case ValueType::kDouble: return "double";
    case ValueType::kBoolean: return "boolean";
    case ValueType::kString: return "string";
    case ValueType::kBinary: return "binary";
    case ValueType::kInfMin: return "inf_min";
    case ValueType::kInfMax: return "inf_max";
    case ValueType::kAutoIncrement: return "auto_increment";
  }
  return "unknown";
}

Value Value::Integer(int64_t v) {
  Value out;
  out.type = ValueType::kInteger;
  out.integer = v;
  return out;
}
Value Value::Double(double v) {
  Value out;
  out.type = ValueType::kDouble;
  out.dbl = v;
  return out;
}
Value Value::DoubleBits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return Double(d);
}
Value Value::Boolean(bool v) {
  Value out;
  out.type = ValueType::kBoolean;
  out.integer = v ? 1 : 0;
  return out;
}
Value Value::String(std::string v) {
  Value out;
  out.type = ValueType::kString;
  out.bytes = std::move(v);
  return out;
}
Value Value::Binary(std::string v) {
  Value out;
  out.type = ValueType::kBinary;
  out.bytes = std::move(v);
  return out;
}
Value Value::InfMin() {
  Value out;
  out.type = ValueType::kInfMin;
  return out;
}
Value Value::InfMax() {
  Value out;
  out.type = ValueType::kInfMax;
  return out;
}
Value Value::AutoIncrement() {
  Value out;
  out.type = ValueType::kAutoIncrement;
  return out;
}

uint64_t Value::double_bits() const {
  uint64_t bits;
  std::memcpy(&bits, &dbl, sizeof bits);
  return bits;
}

std::string Value::DebugString() const {
  std::string out(ValueTypeName(type));
  char buf[64];
  switch (type) {
    case ValueType::kInteger:
      std::snprintf(buf, sizeof buf, "(%lld)", static_cast<long long>(integer));
      out += buf;
      break;
    case ValueType::kDouble:
      std::snprintf(buf, sizeof buf, "(%.17g/0x%016llx)", dbl,
                    static_cast<unsigned long long>(double_bits()));
      out += buf;
      break;
    case ValueType::kBoolean:
      out += boolean() ? "(true)" : "(false)";
      break;
    case ValueType::kString:
      out += "(\"" + bytes + "\")";
      break;
    case ValueType::kBinary: {
      out += "(0x";
      for (unsigned char c : bytes) {
        std::snprintf(buf, sizeof buf, "%02x", c);
        out += buf;
      }
      out += ")";
      break;
    }
    default:
      break;
  }
  return out;
}

bool operator==(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case ValueType::kInteger:
    case ValueType::kBoolean:
      return a.integer == b.integer;
    case ValueType::kDouble:
      return a.double_bits() == b.double_bits();
    case ValueType::kString:
    case ValueType::kBinary:
      return a.bytes == b.bytes;
    default:
      return true;
  }
}

std::string_view CellOpName(CellOp op) {
  switch (op) {
    case CellOp::kPut: return "put";
    case CellOp::kDeleteOneVersion: return "delete_one_version";
    case CellOp::kDeleteAllVersions: return "delete_all_versions";
  }
  return "unknown";
}

bool operator==(const Cell& a, const Cell& b) {
  return a.name == b.name && a.value == b.value && a.timestamp == b.timestamp && a.op == b.op;
}

bool operator==(const SequenceInfo& a, const SequenceInfo& b) {
  return a.epoch == b.epoch && a.timestamp == b.timestamp && a.row_index == b.row_index;
}

bool operator<(const SequenceInfo& a, const SequenceInfo& b) {
  return std::tie(a.epoch, a.timestamp, a.row_index) <
         std::tie(b.epoch, b.timestamp, b.row_index);
}

bool operator==(const Row& a, const Row& b) {
  return a.primary_key == b.primary_key && a.cells == b.cells &&
         a.delete_marker == b.delete_marker && a.sequence == b.sequence;
}

std::string_view ActionTypeName(ActionType a) {
  switch (a) {
    case ActionType::kPutRow: return "PUT_ROW";
    case ActionType::kUpdateRow: return "UPDATE_ROW";
    case ActionType::kDeleteRow: return "DELETE_ROW";
  }
  return "UNKNOWN";
}

}  // namespace tablestore::base
