#pragma once

// Wire constants and byte helpers of PlainBuffer (docs/tunnel-protocol.md §8.1, §8.2).
// Shared by the decoder and the encoder of this folder only.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace tablestore::tunnel::plain_buffer {

inline constexpr uint32_t kHeader = 0x75;  // §8.1, bytes 75 00 00 00

// Tags (§8.1).
inline constexpr uint8_t kTagRowPk = 0x01;
inline constexpr uint8_t kTagRowData = 0x02;
inline constexpr uint8_t kTagCell = 0x03;
inline constexpr uint8_t kTagCellName = 0x04;
inline constexpr uint8_t kTagCellValue = 0x05;
inline constexpr uint8_t kTagCellType = 0x06;
inline constexpr uint8_t kTagCellTimestamp = 0x07;
inline constexpr uint8_t kTagDeleteRowMarker = 0x08;
inline constexpr uint8_t kTagRowChecksum = 0x09;
inline constexpr uint8_t kTagCellChecksum = 0x0A;
inline constexpr uint8_t kTagExtension = 0x0B;
inline constexpr uint8_t kTagSeqInfo = 0x0C;
inline constexpr uint8_t kTagSeqInfoEpoch = 0x0D;
inline constexpr uint8_t kTagSeqInfoTs = 0x0E;
inline constexpr uint8_t kTagSeqInfoRowIndex = 0x0F;

// Value types, the first byte of a cell value (§8.1).
inline constexpr uint8_t kVtInteger = 0x00;
inline constexpr uint8_t kVtDouble = 0x01;
inline constexpr uint8_t kVtBoolean = 0x02;
inline constexpr uint8_t kVtString = 0x03;
inline constexpr uint8_t kVtNull = 0x06;  // reserved, rejected
inline constexpr uint8_t kVtBlob = 0x07;
inline constexpr uint8_t kVtInfMin = 0x09;
inline constexpr uint8_t kVtInfMax = 0x0A;
inline constexpr uint8_t kVtAutoIncrement = 0x0B;

// Cell types (§8.1). INCREMENT (0x04) only occurs in write requests and is not modelled.
inline constexpr uint8_t kCellDeleteAllVersions = 0x01;
inline constexpr uint8_t kCellDeleteOneVersion = 0x03;

// Sequence-info item: 5 (epoch) + 9 (timestamp) + 5 (row index) bytes (§8.2).
inline constexpr uint32_t kSeqInfoLen = 19;
inline constexpr uint32_t kSeqInfoExtLen = 1 + 4 + kSeqInfoLen;

inline uint32_t LoadU32(const uint8_t* p) {
  if constexpr (std::endian::native == std::endian::little) {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
  } else {
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  }
}

inline uint64_t LoadU64(const uint8_t* p) {
  if constexpr (std::endian::native == std::endian::little) {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
  } else {
    return uint64_t{LoadU32(p)} | uint64_t{LoadU32(p + 4)} << 32;
  }
}

inline void AppendU32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 4);
}

inline void AppendU64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}

// CRC-8 of §8.3 (polynomial 0x07, init 0, no reflection, no final XOR), inline so that the
// decoder's fixed-size fields (timestamps, 8-byte values) fold in without a call or a loop.
// crc8.cc's public functions are thin wrappers around these.
//
// kCrc8Tables[0] is the byte table; kCrc8Tables[k][x] is the CRC of byte x followed by k zero
// bytes, so 16 input bytes fold in with 16 lookups of which only one depends on the running
// CRC (slicing-by-16; CRC-8 is linear, so the contributions XOR together). 4 KiB of tables.
inline constexpr int kCrc8Slices = 16;
using Crc8Tables = std::array<std::array<uint8_t, 256>, kCrc8Slices>;

constexpr Crc8Tables MakeCrc8Tables() {
  Crc8Tables t{};
  for (int i = 0; i < 256; ++i) {
    uint8_t x = static_cast<uint8_t>(i);
    for (int bit = 0; bit < 8; ++bit) {
      x = static_cast<uint8_t>((x & 0x80) ? (x << 1) ^ 0x07 : (x << 1));
    }
    t[0][i] = x;
  }
  for (int k = 1; k < kCrc8Slices; ++k) {
    for (int i = 0; i < 256; ++i) t[k][i] = t[0][t[k - 1][i]];
  }
  return t;
}

inline constexpr Crc8Tables kCrc8Tables = MakeCrc8Tables();
static_assert(kCrc8Tables[0][1] == 0x07 && kCrc8Tables[0][15] == 0x2d, "CRC-8 table (§8.3)");

inline uint8_t Crc8ByteInline(uint8_t crc, uint8_t byte) { return kCrc8Tables[0][crc ^ byte]; }

inline uint8_t Crc8U32Inline(uint8_t crc, uint32_t v) {  // little-endian bytes of v
  const auto& t = kCrc8Tables;
  return t[3][crc ^ static_cast<uint8_t>(v)] ^ t[2][static_cast<uint8_t>(v >> 8)] ^
         t[1][static_cast<uint8_t>(v >> 16)] ^ t[0][static_cast<uint8_t>(v >> 24)];
}

inline uint8_t Crc8U64Inline(uint8_t crc, uint64_t v) {  // little-endian bytes of v
  const auto& t = kCrc8Tables;
  return t[7][crc ^ static_cast<uint8_t>(v)] ^ t[6][static_cast<uint8_t>(v >> 8)] ^
         t[5][static_cast<uint8_t>(v >> 16)] ^ t[4][static_cast<uint8_t>(v >> 24)] ^
         t[3][static_cast<uint8_t>(v >> 32)] ^ t[2][static_cast<uint8_t>(v >> 40)] ^
         t[1][static_cast<uint8_t>(v >> 48)] ^ t[0][static_cast<uint8_t>(v >> 56)];
}

// CRC of the 8 bytes at p (a timestamp or an INTEGER/DOUBLE payload), read byte by byte:
// the same as Crc8U64Inline(crc, LoadU64(p)) without the shifts.
inline uint8_t Crc8Bytes8Inline(uint8_t crc, const uint8_t* p) {
  const auto& t = kCrc8Tables;
  return t[7][crc ^ p[0]] ^ t[6][p[1]] ^ t[5][p[2]] ^ t[4][p[3]] ^ t[3][p[4]] ^ t[2][p[5]] ^
         t[1][p[6]] ^ t[0][p[7]];
}

[[gnu::always_inline]] inline uint8_t Crc8Inline(uint8_t crc, const uint8_t* p, size_t size) {
  const auto& t = kCrc8Tables;
  // One table per byte position, laid out to be checked by eye.
  // clang-format off
  while (size >= 16) {
    crc = t[15][crc ^ p[0]] ^ t[14][p[1]] ^ t[13][p[2]] ^ t[12][p[3]] ^ t[11][p[4]] ^
          t[10][p[5]] ^ t[9][p[6]] ^ t[8][p[7]] ^ t[7][p[8]] ^ t[6][p[9]] ^ t[5][p[10]] ^
          t[4][p[11]] ^ t[3][p[12]] ^ t[2][p[13]] ^ t[1][p[14]] ^ t[0][p[15]];
    p += 16;
    size -= 16;
  }
  // The last 0..15 bytes (all of a typical cell name) in one step without a loop: the
  // first byte, with the running CRC folded in, is followed by size-1 bytes, so it goes
  // through table size-1; the byte j places before the end goes through table j.
  if (size == 0) return crc;
  const uint8_t* const e = p + size;
  uint8_t r = t[size - 1][crc ^ p[0]];
  switch (size) {
    case 15: r ^= t[13][e[-14]]; [[fallthrough]];
    case 14: r ^= t[12][e[-13]]; [[fallthrough]];
    case 13: r ^= t[11][e[-12]]; [[fallthrough]];
    case 12: r ^= t[10][e[-11]]; [[fallthrough]];
    case 11: r ^= t[9][e[-10]]; [[fallthrough]];
    case 10: r ^= t[8][e[-9]]; [[fallthrough]];
    case 9: r ^= t[7][e[-8]]; [[fallthrough]];
    case 8: r ^= t[6][e[-7]]; [[fallthrough]];
    case 7: r ^= t[5][e[-6]]; [[fallthrough]];
    case 6: r ^= t[4][e[-5]]; [[fallthrough]];
    case 5: r ^= t[3][e[-4]]; [[fallthrough]];
    case 4: r ^= t[2][e[-3]]; [[fallthrough]];
    case 3: r ^= t[1][e[-2]]; [[fallthrough]];
    case 2: r ^= t[0][e[-1]]; [[fallthrough]];
    default: break;
  }
  // clang-format on
  return r;
}

// The checksummed bytes of one cell (§8.4): the name, the value (type byte and payload; the
// value_len field is not checksummed), the 8 timestamp bytes and the cell-type byte, each
// optional but the name. All are spans of the wire buffer, in this order, and every span
// starts at least 8 bytes after the start of the buffer (a cell name sits after the header,
// TAG_ROW_PK, TAG_CELL, TAG_CELL_NAME and the name length), which the carry-less path relies
// on to read a short span as the tail of an 8-byte load.
struct CellSpans {
  const uint8_t* name = nullptr;
  uint32_t name_len = 0;
  const uint8_t* value = nullptr;
  uint32_t value_len = 0;
  const uint8_t* timestamp = nullptr;  // 8 bytes, or null
  int cell_type = -1;                  // the cell-type byte, or -1
};

[[gnu::always_inline]] inline uint8_t CellCrcTable(const CellSpans& s) {
  uint8_t crc = Crc8Inline(0, s.name, s.name_len);
  if (s.value_len == 9) {  // INTEGER or DOUBLE: type byte and 8 bytes
    crc = Crc8Bytes8Inline(Crc8ByteInline(crc, s.value[0]), s.value + 1);
  } else {
    crc = Crc8Inline(crc, s.value, s.value_len);
  }
  if (s.timestamp != nullptr) crc = Crc8Bytes8Inline(crc, s.timestamp);
  if (s.cell_type >= 0) crc = Crc8ByteInline(crc, static_cast<uint8_t>(s.cell_type));
  return crc;
}

}  // namespace tablestore::tunnel::plain_buffer
