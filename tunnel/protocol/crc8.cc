#include "tunnel/protocol/crc8.h"

#include "tunnel/protocol/plain_buffer_internal.h"

// The tables and the slicing-by-16 loop live in plain_buffer_internal.h, inline, so the
// decoder can fold fixed-size fields without a call; these are the out-of-line entry points.

namespace tablestore::tunnel {

uint8_t Crc8Byte(uint8_t crc, uint8_t byte) { return plain_buffer::Crc8ByteInline(crc, byte); }

uint8_t Crc8(uint8_t crc, const void* data, size_t size) {
  return plain_buffer::Crc8Inline(crc, static_cast<const uint8_t*>(data), size);
}

uint8_t Crc8Int32(uint8_t crc, uint32_t v) { return plain_buffer::Crc8U32Inline(crc, v); }

uint8_t Crc8Int64(uint8_t crc, uint64_t v) { return plain_buffer::Crc8U64Inline(crc, v); }

}  // namespace tablestore::tunnel
