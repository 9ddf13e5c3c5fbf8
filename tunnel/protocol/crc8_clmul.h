#pragma once

// CRC-8 of PlainBuffer cells (docs/tunnel-protocol.md §8.3, §8.4) with carry-less
// multiplication (PCLMULQDQ). Include only from a file compiled with -mpclmul
// (plain_buffer_decoder_clmul.cc); the CPU must have been checked (ClmulAvailable()).
//
// CRC-8 without init or final XOR is the remainder of M(x) * x^8 modulo P = x^8+x^2+x+1,
// and is linear. So a cell's checksum is the XOR of independent terms, one per 8-byte
// chunk c of its checksummed bytes: c(x) * x^(8*(b+1)) mod P, b being the number of
// checksummed bytes after the chunk. Each term is one carry-less product of the chunk
// (big-endian) with the 8-bit constant x^(8*(b+1)) mod P; the products are XORed into a
// 71-bit sum, whose bits 64..70 are folded down with a table and whose last 64 bits are
// reduced by Barrett's method (one more product). Unlike the table walk, the terms do not
// depend on each other, and a chunk costs a handful of instructions instead of 8 lookups.

#include <immintrin.h>

#include <array>
#include <cstdint>

#include "tunnel/protocol/plain_buffer_internal.h"

#if !defined(__PCLMUL__)
#error "crc8_clmul.h needs -mpclmul"
#endif

namespace tablestore::tunnel::plain_buffer {

// x^(8o) mod P for o in [0, kCrc8ShiftMax] (as 64-bit values, ready for a product).
inline constexpr int kCrc8ShiftMax = 256;
constexpr std::array<uint64_t, kCrc8ShiftMax + 1> MakeCrc8Shifts() {
  std::array<uint64_t, kCrc8ShiftMax + 1> k{};
  uint8_t v = 1;  // x^0
  for (int o = 0; o <= kCrc8ShiftMax; ++o) {
    k[o] = v;
    v = kCrc8Tables[0][v];  // * x^8 mod P
  }
  return k;
}
inline constexpr auto kCrc8Shifts = MakeCrc8Shifts();

// Carry-less product of h (7 bits) and x^64 mod P, for folding bits 64..70 down.
constexpr std::array<uint16_t, 128> MakeCrc8HighFold() {
  std::array<uint16_t, 128> t{};
  const uint64_t k = [] {
    uint8_t v = 1;
    for (int i = 0; i < 8; ++i) v = kCrc8Tables[0][v];
    return uint64_t{v};
  }();
  for (int h = 0; h < 128; ++h) {
    uint64_t r = 0;
    for (int b = 0; b < 7; ++b) {
      if ((h >> b) & 1) r ^= k << b;
    }
    t[h] = static_cast<uint16_t>(r);
  }
  return t;
}
inline constexpr auto kCrc8HighFold = MakeCrc8HighFold();

// floor(x^72 / P) without its x^64 term (Barrett constant).
constexpr uint64_t MakeCrc8BarrettMu() {
  uint64_t hi = uint64_t{1} << 8, lo = 0, q = 0;
  for (int d = 72; d >= 8; --d) {
    const bool bit = d >= 64 ? (hi >> (d - 64)) & 1 : (lo >> d) & 1;
    if (!bit) continue;
    const int s = d - 8;
    if (s < 64) q |= uint64_t{1} << s;
    for (int b = 0; b <= 8; ++b) {
      if (!((0x107 >> b) & 1)) continue;
      const int e = s + b;
      if (e >= 64) {
        hi ^= uint64_t{1} << (e - 64);
      } else {
        lo ^= uint64_t{1} << e;
      }
    }
  }
  return q;
}
inline constexpr uint64_t kCrc8Mu = MakeCrc8BarrettMu();

// a mod P for any 64-bit a.
[[gnu::always_inline]] inline uint8_t Crc8Mod64(uint64_t a) {
  const uint64_t b = a >> 8;  // a = b*x^8 + low byte; b*x^8 mod P by Barrett
  const __m128i prod = _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(b)),
                                            _mm_cvtsi64_si128(static_cast<long long>(kCrc8Mu)), 0);
  const uint64_t q = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(prod, prod))) ^ b;
  return static_cast<uint8_t>(q ^ (q << 1) ^ (q << 2) ^ a);
}

// Masks keeping the last n bytes of a big-endian chunk, n in [0, 8].
constexpr std::array<uint64_t, 9> MakeCrc8TailMasks() {
  std::array<uint64_t, 9> m{};
  for (int n = 0; n < 8; ++n) m[n] = (uint64_t{1} << (8 * n)) - 1;
  m[8] = ~uint64_t{0};
  return m;
}
inline constexpr auto kCrc8TailMasks = MakeCrc8TailMasks();

// The term of `chunk` (at most 8 bytes, big-endian) followed by `after` checksummed bytes.
[[gnu::always_inline]] inline __m128i Crc8Term(uint64_t chunk, uint32_t after) {
  const __m128i k = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(&kCrc8Shifts[after + 1]));
  return _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(chunk)), k, 0);
}

// The 8 bytes at p as a big-endian chunk.
[[gnu::always_inline]] inline uint64_t Crc8Chunk(const uint8_t* p) {
  return __builtin_bswap64(LoadU64(p));
}

// The len (<= 8) bytes ending at e, read as the tail of the 8 bytes before e.
[[gnu::always_inline]] inline uint64_t Crc8TailChunk(const uint8_t* e, uint32_t len) {
  return Crc8Chunk(e - 8) & kCrc8TailMasks[len];
}

// The terms of a span: 8-byte chunks from its end, the first one shorter.
[[gnu::always_inline]] inline __m128i Crc8SpanTerms(const uint8_t* p, uint32_t len,
                                                    uint32_t after) {
  const uint8_t* e = p + len;
  __m128i acc = _mm_setzero_si128();
  while (len > 8) {
    acc = _mm_xor_si128(acc, Crc8Term(Crc8Chunk(e - 8), after));
    e -= 8;
    len -= 8;
    after += 8;
  }
  return _mm_xor_si128(acc, Crc8Term(Crc8TailChunk(e, len), after));
}

// sum mod P, for a sum of terms (at most 71 bits).
[[gnu::always_inline]] inline uint8_t Crc8Reduce(__m128i sum) {
  const uint64_t lo = static_cast<uint64_t>(_mm_cvtsi128_si64(sum));
  const uint64_t hi = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sum, sum)));
  return Crc8Mod64(lo ^ kCrc8HighFold[hi & 127]);
}

// The sum of the terms of a cell's checksummed bytes without its cell type: the timestamp
// (exactly when kHasTimestamp), the value, the name; the shifts of the fixed-size parts are
// known at compile time, and names of up to 16 bytes take one or two chunks without a loop.
// A partial chunk is read as the tail of the 8 bytes ending with it, which CellSpans allows
// (its spans start >= 8 bytes into the buffer; an empty name reads 8 bytes and masks them
// all off). REQUIRES: at most kCrc8ShiftMax checksummed bytes.
template <bool kHasTimestamp>
[[gnu::always_inline]] inline __m128i CellTermsClmul(const CellSpans& s) {
  constexpr uint32_t kValueAfter = kHasTimestamp ? 8 : 0;
  __m128i sum = kHasTimestamp ? Crc8Term(Crc8Chunk(s.timestamp), 0) : _mm_setzero_si128();
  uint32_t name_after;
  if (s.value_len == 9) {  // INTEGER or DOUBLE: the type byte and 8 bytes
    sum = _mm_xor_si128(sum, Crc8Term(Crc8Chunk(s.value + 1), kValueAfter));
    sum = _mm_xor_si128(sum, Crc8Term(s.value[0], kValueAfter + 8));
    name_after = kValueAfter + 9;
  } else {
    if (s.value_len != 0)
      sum = _mm_xor_si128(sum, Crc8SpanTerms(s.value, s.value_len, kValueAfter));
    name_after = kValueAfter + s.value_len;
  }
  const uint8_t* const name_end = s.name + s.name_len;
  if (s.name_len <= 8) {
    sum = _mm_xor_si128(sum, Crc8Term(Crc8TailChunk(name_end, s.name_len), name_after));
  } else if (s.name_len <= 16) {
    sum = _mm_xor_si128(sum, Crc8Term(Crc8Chunk(name_end - 8), name_after));
    sum = _mm_xor_si128(sum, Crc8Term(Crc8TailChunk(name_end - 8, s.name_len - 8), name_after + 8));
  } else {
    sum = _mm_xor_si128(sum, Crc8SpanTerms(s.name, s.name_len, name_after));
  }
  return sum;
}

// True when a cell has more checksummed bytes than the shift table covers (long strings):
// those go through the CRC tables, their cost being in the SQLite write anyway.
[[gnu::always_inline]] inline bool CellTooLongForClmul(const CellSpans& s) {
  return uint64_t{s.name_len} + s.value_len + 8 > kCrc8ShiftMax;
}

// The checksum of a cell, as CellCrcTable computes it: the reduced terms, then the cell
// type byte (the last checksummed byte) when there is one.
[[gnu::always_inline]] inline uint8_t CellCrcClmul(const CellSpans& s) {
  if (CellTooLongForClmul(s)) return CellCrcTable(s);
  uint8_t crc =
      Crc8Reduce(s.timestamp != nullptr ? CellTermsClmul<true>(s) : CellTermsClmul<false>(s));
  if (s.cell_type >= 0) crc = Crc8ByteInline(crc, static_cast<uint8_t>(s.cell_type));
  return crc;
}

// CellCrcClmul for the two usual cell shapes: no cell type, and a timestamp exactly when
// kHasTimestamp (an attribute put cell; a key cell has neither).
template <bool kHasTimestamp>
[[gnu::always_inline]] inline uint8_t PutCellCrcClmul(const CellSpans& s) {
  if (CellTooLongForClmul(s)) return CellCrcTable(s);
  return Crc8Reduce(CellTermsClmul<kHasTimestamp>(s));
}

}  // namespace tablestore::tunnel::plain_buffer
