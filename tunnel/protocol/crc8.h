#pragma once

#include <cstddef>
#include <cstdint>

namespace tablestore::tunnel {

// CRC-8 of PlainBuffer (docs/tunnel-protocol.md §8.3): polynomial 0x07, init 0, no
// reflection, no final XOR (CRC-8/SMBUS). Pure functions.
uint8_t Crc8Byte(uint8_t crc, uint8_t byte);
uint8_t Crc8(uint8_t crc, const void* data, size_t size);
uint8_t Crc8Int32(uint8_t crc, uint32_t v);  // little-endian bytes
uint8_t Crc8Int64(uint8_t crc, uint64_t v);  // little-endian bytes

}  // namespace tablestore::tunnel
