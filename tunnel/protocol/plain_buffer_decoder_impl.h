#pragma once

// The PlainBuffer decoder (docs/tunnel-protocol.md §8.8), a template over how a cell's
// checksum is computed. Included only by plain_buffer_decoder.cc (CRC tables, any CPU) and
// plain_buffer_decoder_clmul.cc (carry-less multiply, compiled with -mpclmul): everything
// here has internal linkage, so each of the two gets its own copy compiled for its
// instruction set and the linker never mixes them.
//
// One forward pass over the bytes with a raw cursor: every read is preceded by a bounds
// check against the end of the input (lengths are compared with the remaining byte count,
// never added to a pointer first), checksums are verified while reading, and decoded rows
// reuse the caller's allocations where they can.

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "tunnel/protocol/plain_buffer.h"
#include "tunnel/protocol/plain_buffer_internal.h"

namespace tablestore::tunnel {
namespace {  // NOLINT(build/namespaces): one private copy per including file, see above

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

// Copies `n` bytes into *s, reusing its capacity. A recycled string of the same length
// (fixed-width values: keys, hashes) is overwritten with a plain copy; otherwise clear() +
// append() is cheaper than assign(), which must handle a source aliasing the string; a
// string too small for `n` and still empty (the cells of a fresh row) is allocated at
// exactly `n`.
[[gnu::always_inline]] inline void AssignBytes(std::string* s, const uint8_t* p, size_t n) {
  const char* const c = reinterpret_cast<const char*>(p);
  if (s->size() == n) {
    if (n != 0) std::memcpy(s->data(), c, n);
  } else if (n > s->capacity() && s->empty()) {
    *s = std::string(c, n);
  } else {
    s->clear();
    s->append(c, n);
  }
}

// True when *s already holds the `n` bytes at p, `available` (>= n) bytes being readable
// there. Cell names repeat row after row, so a recycled row usually holds the right name
// already; short names are compared 16 bytes at a time instead of with a call (the string's
// buffer always has room for 16 bytes: SSO or a heap block of capacity > 15).
[[gnu::always_inline]] inline bool HoldsBytes(const std::string& s, const uint8_t* p, size_t n,
                                              size_t available) {
  if (s.size() != n) return false;
  if (n > 16 || available < 16) return std::memcmp(s.data(), p, n) == 0;
#if defined(__SSE2__)
  // One 16-byte compare; the bytes past n are masked off.
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data()));
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const unsigned equal = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, b)));
  return ((equal | (0xffffu << n)) & 0xffffu) == 0xffffu;
#else
  const auto* q = reinterpret_cast<const uint8_t*>(s.data());
  const uint64_t m0 = n >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * n)) - 1;
  const uint64_t m1 = n >= 16 ? ~uint64_t{0} : n <= 8 ? 0 : (uint64_t{1} << (8 * (n - 8))) - 1;
  return (((wire::LoadU64(q) ^ wire::LoadU64(p)) & m0) |
          ((wire::LoadU64(q + 8) ^ wire::LoadU64(p + 8)) & m1)) == 0;
#endif
}

// Makes `cell` a put cell and returns its value to fill (engaged, reusing its string).
[[gnu::always_inline]] inline Value* PutValue(Cell* cell) {
  cell->op = CellOp::kPut;
  return cell->value ? &*cell->value : &cell->value.emplace();
}

// Sets *v to an INTEGER (the bits), DOUBLE (the bits) or BOOLEAN (0 or 1).
[[gnu::always_inline]] inline void SetFixedValue(ValueType type, uint64_t bits, Value* v) {
  v->type = type;
  if (type == ValueType::kDouble) {
    std::memcpy(&v->dbl, &bits, sizeof bits);
    v->integer = 0;
  } else {
    v->integer = static_cast<int64_t>(bits);
    v->dbl = 0;
  }
  v->bytes.clear();
}

// Sets *v to a STRING or BLOB of the `n` bytes at `bytes`.
[[gnu::always_inline]] inline void SetBytesValue(ValueType type, const uint8_t* bytes, size_t n,
                                                 Value* v) {
  v->type = type;
  AssignBytes(&v->bytes, bytes, n);
  v->integer = 0;
  v->dbl = 0;
}

// Single-use cursor over one buffer. Thread-compatible. `Crc::Cell(spans)` computes a
// cell's checksum (CellCrcTable or the carry-less multiply version);
// `Crc::PutCell<kHasTimestamp>(spans)` the same for a cell without a cell type that has a
// timestamp exactly when kHasTimestamp (the usual attribute and key cells).
//
// The row and cell readers work on a local cursor `p` (passed by reference into functions
// that are always inlined) rather than on the member: the decoder writes bytes into
// strings, and a char store may alias any member, which would force the compiler to reload
// and store a member cursor around every such write.
template <class Crc>
class Decoder {
 public:
  Decoder(std::string_view bytes, PlainBufferContext context)
      : begin_(reinterpret_cast<const uint8_t*>(bytes.data())),
        p_(begin_),
        end_(begin_ + bytes.size()),
        context_(context) {}

  [[gnu::always_inline]] inline bool ReadHeader();
  // Reads one row starting at the cursor into *row (reusing its vectors and strings).
  bool ReadRow(Row* row);
  bool AtEnd() const { return p_ == end_; }
  uint8_t Peek() const { return *p_; }  // REQUIRES: !AtEnd()
  // Error for what follows the last row: more rows where one is allowed, or junk.
  Status AfterLastRow() const;
  // True when every attribute cell read so far was a put cell with a value and a timestamp
  // (false negatives allowed: a cell of another shape, or an unusual encoding, makes it
  // false).
  bool AllCellsWerePuts() const { return !general_attribute_cell_; }
  // The error of the reader that returned false (once).
  Status TakeError() const { return std::move(error_); }

 private:
  // Inlined into ReadRow's two loops, specialised for key and attribute cells. `p` is the
  // cursor, at TAG_CELL; on success it is past the cell.
  // Reads the cells at `p` into *cells, reusing its elements, and folds each cell's
  // checksum into *row_crc.
  [[gnu::always_inline]] inline bool ReadCells(bool primary_key, const uint8_t*& p,
                                               const uint8_t* end, std::vector<Cell>* cells,
                                               uint8_t* row_crc) const;
  // Also folds the cell's stored checksum into `row_crc`.
  [[gnu::always_inline]] inline bool ReadCell(bool primary_key, const uint8_t*& p,
                                              const uint8_t* end, Cell* cell,
                                              uint8_t& row_crc) const;
  // Ends a one-step cell whose value (type byte first, `value_len` bytes, already decoded)
  // is at `value`: the timestamp (attribute) and the checksum follow it, known to be there.
  // Moves `p` past the cell.
  [[gnu::always_inline]] inline bool FinishOneStepCell(bool primary_key, const uint8_t* value,
                                                       uint32_t value_len, const uint8_t*& p,
                                                       Cell* cell, wire::CellSpans& spans,
                                                       uint8_t& row_crc) const;
  // At TAG_CELL_CHECKSUM (and its byte, known to be there): compares the stored checksum with
  // `crc`, folds it into `row_crc` and moves `p` past it.
  [[gnu::always_inline]] inline bool CheckCellChecksum(const uint8_t*& p, uint8_t crc, Cell* cell,
                                                       uint8_t& row_crc) const;
  [[gnu::always_inline]] inline bool ReadCellTail(bool primary_key, const uint8_t*& p,
                                                  const uint8_t* end, Cell* cell,
                                                  wire::CellSpans* spans) const;
  // Reads the value at `p`, `value_len` bytes that are known to be in the buffer. Does not
  // move `p`.
  [[gnu::always_inline]] inline bool ReadValue(bool primary_key, const uint8_t* p,
                                               const uint8_t* end, const uint8_t* len_pos,
                                               uint32_t value_len, Value* v) const;
  [[gnu::cold, gnu::noinline]] bool ValueLengthMismatch(const uint8_t* len_pos, uint32_t value_len,
                                                        uint8_t type, uint64_t expected) const;
  [[gnu::cold, gnu::noinline]] bool ValueTypeNotAllowed(const uint8_t* at, uint8_t type,
                                                        const char* where) const;
  // Reads the extension at `p` (TAG_EXTENSION); on success *next is past it. Out of line:
  // `p` is a copy so that the caller's cursor stays in a register.
  bool ReadExtension(const uint8_t* p, const uint8_t** next, Row* row) const;

  size_t Remaining(const uint8_t* p) const { return static_cast<size_t>(end_ - p); }
  size_t Offset(const uint8_t* p) const { return static_cast<size_t>(p - begin_); }

  // The error helpers below record "PlainBuffer: <what> at offset <n>[ (<detail>)]" as the
  // decoder's error and return false, for `return Error(...)` in the readers.
  [[gnu::cold, gnu::noinline]] bool Error(const uint8_t* at, const std::string& what,
                                          const std::string& detail = "") const {
    std::string msg = "PlainBuffer: " + what + " at offset " + std::to_string(Offset(at));
    if (!detail.empty()) msg += " (" + detail + ")";
    error_ = base::DataLossError(std::move(msg));
    return false;
  }
  [[gnu::cold, gnu::noinline]] bool Truncated(const uint8_t* at, const char* field,
                                              size_t need) const {
    return Error(
        at, "truncated input: " + std::string(field) + " missing",
        "needs " + std::to_string(need) + " byte(s), " + std::to_string(Remaining(at)) + " left");
  }
  [[gnu::cold, gnu::noinline]] bool UnexpectedTag(const uint8_t* at, const char* expected,
                                                  uint8_t tag) const {
    return Error(at, std::string("unexpected tag ") + Hex8(*at),
                 std::string("expected ") + expected + " " + Hex8(tag));
  }
  [[gnu::cold, gnu::noinline]] bool LengthOutOfRange(const char* field, const uint8_t* at,
                                                     uint64_t len, size_t available) const {
    return Error(at, std::string(field) + " " + std::to_string(len) + " out of range",
                 "only " + std::to_string(available) + " byte(s) remain");
  }
  [[gnu::cold, gnu::noinline]] bool ChecksumMismatch(const char* what, const uint8_t* at,
                                                     uint8_t stored, uint8_t computed) const {
    return Error(at, std::string(what) + " checksum mismatch",
                 "stored " + Hex8(stored) + ", computed " + Hex8(computed));
  }

  const uint8_t* const begin_;
  const uint8_t* p_;
  const uint8_t* const end_;
  const PlainBufferContext context_;
  // Set by the error helpers. The readers return bool rather than Status: a Status on the
  // hot path costs a destructor call per cell, which also spills the registers around it.
  mutable Status error_;
  // Set when an attribute cell took the general path (the one-step paths read put cells
  // with a value and a timestamp only).
  mutable bool general_attribute_cell_ = false;
};

template <class Crc>
bool Decoder<Crc>::ReadHeader() {
  if (Remaining(p_) < 4) return Truncated(p_, "header", 4);
  const uint32_t header = wire::LoadU32(p_);
  if (header != wire::kHeader) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "found 0x%08" PRIx32 ", expected 0x%08" PRIx32, header,
                  wire::kHeader);
    return Error(p_, "bad header", buf);
  }
  p_ += 4;
  if (AtEnd()) return Error(p_, "no row after the header");
  return true;
}

template <class Crc>
bool Decoder<Crc>::ReadRow(Row* row) {
  const uint8_t* p = p_;
  const uint8_t* const end = end_;
  const uint8_t* const row_start = p;
  if (p == end) return Truncated(p, "TAG_ROW_PK", 1);
  if (*p != wire::kTagRowPk) return UnexpectedTag(p, "TAG_ROW_PK", wire::kTagRowPk);
  ++p;
  uint8_t row_crc = 0;

  if (!ReadCells(/*primary_key=*/true, p, end, &row->primary_key, &row_crc)) return false;
  // After the key cells the cursor is not at a TAG_CELL, so without TAG_ROW_DATA this
  // reads no cell and empties `cells`.
  if (p != end && *p == wire::kTagRowData) ++p;
  if (!ReadCells(/*primary_key=*/false, p, end, &row->cells, &row_crc)) return false;

  row->delete_marker = false;
  if (p != end && *p == wire::kTagDeleteRowMarker) {
    ++p;
    row->delete_marker = true;
  }
  row_crc = wire::Crc8ByteInline(row_crc, row->delete_marker ? 1 : 0);

  if (static_cast<size_t>(end - p) >= 5 + wire::kSeqInfoExtLen && p[0] == wire::kTagExtension &&
      wire::LoadU32(p + 1) == wire::kSeqInfoExtLen && p[5] == wire::kTagSeqInfo &&
      wire::LoadU32(p + 6) == wire::kSeqInfoLen && p[10] == wire::kTagSeqInfoEpoch &&
      p[15] == wire::kTagSeqInfoTs && p[24] == wire::kTagSeqInfoRowIndex) [[likely]] {
    // The usual extension, one sequence-info item, read at once (ReadExtension reads any).
    base::SequenceInfo& seq = row->sequence.emplace();
    seq.epoch = static_cast<int32_t>(wire::LoadU32(p + 11));
    seq.timestamp = static_cast<int64_t>(wire::LoadU64(p + 16));
    seq.row_index = static_cast<int32_t>(wire::LoadU32(p + 25));
    p += 5 + wire::kSeqInfoExtLen;
  } else {
    row->sequence.reset();
    if (p != end && *p == wire::kTagExtension) {
      const uint8_t* next = nullptr;
      if (!ReadExtension(p, &next, row)) return false;
      p = next;
    }
  }

  if (p == end) return Truncated(p, "TAG_ROW_CHECKSUM", 2);
  if (*p != wire::kTagRowChecksum) {
    return UnexpectedTag(p, "TAG_ROW_CHECKSUM", wire::kTagRowChecksum);
  }
  const uint8_t* const tag = p++;
  if (p == end) return Truncated(p, "row checksum", 1);
  const uint8_t stored = *p++;
  if (stored != row_crc) return ChecksumMismatch("row", tag, stored, row_crc);
  row->checksum = stored;
  if (row->primary_key.empty() && context_ == PlainBufferContext::kRecord) {
    return Error(row_start, "empty primary key in a record");
  }
  p_ = p;
  return true;
}

template <class Crc>
bool Decoder<Crc>::ReadCells(bool primary_key, const uint8_t*& p, const uint8_t* end,
                             std::vector<Cell>* cells, uint8_t* row_crc) const {
  // Cells are decoded into the vector's existing elements first (`have` of them). The
  // element pointer is kept in a local: the vector's own would be reloaded after every
  // string write (a char store may alias it).
  size_t n = 0;
  size_t have = cells->size();
  Cell* data = cells->data();
  uint8_t crc = *row_crc;
  while (p != end && *p == wire::kTagCell) {
    if (n == have) {
      cells->emplace_back();
      ++have;
      data = cells->data();
    }
    if (!ReadCell(primary_key, p, end, &data[n++], crc)) return false;
  }
  *row_crc = crc;
  if (n != have) cells->resize(n);
  return true;
}

template <class Crc>
bool Decoder<Crc>::ReadCell(bool primary_key, const uint8_t*& p, const uint8_t* end, Cell* cell,
                            uint8_t& row_crc) const {
  const uint8_t* const cell_start = p;
  ++p;  // TAG_CELL, checked by the caller

  // TAG_CELL_NAME and the name length together.
  if (static_cast<size_t>(end - p) < 5 || *p != wire::kTagCellName) [[unlikely]] {
    if (p == end) return Truncated(p, "TAG_CELL_NAME", 1);
    if (*p != wire::kTagCellName) return UnexpectedTag(p, "TAG_CELL_NAME", wire::kTagCellName);
    return Truncated(p + 1, "cell name length", 4);
  }
  p += 5;
  const uint32_t name_len = wire::LoadU32(p - 4);
  const size_t after_len = static_cast<size_t>(end - p);
  if (name_len > after_len) return LengthOutOfRange("cell name length", p - 4, name_len, after_len);
  if (!HoldsBytes(cell->name, p, name_len, after_len)) AssignBytes(&cell->name, p, name_len);
  // The checksummed bytes (§8.4) are four spans of the wire: name, value (type byte and
  // payload, not value_len), timestamp, cell type; folded together once the cell is read.
  wire::CellSpans spans;
  spans.name = p;
  spans.name_len = name_len;
  p += name_len;

  // The usual fixed-width cells in one step: an attribute put cell with an INTEGER, DOUBLE
  // or BOOLEAN value then timestamp and checksum, or a key cell with an INTEGER then the
  // checksum. Anything else, malformed bytes included, takes the general path below.
  if (!primary_key) {
    if (static_cast<size_t>(end - p) >= 25 && p[0] == wire::kTagCellValue &&
        wire::LoadU32(p + 1) == 9 && (p[5] == wire::kVtInteger || p[5] == wire::kVtDouble) &&
        p[14] == wire::kTagCellTimestamp && p[23] == wire::kTagCellChecksum) {
      SetFixedValue(p[5] == wire::kVtInteger ? ValueType::kInteger : ValueType::kDouble,
                    wire::LoadU64(p + 6), PutValue(cell));
      return FinishOneStepCell(primary_key, p + 5, 9, p, cell, spans, row_crc);
    }
    if (static_cast<size_t>(end - p) >= 18 && p[0] == wire::kTagCellValue &&
        wire::LoadU32(p + 1) == 2 && p[5] == wire::kVtBoolean && p[7] == wire::kTagCellTimestamp &&
        p[16] == wire::kTagCellChecksum) {
      // Any non-zero byte is true (§8.1).
      SetFixedValue(ValueType::kBoolean, p[6] != 0 ? 1 : 0, PutValue(cell));
      return FinishOneStepCell(primary_key, p + 5, 2, p, cell, spans, row_crc);
    }
  } else if (static_cast<size_t>(end - p) >= 16 && p[0] == wire::kTagCellValue &&
             wire::LoadU32(p + 1) == 9 && p[5] == wire::kVtInteger &&
             p[14] == wire::kTagCellChecksum) {
    SetFixedValue(ValueType::kInteger, wire::LoadU64(p + 6), PutValue(cell));
    return FinishOneStepCell(primary_key, p + 5, 9, p, cell, spans, row_crc);
  }
  // And a STRING or BLOB cell, attribute or key, whose lengths agree (value_len covers the
  // type byte, the 4-byte length and the bytes).
  if (static_cast<size_t>(end - p) >= 10 && p[0] == wire::kTagCellValue &&
      (p[5] == wire::kVtString || p[5] == wire::kVtBlob)) {
    const uint32_t value_len = wire::LoadU32(p + 1);
    const size_t tail = primary_key ? 2 : 11;  // the checksum; or timestamp and checksum
    if (value_len >= 5 && wire::LoadU32(p + 6) == value_len - 5 &&
        static_cast<size_t>(end - p) - 5 >= size_t{value_len} + tail) {
      const uint8_t* const after = p + 5 + value_len;
      if (primary_key ? after[0] == wire::kTagCellChecksum
                      : after[0] == wire::kTagCellTimestamp && after[9] == wire::kTagCellChecksum) {
        SetBytesValue(p[5] == wire::kVtString ? ValueType::kString : ValueType::kBinary, p + 10,
                      value_len - 5, PutValue(cell));
        return FinishOneStepCell(primary_key, p + 5, value_len, p, cell, spans, row_crc);
      }
    }
  }

  if (!primary_key) general_attribute_cell_ = true;
  if (p != end && *p == wire::kTagCellValue) {
    ++p;
    if (static_cast<size_t>(end - p) < 4) return Truncated(p, "cell value length", 4);
    const uint8_t* const len_pos = p;
    const uint32_t value_len = wire::LoadU32(p);
    p += 4;
    if (value_len > static_cast<size_t>(end - p)) {
      return LengthOutOfRange("cell value length", len_pos, value_len,
                              static_cast<size_t>(end - p));
    }
    if (!cell->value) cell->value.emplace();
    if (!ReadValue(primary_key, p, end, len_pos, value_len, &*cell->value)) return false;
    spans.value = p;
    spans.value_len = value_len;
    p += value_len;
  } else {
    cell->value.reset();
  }

  cell->op = CellOp::kPut;
  uint8_t crc;  // the cell's checksum, from its spans once they are all known
  if (!primary_key && static_cast<size_t>(end - p) >= 11 && p[0] == wire::kTagCellTimestamp &&
      p[9] == wire::kTagCellChecksum) [[likely]] {
    // The usual attribute tail, timestamp then checksum, checked at once.
    cell->timestamp = static_cast<int64_t>(wire::LoadU64(p + 1));
    spans.timestamp = p + 1;
    p += 9;
    crc = Crc::template PutCell<true>(spans);
  } else if (primary_key && static_cast<size_t>(end - p) >= 2 && p[0] == wire::kTagCellChecksum) {
    cell->timestamp.reset();  // the usual key tail: the checksum alone
    crc = Crc::template PutCell<false>(spans);
  } else {
    if (!ReadCellTail(primary_key, p, end, cell, &spans)) return false;
    crc = Crc::Cell(spans);
  }
  if (!CheckCellChecksum(p, crc, cell, row_crc)) return false;
  if (primary_key && !cell->value) return Error(cell_start, "primary-key cell without a value");
  return true;
}

template <class Crc>
bool Decoder<Crc>::FinishOneStepCell(bool primary_key, const uint8_t* value, uint32_t value_len,
                                     const uint8_t*& p, Cell* cell, wire::CellSpans& spans,
                                     uint8_t& row_crc) const {
  const uint8_t* const after = value + value_len;
  spans.value = value;
  spans.value_len = value_len;
  if (primary_key) {
    cell->timestamp.reset();
    p = after;
    return CheckCellChecksum(p, Crc::template PutCell<false>(spans), cell, row_crc);
  }
  cell->timestamp = static_cast<int64_t>(wire::LoadU64(after + 1));
  spans.timestamp = after + 1;
  p = after + 9;
  return CheckCellChecksum(p, Crc::template PutCell<true>(spans), cell, row_crc);
}

template <class Crc>
bool Decoder<Crc>::CheckCellChecksum(const uint8_t*& p, uint8_t crc, Cell* cell,
                                     uint8_t& row_crc) const {
  const uint8_t stored = p[1];
  // The row checksum folds the stored byte, read from the wire, rather than the computed
  // one: the row's running CRC then never waits for the cell's.
  row_crc = wire::Crc8ByteInline(row_crc, stored);
  if (stored != crc) return ChecksumMismatch("cell", p, stored, crc);
  p += 2;
  cell->checksum = stored;
  return true;
}

// Everything between the value and the cell checksum, in the general case: an optional
// cell type (which attribute cells only may carry), an optional timestamp, then
// TAG_CELL_CHECKSUM with its byte, at which `p` stops.
template <class Crc>
bool Decoder<Crc>::ReadCellTail(bool primary_key, const uint8_t*& p, const uint8_t* end, Cell* cell,
                                wire::CellSpans* spans) const {
  bool has_type = false;
  uint8_t cell_type = 0;
  if (p != end && *p == wire::kTagCellType) {
    if (primary_key) return Error(p, "TAG_CELL_TYPE in a primary-key cell");
    ++p;
    if (p == end) return Truncated(p, "cell type", 1);
    cell_type = *p;
    if (cell_type == wire::kCellDeleteAllVersions) {
      cell->op = CellOp::kDeleteAllVersions;
    } else if (cell_type == wire::kCellDeleteOneVersion) {
      cell->op = CellOp::kDeleteOneVersion;
    } else {
      return Error(p, "unknown cell type " + Hex8(cell_type));
    }
    has_type = true;
    ++p;
  }

  if (p != end && *p == wire::kTagCellTimestamp) {
    if (primary_key) return Error(p, "TAG_CELL_TIMESTAMP in a primary-key cell");
    ++p;
    if (static_cast<size_t>(end - p) < 8) return Truncated(p, "cell timestamp", 8);
    cell->timestamp = static_cast<int64_t>(wire::LoadU64(p));
    spans->timestamp = p;  // checksummed before the cell type (§8.4)
    p += 8;
  } else {
    cell->timestamp.reset();
  }
  if (has_type) spans->cell_type = cell_type;

  if (static_cast<size_t>(end - p) < 2 || *p != wire::kTagCellChecksum) {
    if (p == end) return Truncated(p, "TAG_CELL_CHECKSUM", 2);
    if (*p != wire::kTagCellChecksum) {
      return UnexpectedTag(p, "TAG_CELL_CHECKSUM", wire::kTagCellChecksum);
    }
    return Truncated(p + 1, "cell checksum", 1);
  }
  return true;
}

template <class Crc>
bool Decoder<Crc>::ValueLengthMismatch(const uint8_t* len_pos, uint32_t value_len, uint8_t type,
                                       uint64_t expected) const {
  return Error(len_pos,
               "cell value length " + std::to_string(value_len) + " does not match its " +
                   ValueTypeWireName(type) + " payload",
               "expected " + std::to_string(expected));
}

template <class Crc>
bool Decoder<Crc>::ValueTypeNotAllowed(const uint8_t* at, uint8_t type, const char* where) const {
  return Error(at,
               std::string("value type ") + ValueTypeWireName(type) + " not allowed in " + where);
}

template <class Crc>
bool Decoder<Crc>::ReadValue(bool primary_key, const uint8_t* p, const uint8_t* end,
                             const uint8_t* len_pos, uint32_t value_len, Value* v) const {
  if (value_len == 0) return Error(len_pos, "cell value length 0 (no type byte)");
  const uint8_t type = *p;
  const uint8_t* const q = p + 1;
  const uint32_t payload = value_len - 1;
  switch (type) {
    case wire::kVtInteger: {
      if (payload != 8) return ValueLengthMismatch(len_pos, value_len, type, 9);
      SetFixedValue(ValueType::kInteger, wire::LoadU64(q), v);
      return true;
    }
    case wire::kVtDouble: {
      if (primary_key) return ValueTypeNotAllowed(p, type, "a primary key");
      if (payload != 8) return ValueLengthMismatch(len_pos, value_len, type, 9);
      SetFixedValue(ValueType::kDouble, wire::LoadU64(q), v);
      return true;
    }
    case wire::kVtBoolean:
      if (primary_key) return ValueTypeNotAllowed(p, type, "a primary key");
      if (payload != 1) return ValueLengthMismatch(len_pos, value_len, type, 2);
      SetFixedValue(ValueType::kBoolean, *q != 0 ? 1 : 0, v);  // any non-zero byte (§8.1)
      return true;
    case wire::kVtString:
    case wire::kVtBlob: {
      if (static_cast<size_t>(end - q) < 4)
        return Error(q, "truncated input: string/blob length missing");
      if (payload < 4) return ValueLengthMismatch(len_pos, value_len, type, 5);
      const uint32_t len = wire::LoadU32(q);
      const size_t available = static_cast<size_t>(end - q) - 4;
      if (len > available) {
        return LengthOutOfRange(type == wire::kVtString ? "string length" : "blob length", q, len,
                                available);
      }
      if (payload - 4 != len)
        return ValueLengthMismatch(len_pos, value_len, type, uint64_t{5} + len);
      SetBytesValue(type == wire::kVtString ? ValueType::kString : ValueType::kBinary, q + 4, len,
                    v);
      return true;
    }
    case wire::kVtInfMin:
    case wire::kVtInfMax:
    case wire::kVtAutoIncrement:
      if (!primary_key) return ValueTypeNotAllowed(p, type, "an attribute cell");
      if (context_ != PlainBufferContext::kRequest)
        return ValueTypeNotAllowed(p, type, "a tunnel record");
      if (payload != 0) return ValueLengthMismatch(len_pos, value_len, type, 1);
      v->type = type == wire::kVtInfMin   ? ValueType::kInfMin
                : type == wire::kVtInfMax ? ValueType::kInfMax
                                          : ValueType::kAutoIncrement;
      v->integer = 0;
      v->dbl = 0;
      v->bytes.clear();
      return true;
    case wire::kVtNull:
      return Error(p, "reserved value type NULL (0x06)");
    default:
      return Error(p, "unknown value type " + Hex8(type));
  }
}

template <class Crc>
bool Decoder<Crc>::ReadExtension(const uint8_t* p, const uint8_t** next, Row* row) const {
  ++p;  // TAG_EXTENSION
  if (Remaining(p) < 4) return Truncated(p, "extension length", 4);
  const uint8_t* const len_pos = p;
  const uint32_t ext_len = wire::LoadU32(p);
  p += 4;
  if (ext_len > Remaining(p))
    return LengthOutOfRange("extension length", len_pos, ext_len, Remaining(p));
  if (ext_len == 0) return Error(len_pos, "extension without items");
  const uint8_t* const ext_end = p + ext_len;
  while (p != ext_end) {
    const uint8_t* const item = p;
    if (ext_end - p < 5) {
      return Error(
          item, "extension item header runs past the extension length " + std::to_string(ext_len));
    }
    const uint8_t tag = p[0];
    const uint32_t item_len = wire::LoadU32(p + 1);
    p += 5;
    if (item_len > static_cast<size_t>(ext_end - p)) {
      return LengthOutOfRange("extension item length", item + 1, item_len,
                              static_cast<size_t>(ext_end - p));
    }
    if (tag == wire::kTagSeqInfo) {
      if (row->sequence) return Error(item, "duplicate sequence info");
      if (item_len != wire::kSeqInfoLen) {
        return Error(item + 1, "sequence info length " + std::to_string(item_len), "expected 19");
      }
      if (p[0] != wire::kTagSeqInfoEpoch) {
        return Error(p, "unexpected tag in sequence info",
                     "expected TAG_SEQ_INFO_EPOCH 0x0d, found " + Hex8(p[0]));
      }
      if (p[5] != wire::kTagSeqInfoTs) {
        return Error(p + 5, "unexpected tag in sequence info",
                     "expected TAG_SEQ_INFO_TS 0x0e, found " + Hex8(p[5]));
      }
      if (p[14] != wire::kTagSeqInfoRowIndex) {
        return Error(p + 14, "unexpected tag in sequence info",
                     "expected TAG_SEQ_INFO_ROW_INDEX 0x0f, found " + Hex8(p[14]));
      }
      base::SequenceInfo& seq = row->sequence.emplace();
      seq.epoch = static_cast<int32_t>(wire::LoadU32(p + 1));
      seq.timestamp = static_cast<int64_t>(wire::LoadU64(p + 6));
      seq.row_index = static_cast<int32_t>(wire::LoadU32(p + 15));
    }
    // Any other item is skipped by its length (forward compatibility, §8.2).
    p += item_len;
  }
  *next = p;
  return true;
}

template <class Crc>
Status Decoder<Crc>::AfterLastRow() const {
  if (*p_ == wire::kTagRowPk) {
    Error(p_, "more than one row where exactly one is allowed");
  } else {
    Error(p_, "trailing bytes after the row", std::to_string(Remaining(p_)) + " byte(s)");
  }
  return TakeError();
}

template <class Crc>
base::Result<std::vector<Row>> DecodeRowsWith(std::string_view bytes, PlainBufferContext context) {
  Decoder<Crc> d(bytes, context);
  if (!d.ReadHeader()) return d.TakeError();
  std::vector<Row> rows;
  rows.emplace_back();
  if (!d.ReadRow(&rows.back())) return d.TakeError();
  while (!d.AtEnd()) {
    if (context != PlainBufferContext::kRequest || d.Peek() != plain_buffer::kTagRowPk) {
      return d.AfterLastRow();
    }
    rows.emplace_back();
    if (!d.ReadRow(&rows.back())) return d.TakeError();
  }
  return rows;
}

template <class Crc>
base::Status DecodeOneRowWith(std::string_view bytes, PlainBufferContext context, Row* row,
                              bool* all_puts) {
  Decoder<Crc> d(bytes, context);
  if (!d.ReadHeader() || !d.ReadRow(row)) return d.TakeError();
  if (!d.AtEnd()) return d.AfterLastRow();
  if (all_puts != nullptr) *all_puts = d.AllCellsWerePuts();
  return Status();
}

}  // namespace
}  // namespace tablestore::tunnel
