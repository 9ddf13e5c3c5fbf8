#include "tunnel/protocol/crc8.h"

#include <array>

namespace tablestore::tunnel {
namespace {

// kTables[0] is the byte table of §8.3; kTables[k][x] is the CRC of byte x followed by k zero
// bytes, so 16 input bytes fold in with 16 lookups of which only one depends on the running
// CRC (slicing-by-16; CRC-8 is linear, so the contributions XOR together). 4 KiB of tables.
constexpr int kSlices = 16;
using Crc8Tables = std::array<std::array<uint8_t, 256>, kSlices>;

constexpr Crc8Tables MakeTables() {
  Crc8Tables t{};
  for (int i = 0; i < 256; ++i) {
    uint8_t x = static_cast<uint8_t>(i);
    for (int bit = 0; bit < 8; ++bit) {
      x = static_cast<uint8_t>((x & 0x80) ? (x << 1) ^ 0x07 : (x << 1));
    }
    t[0][i] = x;
  }
  for (int k = 1; k < kSlices; ++k) {
    for (int i = 0; i < 256; ++i) t[k][i] = t[0][t[k - 1][i]];
  }
  return t;
}

constexpr Crc8Tables kTables = MakeTables();
static_assert(kTables[0][1] == 0x07 && kTables[0][15] == 0x2d, "CRC-8 table (§8.3)");

}  // namespace

uint8_t Crc8Byte(uint8_t crc, uint8_t byte) { return kTables[0][crc ^ byte]; }

uint8_t Crc8(uint8_t crc, const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (size >= 16) {
    crc = kTables[15][crc ^ p[0]] ^ kTables[14][p[1]] ^ kTables[13][p[2]] ^
          kTables[12][p[3]] ^ kTables[11][p[4]] ^ kTables[10][p[5]] ^ kTables[9][p[6]] ^
          kTables[8][p[7]] ^ kTables[7][p[8]] ^ kTables[6][p[9]] ^ kTables[5][p[10]] ^
          kTables[4][p[11]] ^ kTables[3][p[12]] ^ kTables[2][p[13]] ^ kTables[1][p[14]] ^
          kTables[0][p[15]];
    p += 16;
    size -= 16;
  }
  if (size >= 8) {
    crc = kTables[7][crc ^ p[0]] ^ kTables[6][p[1]] ^ kTables[5][p[2]] ^ kTables[4][p[3]] ^
          kTables[3][p[4]] ^ kTables[2][p[5]] ^ kTables[1][p[6]] ^ kTables[0][p[7]];
    p += 8;
    size -= 8;
  }
  if (size >= 4) {
    crc = kTables[3][crc ^ p[0]] ^ kTables[2][p[1]] ^ kTables[1][p[2]] ^ kTables[0][p[3]];
    p += 4;
    size -= 4;
  }
  while (size > 0) {
    crc = kTables[0][crc ^ *p++];
    --size;
  }
  return crc;
}

uint8_t Crc8Int32(uint8_t crc, uint32_t v) {
  return kTables[3][crc ^ static_cast<uint8_t>(v)] ^ kTables[2][static_cast<uint8_t>(v >> 8)] ^
         kTables[1][static_cast<uint8_t>(v >> 16)] ^ kTables[0][static_cast<uint8_t>(v >> 24)];
}

uint8_t Crc8Int64(uint8_t crc, uint64_t v) {
  return kTables[7][crc ^ static_cast<uint8_t>(v)] ^ kTables[6][static_cast<uint8_t>(v >> 8)] ^
         kTables[5][static_cast<uint8_t>(v >> 16)] ^ kTables[4][static_cast<uint8_t>(v >> 24)] ^
         kTables[3][static_cast<uint8_t>(v >> 32)] ^ kTables[2][static_cast<uint8_t>(v >> 40)] ^
         kTables[1][static_cast<uint8_t>(v >> 48)] ^ kTables[0][static_cast<uint8_t>(v >> 56)];
}

}  // namespace tablestore::tunnel
