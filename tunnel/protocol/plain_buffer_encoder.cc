// PlainBuffer encoding (docs/tunnel-protocol.md §8.2), checksums per §8.4 and §8.5.

#include <string>

#include "tunnel/protocol/crc8.h"
#include "tunnel/protocol/plain_buffer.h"
#include "tunnel/protocol/plain_buffer_internal.h"

namespace tablestore::tunnel {
namespace {

using base::Cell;
using base::CellOp;
using base::Row;
using base::Value;
using base::ValueType;
namespace wire = plain_buffer;

uint8_t WireValueType(ValueType t) {
  switch (t) {
    case ValueType::kInteger: return wire::kVtInteger;
    case ValueType::kDouble: return wire::kVtDouble;
    case ValueType::kBoolean: return wire::kVtBoolean;
    case ValueType::kString: return wire::kVtString;
    case ValueType::kBinary: return wire::kVtBlob;
    case ValueType::kInfMin: return wire::kVtInfMin;
    case ValueType::kInfMax: return wire::kVtInfMax;
    case ValueType::kAutoIncrement: return wire::kVtAutoIncrement;
  }
  return wire::kVtNull;
}

// value_len: the type byte plus the payload (§8.2).
uint32_t WireValueLen(const Value& v) {
  switch (v.type) {
    case ValueType::kInteger:
    case ValueType::kDouble: return 9;
    case ValueType::kBoolean: return 2;
    case ValueType::kString:
    case ValueType::kBinary: return 5 + static_cast<uint32_t>(v.bytes.size());
    default: return 1;
  }
}

uint8_t WireCellType(CellOp op) {
  return op == CellOp::kDeleteAllVersions ? wire::kCellDeleteAllVersions
                                          : wire::kCellDeleteOneVersion;
}

uint8_t ValueCrc(uint8_t crc, const Value& v) {
  crc = Crc8Byte(crc, WireValueType(v.type));
  switch (v.type) {
    case ValueType::kInteger: return Crc8Int64(crc, static_cast<uint64_t>(v.integer));
    case ValueType::kDouble: return Crc8Int64(crc, v.double_bits());
    case ValueType::kBoolean: return Crc8Byte(crc, v.boolean() ? 1 : 0);
    case ValueType::kString:
    case ValueType::kBinary:
      crc = Crc8Int32(crc, static_cast<uint32_t>(v.bytes.size()));
      return Crc8(crc, v.bytes.data(), v.bytes.size());
    default: return crc;
  }
}

void AppendValue(const Value& v, std::string* out) {
  out->push_back(static_cast<char>(WireValueType(v.type)));
  switch (v.type) {
    case ValueType::kInteger: wire::AppendU64(out, static_cast<uint64_t>(v.integer)); break;
    case ValueType::kDouble: wire::AppendU64(out, v.double_bits()); break;
    case ValueType::kBoolean: out->push_back(v.boolean() ? 1 : 0); break;
    case ValueType::kString:
    case ValueType::kBinary:
      wire::AppendU32(out, static_cast<uint32_t>(v.bytes.size()));
      out->append(v.bytes);
      break;
    default: break;
  }
}

// Returns the cell checksum it wrote.
uint8_t AppendCell(const Cell& c, std::string* out) {
  out->push_back(wire::kTagCell);
  out->push_back(wire::kTagCellName);
  wire::AppendU32(out, static_cast<uint32_t>(c.name.size()));
  out->append(c.name);
  if (c.value) {
    out->push_back(wire::kTagCellValue);
    wire::AppendU32(out, WireValueLen(*c.value));
    AppendValue(*c.value, out);
  }
  if (c.op != CellOp::kPut) {
    out->push_back(wire::kTagCellType);
    out->push_back(static_cast<char>(WireCellType(c.op)));
  }
  if (c.timestamp) {
    out->push_back(wire::kTagCellTimestamp);
    wire::AppendU64(out, static_cast<uint64_t>(*c.timestamp));
  }
  const uint8_t crc = CellChecksum(c);
  out->push_back(wire::kTagCellChecksum);
  out->push_back(static_cast<char>(crc));
  return crc;
}

size_t EstimateRowSize(const Row& row) {
  size_t n = 32;
  for (const auto* cells : {&row.primary_key, &row.cells}) {
    for (const Cell& c : *cells) {
      n += 32 + c.name.size() + (c.value ? c.value->bytes.size() : 0);
    }
  }
  return n;
}

// A row without the header.
void AppendRow(const Row& row, std::string* out) {
  uint8_t crc = 0;
  out->push_back(wire::kTagRowPk);
  for (const Cell& c : row.primary_key) crc = Crc8Byte(crc, AppendCell(c, out));
  if (!row.cells.empty()) {
    out->push_back(wire::kTagRowData);
    for (const Cell& c : row.cells) crc = Crc8Byte(crc, AppendCell(c, out));
  }
  if (row.delete_marker) out->push_back(wire::kTagDeleteRowMarker);
  crc = Crc8Byte(crc, row.delete_marker ? 1 : 0);
  if (row.sequence) {
    out->push_back(wire::kTagExtension);
    wire::AppendU32(out, wire::kSeqInfoExtLen);
    out->push_back(wire::kTagSeqInfo);
    wire::AppendU32(out, wire::kSeqInfoLen);
    out->push_back(wire::kTagSeqInfoEpoch);
    wire::AppendU32(out, static_cast<uint32_t>(row.sequence->epoch));
    out->push_back(wire::kTagSeqInfoTs);
    wire::AppendU64(out, static_cast<uint64_t>(row.sequence->timestamp));
    out->push_back(wire::kTagSeqInfoRowIndex);
    wire::AppendU32(out, static_cast<uint32_t>(row.sequence->row_index));
  }
  out->push_back(wire::kTagRowChecksum);
  out->push_back(static_cast<char>(crc));
}

}  // namespace

uint8_t CellChecksum(const Cell& cell) {
  uint8_t crc = Crc8(0, cell.name.data(), cell.name.size());
  if (cell.value) crc = ValueCrc(crc, *cell.value);
  if (cell.timestamp) crc = Crc8Int64(crc, static_cast<uint64_t>(*cell.timestamp));
  if (cell.op != CellOp::kPut) crc = Crc8Byte(crc, WireCellType(cell.op));
  return crc;
}

uint8_t RowChecksum(const Row& row) {
  uint8_t crc = 0;
  for (const Cell& c : row.primary_key) crc = Crc8Byte(crc, CellChecksum(c));
  for (const Cell& c : row.cells) crc = Crc8Byte(crc, CellChecksum(c));
  return Crc8Byte(crc, row.delete_marker ? 1 : 0);
}

std::string EncodePlainBuffer(const std::vector<Row>& rows) {
  std::string out;
  size_t estimate = 4;
  for (const Row& r : rows) estimate += EstimateRowSize(r);
  out.reserve(estimate);
  wire::AppendU32(&out, wire::kHeader);
  for (const Row& r : rows) AppendRow(r, &out);
  return out;
}

void EncodePlainBufferRow(const Row& row, std::string* out) {
  out->reserve(out->size() + 4 + EstimateRowSize(row));
  wire::AppendU32(out, wire::kHeader);
  AppendRow(row, out);
}

}  // namespace tablestore::tunnel
