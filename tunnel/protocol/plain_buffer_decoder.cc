// PlainBuffer decoding with the strict rules of docs/tunnel-protocol.md §8.8.
//
// One forward pass over the bytes with a raw cursor: every read is preceded by a bounds
// check against the end of the input (lengths are compared with the remaining byte count,
// never added to a pointer first), checksums are computed while reading, and decoded rows
// reuse the caller's allocations where they can.

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "tunnel/protocol/crc8.h"
#include "tunnel/protocol/plain_buffer.h"
#include "tunnel/protocol/plain_buffer_internal.h"

namespace tablestore::tunnel {
namespace {

using base::Cell;
using base::CellOp;
using base::Row;
using base::Status;
using base::Value;
using base::ValueType;
namespace wire = plain_buffer;

std::string Hex8(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

const char* ValueTypeWireName(uint8_t t) {
  switch (t) {
    case wire::kVtInteger:
      return "INTEGER";
    case wire::kVtDouble:
      return "DOUBLE";
    case wire::kVtBoolean:
      return "BOOLEAN";
    case wire::kVtString:
      return "STRING";
    case wire::kVtNull:
      return "NULL";
    case wire::kVtBlob:
      return "BLOB";
    case wire::kVtInfMin:
      return "INF_MIN";
    case wire::kVtInfMax:
      return "INF_MAX";
    case wire::kVtAutoIncrement:
      return "AUTO_INCREMENT";
    default:
      return "unknown";
  }
}

// Copies `n` bytes into *s, reusing its capacity. clear() + append() is cheaper than
// assign(), which must handle a source aliasing the string; a string too small for `n`
// and still empty (the cells of a fresh row) is allocated at exactly `n`.
[[gnu::always_inline]] inline void AssignBytes(std::string* s, const uint8_t* p, size_t n) {
  const char* const c = reinterpret_cast<const char*>(p);
  if (n > s->capacity() && s->empty()) {
    *s = std::string(c, n);
  } else {
    s->clear();
    s->append(c, n);
  }
}

// True when *s already holds the `n` bytes at p, `available` (>= n) bytes being readable
// there. Cell names repeat row after row, so a recycled row usually holds the right name
// already; short names are compared with two masked 8-byte loads instead of a call (the
// string's buffer always has room for 16 bytes: SSO or a heap block of capacity > 15).
[[gnu::always_inline]] inline bool HoldsBytes(const std::string& s, const uint8_t* p, size_t n,
                                              size_t available) {
  if (s.size() != n) return false;
  if (n > 16 || available < 16) return std::memcmp(s.data(), p, n) == 0;
  const auto* q = reinterpret_cast<const uint8_t*>(s.data());
  const uint64_t m0 = n >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * n)) - 1;
  const uint64_t m1 = n >= 16 ? ~uint64_t{0} : n <= 8 ? 0 : (uint64_t{1} << (8 * (n - 8))) - 1;
  return (((wire::LoadU64(q) ^ wire::LoadU64(p)) & m0) |
          ((wire::LoadU64(q + 8) ^ wire::LoadU64(p + 8)) & m1)) == 0;
}

// Single-use cursor over one buffer. Thread-compatible.
class Decoder {
 public:
  Decoder(std::string_view bytes, PlainBufferContext context)
      : begin_(reinterpret_cast<const uint8_t*>(bytes.data())),
        p_(begin_),
        end_(begin_ + bytes.size()),
        context_(context) {}

  Status ReadHeader();
  // Reads one row starting at the cursor into *row (reusing its vectors and strings).
  Status ReadRow(Row* row);
  bool AtEnd() const { return p_ == end_; }
  uint8_t Peek() const { return *p_; }  // REQUIRES: !AtEnd()
  // Error for what follows the last row: more rows where one is allowed, or junk.
  Status AfterLastRow() const;

 private:
  // Inlined into ReadRow's two loops, specialised for key and attribute cells.
  [[gnu::always_inline]] inline Status ReadCell(bool primary_key, Cell* cell);
  // Reads the value at the cursor, `value_len` bytes that are known to be in the buffer.
  // Folds the value bytes (type byte and payload) into *crc.
  [[gnu::always_inline]] inline Status ReadValue(bool primary_key, const uint8_t* len_pos,
                                                 uint32_t value_len, Value* v, uint8_t* crc);
  [[gnu::cold, gnu::noinline]] Status ValueLengthMismatch(const uint8_t* len_pos,
                                                          uint32_t value_len, uint8_t type,
                                                          uint64_t expected) const;
  [[gnu::cold, gnu::noinline]] Status ValueTypeNotAllowed(uint8_t type, const char* where) const;
  Status ReadExtension(Row* row);

  size_t Remaining() const { return static_cast<size_t>(end_ - p_); }
  size_t Offset(const uint8_t* p) const { return static_cast<size_t>(p - begin_); }

  // "PlainBuffer: <what> at offset <n>[ (<detail>)]".
  [[gnu::cold, gnu::noinline]] Status Error(const uint8_t* at, const std::string& what,
                                            const std::string& detail = "") const {
    std::string msg = "PlainBuffer: " + what + " at offset " + std::to_string(Offset(at));
    if (!detail.empty()) msg += " (" + detail + ")";
    return base::DataLossError(std::move(msg));
  }
  [[gnu::cold, gnu::noinline]] Status Truncated(const char* field, size_t need) const {
    return Error(
        p_, "truncated input: " + std::string(field) + " missing",
        "needs " + std::to_string(need) + " byte(s), " + std::to_string(Remaining()) + " left");
  }
  [[gnu::cold, gnu::noinline]] Status UnexpectedTag(const char* expected, uint8_t tag) const {
    return Error(p_, std::string("unexpected tag ") + Hex8(*p_),
                 std::string("expected ") + expected + " " + Hex8(tag));
  }
  [[gnu::cold, gnu::noinline]] Status LengthOutOfRange(const char* field, const uint8_t* at,
                                                       uint64_t len, size_t available) const {
    return Error(at, std::string(field) + " " + std::to_string(len) + " out of range",
                 "only " + std::to_string(available) + " byte(s) remain");
  }
  [[gnu::cold, gnu::noinline]] Status ChecksumMismatch(const char* what, const uint8_t* at,
                                                       uint8_t stored, uint8_t computed) const {
    return Error(at, std::string(what) + " checksum mismatch",
                 "stored " + Hex8(stored) + ", computed " + Hex8(computed));
  }

  const uint8_t* const begin_;
  const uint8_t* p_;
  const uint8_t* const end_;
  const PlainBufferContext context_;
};

Status Decoder::ReadHeader() {
  if (Remaining() < 4) return Truncated("header", 4);
  const uint32_t header = wire::LoadU32(p_);
  if (header != wire::kHeader) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "found 0x%08" PRIx32 ", expected 0x%08" PRIx32, header,
                  wire::kHeader);
    return Error(p_, "bad header", buf);
  }
  p_ += 4;
  if (AtEnd()) return Error(p_, "no row after the header");
  return Status();
}

Status Decoder::ReadRow(Row* row) {
  const uint8_t* const row_start = p_;
  if (AtEnd()) return Truncated("TAG_ROW_PK", 1);
  if (*p_ != wire::kTagRowPk) return UnexpectedTag("TAG_ROW_PK", wire::kTagRowPk);
  ++p_;
  uint8_t row_crc = 0;

  size_t n = 0;
  while (p_ != end_ && *p_ == wire::kTagCell) {
    if (n == row->primary_key.size()) row->primary_key.emplace_back();
    Cell& cell = row->primary_key[n++];
    TS_RETURN_IF_ERROR(ReadCell(/*primary_key=*/true, &cell));
    row_crc = wire::Crc8ByteInline(row_crc, cell.checksum);
  }
  row->primary_key.resize(n);

  n = 0;
  if (p_ != end_ && *p_ == wire::kTagRowData) {
    ++p_;
    while (p_ != end_ && *p_ == wire::kTagCell) {
      if (n == row->cells.size()) row->cells.emplace_back();
      Cell& cell = row->cells[n++];
      TS_RETURN_IF_ERROR(ReadCell(/*primary_key=*/false, &cell));
      row_crc = wire::Crc8ByteInline(row_crc, cell.checksum);
    }
  }
  row->cells.resize(n);

  row->delete_marker = false;
  if (p_ != end_ && *p_ == wire::kTagDeleteRowMarker) {
    ++p_;
    row->delete_marker = true;
  }
  row_crc = wire::Crc8ByteInline(row_crc, row->delete_marker ? 1 : 0);

  row->sequence.reset();
  if (p_ != end_ && *p_ == wire::kTagExtension) TS_RETURN_IF_ERROR(ReadExtension(row));

  if (AtEnd()) return Truncated("TAG_ROW_CHECKSUM", 2);
  if (*p_ != wire::kTagRowChecksum) {
    return UnexpectedTag("TAG_ROW_CHECKSUM", wire::kTagRowChecksum);
  }
  const uint8_t* const tag = p_++;
  if (AtEnd()) return Truncated("row checksum", 1);
  const uint8_t stored = *p_++;
  if (stored != row_crc) return ChecksumMismatch("row", tag, stored, row_crc);
  row->checksum = stored;
  if (row->primary_key.empty() && context_ == PlainBufferContext::kRecord) {
    return Error(row_start, "empty primary key in a record");
  }
  return Status();
}

Status Decoder::ReadCell(bool primary_key, Cell* cell) {
  const uint8_t* const cell_start = p_;
  ++p_;  // TAG_CELL, checked by the caller

  if (AtEnd()) return Truncated("TAG_CELL_NAME", 1);
  if (*p_ != wire::kTagCellName) return UnexpectedTag("TAG_CELL_NAME", wire::kTagCellName);
  ++p_;
  if (Remaining() < 4) return Truncated("cell name length", 4);
  const uint32_t name_len = wire::LoadU32(p_);
  if (name_len > Remaining() - 4) {
    return LengthOutOfRange("cell name length", p_, name_len, Remaining() - 4);
  }
  p_ += 4;
  if (!HoldsBytes(cell->name, p_, name_len, Remaining())) AssignBytes(&cell->name, p_, name_len);
  uint8_t crc = wire::Crc8Inline(0, p_, name_len);
  p_ += name_len;

  if (p_ != end_ && *p_ == wire::kTagCellValue) {
    ++p_;
    if (Remaining() < 4) return Truncated("cell value length", 4);
    const uint8_t* const len_pos = p_;
    const uint32_t value_len = wire::LoadU32(p_);
    p_ += 4;
    if (value_len > Remaining()) {
      return LengthOutOfRange("cell value length", len_pos, value_len, Remaining());
    }
    if (!cell->value) cell->value.emplace();
    // Type byte and payload are checksummed, not value_len (§8.4).
    TS_RETURN_IF_ERROR(ReadValue(primary_key, len_pos, value_len, &*cell->value, &crc));
    p_ += value_len;
  } else {
    cell->value.reset();
  }

  bool has_type = false;
  uint8_t cell_type = 0;
  cell->op = CellOp::kPut;
  if (p_ != end_ && *p_ == wire::kTagCellType) {
    if (primary_key) return Error(p_, "TAG_CELL_TYPE in a primary-key cell");
    ++p_;
    if (AtEnd()) return Truncated("cell type", 1);
    cell_type = *p_;
    if (cell_type == wire::kCellDeleteAllVersions) {
      cell->op = CellOp::kDeleteAllVersions;
    } else if (cell_type == wire::kCellDeleteOneVersion) {
      cell->op = CellOp::kDeleteOneVersion;
    } else {
      return Error(p_, "unknown cell type " + Hex8(cell_type));
    }
    has_type = true;
    ++p_;
  }

  cell->timestamp.reset();
  if (p_ != end_ && *p_ == wire::kTagCellTimestamp) {
    if (primary_key) return Error(p_, "TAG_CELL_TIMESTAMP in a primary-key cell");
    ++p_;
    if (Remaining() < 8) return Truncated("cell timestamp", 8);
    const uint64_t ts = wire::LoadU64(p_);
    cell->timestamp = static_cast<int64_t>(ts);
    crc = wire::Crc8Bytes8Inline(crc, p_);  // timestamp before cell type (§8.4)
    p_ += 8;
  }
  if (has_type) crc = wire::Crc8ByteInline(crc, cell_type);

  // Tag and checksum byte checked together; the slow path reports what exactly is wrong.
  if (Remaining() < 2 || *p_ != wire::kTagCellChecksum) [[unlikely]] {
    if (AtEnd()) return Truncated("TAG_CELL_CHECKSUM", 2);
    if (*p_ != wire::kTagCellChecksum) {
      return UnexpectedTag("TAG_CELL_CHECKSUM", wire::kTagCellChecksum);
    }
    ++p_;
    return Truncated("cell checksum", 1);
  }
  const uint8_t* const tag = p_;
  const uint8_t stored = p_[1];
  p_ += 2;
  if (stored != crc) return ChecksumMismatch("cell", tag, stored, crc);
  cell->checksum = stored;

  if (primary_key && !cell->value) return Error(cell_start, "primary-key cell without a value");
  return Status();
}

Status Decoder::ValueLengthMismatch(const uint8_t* len_pos, uint32_t value_len, uint8_t type,
                                    uint64_t expected) const {
  return Error(len_pos,
               "cell value length " + std::to_string(value_len) + " does not match its " +
                   ValueTypeWireName(type) + " payload",
               "expected " + std::to_string(expected));
}

Status Decoder::ValueTypeNotAllowed(uint8_t type, const char* where) const {
  return Error(p_,
               std::string("value type ") + ValueTypeWireName(type) + " not allowed in " + where);
}

Status Decoder::ReadValue(bool primary_key, const uint8_t* len_pos, uint32_t value_len, Value* v,
                          uint8_t* crc) {
  if (value_len == 0) return Error(len_pos, "cell value length 0 (no type byte)");
  const uint8_t type = *p_;
  const uint8_t* const q = p_ + 1;
  const uint32_t payload = value_len - 1;
  switch (type) {
    case wire::kVtInteger: {
      if (payload != 8) return ValueLengthMismatch(len_pos, value_len, type, 9);
      const uint64_t bits = wire::LoadU64(q);
      *crc = wire::Crc8Bytes8Inline(wire::Crc8ByteInline(*crc, type), q);
      v->type = ValueType::kInteger;
      v->integer = static_cast<int64_t>(bits);
      v->dbl = 0;
      v->bytes.clear();
      return Status();
    }
    case wire::kVtDouble: {
      if (primary_key) return ValueTypeNotAllowed(type, "a primary key");
      if (payload != 8) return ValueLengthMismatch(len_pos, value_len, type, 9);
      const uint64_t bits = wire::LoadU64(q);
      *crc = wire::Crc8Bytes8Inline(wire::Crc8ByteInline(*crc, type), q);
      v->type = ValueType::kDouble;
      std::memcpy(&v->dbl, &bits, sizeof bits);
      v->integer = 0;
      v->bytes.clear();
      return Status();
    }
    case wire::kVtBoolean:
      if (primary_key) return ValueTypeNotAllowed(type, "a primary key");
      if (payload != 1) return ValueLengthMismatch(len_pos, value_len, type, 2);
      *crc = wire::Crc8ByteInline(wire::Crc8ByteInline(*crc, type), *q);
      v->type = ValueType::kBoolean;
      v->integer = *q != 0 ? 1 : 0;  // any non-zero byte is true (§8.1)
      v->dbl = 0;
      v->bytes.clear();
      return Status();
    case wire::kVtString:
    case wire::kVtBlob: {
      if (static_cast<size_t>(end_ - q) < 4)
        return Error(q, "truncated input: string/blob length missing");
      if (payload < 4) return ValueLengthMismatch(len_pos, value_len, type, 5);
      const uint32_t len = wire::LoadU32(q);
      const size_t available = static_cast<size_t>(end_ - q) - 4;
      if (len > available) {
        return LengthOutOfRange(type == wire::kVtString ? "string length" : "blob length", q, len,
                                available);
      }
      if (payload - 4 != len)
        return ValueLengthMismatch(len_pos, value_len, type, uint64_t{5} + len);
      *crc =
          wire::Crc8Inline(wire::Crc8U32Inline(wire::Crc8ByteInline(*crc, type), len), q + 4, len);
      v->type = type == wire::kVtString ? ValueType::kString : ValueType::kBinary;
      AssignBytes(&v->bytes, q + 4, len);
      v->integer = 0;
      v->dbl = 0;
      return Status();
    }
    case wire::kVtInfMin:
    case wire::kVtInfMax:
    case wire::kVtAutoIncrement:
      if (!primary_key) return ValueTypeNotAllowed(type, "an attribute cell");
      if (context_ != PlainBufferContext::kRequest)
        return ValueTypeNotAllowed(type, "a tunnel record");
      if (payload != 0) return ValueLengthMismatch(len_pos, value_len, type, 1);
      *crc = wire::Crc8ByteInline(*crc, type);
      v->type = type == wire::kVtInfMin   ? ValueType::kInfMin
                : type == wire::kVtInfMax ? ValueType::kInfMax
                                          : ValueType::kAutoIncrement;
      v->integer = 0;
      v->dbl = 0;
      v->bytes.clear();
      return Status();
    case wire::kVtNull:
      return Error(p_, "reserved value type NULL (0x06)");
    default:
      return Error(p_, "unknown value type " + Hex8(type));
  }
}

Status Decoder::ReadExtension(Row* row) {
  ++p_;  // TAG_EXTENSION
  if (Remaining() < 4) return Truncated("extension length", 4);
  const uint8_t* const len_pos = p_;
  const uint32_t ext_len = wire::LoadU32(p_);
  p_ += 4;
  if (ext_len > Remaining())
    return LengthOutOfRange("extension length", len_pos, ext_len, Remaining());
  if (ext_len == 0) return Error(len_pos, "extension without items");
  const uint8_t* const ext_end = p_ + ext_len;
  while (p_ != ext_end) {
    const uint8_t* const item = p_;
    if (ext_end - p_ < 5) {
      return Error(
          item, "extension item header runs past the extension length " + std::to_string(ext_len));
    }
    const uint8_t tag = p_[0];
    const uint32_t item_len = wire::LoadU32(p_ + 1);
    p_ += 5;
    if (item_len > static_cast<size_t>(ext_end - p_)) {
      return LengthOutOfRange("extension item length", item + 1, item_len,
                              static_cast<size_t>(ext_end - p_));
    }
    if (tag == wire::kTagSeqInfo) {
      if (row->sequence) return Error(item, "duplicate sequence info");
      if (item_len != wire::kSeqInfoLen) {
        return Error(item + 1, "sequence info length " + std::to_string(item_len), "expected 19");
      }
      if (p_[0] != wire::kTagSeqInfoEpoch) {
        return Error(p_, "unexpected tag in sequence info",
                     "expected TAG_SEQ_INFO_EPOCH 0x0d, found " + Hex8(p_[0]));
      }
      if (p_[5] != wire::kTagSeqInfoTs) {
        return Error(p_ + 5, "unexpected tag in sequence info",
                     "expected TAG_SEQ_INFO_TS 0x0e, found " + Hex8(p_[5]));
      }
      if (p_[14] != wire::kTagSeqInfoRowIndex) {
        return Error(p_ + 14, "unexpected tag in sequence info",
                     "expected TAG_SEQ_INFO_ROW_INDEX 0x0f, found " + Hex8(p_[14]));
      }
      base::SequenceInfo& seq = row->sequence.emplace();
      seq.epoch = static_cast<int32_t>(wire::LoadU32(p_ + 1));
      seq.timestamp = static_cast<int64_t>(wire::LoadU64(p_ + 6));
      seq.row_index = static_cast<int32_t>(wire::LoadU32(p_ + 15));
    }
    // Any other item is skipped by its length (forward compatibility, §8.2).
    p_ += item_len;
  }
  return Status();
}

Status Decoder::AfterLastRow() const {
  if (*p_ == wire::kTagRowPk) return Error(p_, "more than one row where exactly one is allowed");
  return Error(p_, "trailing bytes after the row", std::to_string(Remaining()) + " byte(s)");
}

}  // namespace

base::Result<std::vector<Row>> DecodePlainBuffer(std::string_view bytes,
                                                 PlainBufferContext context) {
  Decoder d(bytes, context);
  TS_RETURN_IF_ERROR(d.ReadHeader());
  std::vector<Row> rows;
  rows.emplace_back();
  TS_RETURN_IF_ERROR(d.ReadRow(&rows.back()));
  while (!d.AtEnd()) {
    if (context != PlainBufferContext::kRequest || d.Peek() != plain_buffer::kTagRowPk) {
      return d.AfterLastRow();
    }
    rows.emplace_back();
    TS_RETURN_IF_ERROR(d.ReadRow(&rows.back()));
  }
  return rows;
}

base::Status DecodePlainBufferRow(std::string_view bytes, PlainBufferContext context, Row* row) {
  Decoder d(bytes, context);
  TS_RETURN_IF_ERROR(d.ReadHeader());
  TS_RETURN_IF_ERROR(d.ReadRow(row));
  if (!d.AtEnd()) return d.AfterLastRow();
  return Status();
}

}  // namespace tablestore::tunnel
