#pragma once

// Wire constants and byte helpers of PlainBuffer (docs/tunnel-protocol.md §8.1, §8.2).
// Shared by the decoder and the encoder of this folder only.

#include <bit>
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

}  // namespace tablestore::tunnel::plain_buffer
