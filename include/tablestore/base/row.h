#pragma once

// The row model every layer shares: plain data, no I/O. The tunnel layer decodes PlainBuffer
// into it, the storage layer applies it to SQLite, the emulator encodes it.
// Wire facts: docs/tunnel-protocol.md §8 (PlainBuffer) and §9 (records).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tablestore::base {

// Value types of PlainBuffer (§8.1). kInfMin/kInfMax/kAutoIncrement occur only in primary
// keys of requests, never in tunnel records.
enum class ValueType : uint8_t {
  kInteger,
  kDouble,
  kBoolean,
  kString,  // UTF-8 text (bytes kept exactly, even if not valid UTF-8)
  kBinary,
  kInfMin,
  kInfMax,
  kAutoIncrement,
};

// "integer", "double", "boolean", "string", "binary", "inf_min", "inf_max",
// "auto_increment" (the names of testdata/README.md).
std::string_view ValueTypeName(ValueType type);

// One typed value. Doubles are kept bit-exactly (NaN payloads, -0.0). Thread-compatible.
struct Value {
  ValueType type = ValueType::kInteger;
  int64_t integer = 0;  // kInteger; kBoolean as 0/1
  double dbl = 0;       // kDouble
  std::string bytes;    // kString, kBinary

  static Value Integer(int64_t v);
  static Value Double(double v);
  static Value DoubleBits(uint64_t bits);
  static Value Boolean(bool v);
  static Value String(std::string v);
  static Value Binary(std::string v);
  static Value InfMin();
  static Value InfMax();
  static Value AutoIncrement();

  bool boolean() const { return integer != 0; }
  uint64_t double_bits() const;

  // Debug form, e.g. `integer(5)`, `string("a")`, `double(0x7ff8000000000000)`.
  std::string DebugString() const;
};

// Exact equality: same type, same bits (NaN equals NaN of the same bit pattern).
bool operator==(const Value& a, const Value& b);
inline bool operator!=(const Value& a, const Value& b) { return !(a == b); }

// What a cell does (§8.1 cell types; a put has no cell-type byte).
enum class CellOp : uint8_t {
  kPut,
  kDeleteOneVersion,   // wire byte 0x03
  kDeleteAllVersions,  // wire byte 0x01
};

std::string_view CellOpName(CellOp op);  // "put", "delete_one_version", "delete_all_versions"

// One PlainBuffer cell: a primary-key column (name + value) or an attribute cell.
struct Cell {
  std::string name;
  std::optional<Value> value;        // absent for delete cells
  std::optional<int64_t> timestamp;  // milliseconds; absent on primary-key cells
  CellOp op = CellOp::kPut;
  uint8_t checksum = 0;  // as decoded, or as computed by the encoder
};

bool operator==(const Cell& a, const Cell& b);  // compares name, value, timestamp, op
inline bool operator!=(const Cell& a, const Cell& b) { return !(a == b); }

// The sequence-info extension of stream records (§8.2, §9.3).
struct SequenceInfo {
  int32_t epoch = 0;
  int64_t timestamp = 0;  // microseconds since the epoch [INFERRED]
  int32_t row_index = 0;
};

bool operator==(const SequenceInfo& a, const SequenceInfo& b);
// Orders by (epoch, timestamp, row_index).
bool operator<(const SequenceInfo& a, const SequenceInfo& b);

// One PlainBuffer row.
struct Row {
  std::vector<Cell> primary_key;  // in key order
  std::vector<Cell> cells;        // attribute cells in wire order
  bool delete_marker = false;
  std::optional<SequenceInfo> sequence;
  uint8_t checksum = 0;
};

bool operator==(const Row& a, const Row& b);  // content, not checksums
inline bool operator!=(const Row& a, const Row& b) { return !(a == b); }

// Record action (protobuf ActionType values, §3.2).
enum class ActionType : uint8_t { kPutRow = 1, kUpdateRow = 2, kDeleteRow = 3 };

std::string_view ActionTypeName(ActionType a);  // "PUT_ROW", "UPDATE_ROW", "DELETE_ROW"

// One decoded tunnel record.
struct RowChange {
  ActionType action = ActionType::kPutRow;
  Row row;
  std::optional<Row> origin;  // origin_record when the service sent one
};

// One page of one channel, as handed from a reader to the applier:
// apply `changes`, then the channel's checkpoint becomes `token_out`, but only if the
// stored checkpoint equals `token_in` (docs/design.md, exactly-once rules).
struct Batch {
  std::string tunnel_id;
  std::string channel_id;
  std::string token_in;
  std::string token_out;  // "finished" when the channel ended with this page
  std::vector<RowChange> changes;
  size_t wire_bytes = 0;  // serialized size of the page, for metrics

  bool finished() const { return token_out == kFinishedToken; }
  static constexpr std::string_view kFinishedToken = "finished";
};

}  // namespace tablestore::base
