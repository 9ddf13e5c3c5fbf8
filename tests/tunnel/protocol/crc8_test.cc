#include "tunnel/protocol/crc8.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace tablestore::tunnel {
namespace {

// Bit-by-bit reference of §8.3, independent of the table code.
uint8_t ReferenceCrc8(const std::string& data) {
  uint8_t crc = 0;
  for (unsigned char b : data) {
    crc ^= b;
    for (int i = 0; i < 8; ++i) crc = static_cast<uint8_t>((crc & 0x80) ? (crc << 1) ^ 0x07 : crc << 1);
  }
  return crc;
}

TEST(Crc8, CheckValueOf123456789IsF4) {
  EXPECT_EQ(Crc8(0, "123456789", 9), 0xF4);
}

TEST(Crc8, TableStartsAsDocumented) {
  const uint8_t expected[] = {0x00, 0x07, 0x0e, 0x09, 0x1c, 0x1b, 0x12, 0x15,
                              0x38, 0x3f, 0x36, 0x31, 0x24, 0x23, 0x2a, 0x2d};
  for (int i = 0; i < 16; ++i) EXPECT_EQ(Crc8Byte(0, static_cast<uint8_t>(i)), expected[i]) << i;
}

TEST(Crc8, WorkedExampleTraceOfCellId) {
  // §8.6: feed 69 64 00 01 00.. → 18 73 5e 9a cf 63 2e ca 78 6f 0a.
  const uint8_t bytes[] = {0x69, 0x64, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0};
  const uint8_t trace[] = {0x18, 0x73, 0x5e, 0x9a, 0xcf, 0x63, 0x2e, 0xca, 0x78, 0x6f, 0x0a};
  uint8_t crc = 0;
  for (size_t i = 0; i < sizeof bytes; ++i) {
    crc = Crc8Byte(crc, bytes[i]);
    EXPECT_EQ(crc, trace[i]) << i;
  }
  uint8_t via_ints = Crc8(0, "id", 2);
  via_ints = Crc8Byte(via_ints, 0x00);
  EXPECT_EQ(Crc8Int64(via_ints, 1), 0x0a);
}

TEST(Crc8, SlicedPathMatchesBitwiseReferenceForAllLengths) {
  std::mt19937 rng(42);
  for (size_t len = 0; len < 200; ++len) {
    std::string data(len, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    EXPECT_EQ(Crc8(0, data.data(), data.size()), ReferenceCrc8(data)) << len;
    // Chaining: crc of a+b == crc(crc(a), b).
    const size_t cut = len / 3;
    EXPECT_EQ(Crc8(Crc8(0, data.data(), cut), data.data() + cut, len - cut), ReferenceCrc8(data));
  }
}

TEST(Crc8, IntegersAreFedLittleEndian) {
  EXPECT_EQ(Crc8Int32(0x5a, 0x04030201u), Crc8(0x5a, "\x01\x02\x03\x04", 4));
  EXPECT_EQ(Crc8Int64(0x33, 0x0807060504030201ULL),
            Crc8(0x33, "\x01\x02\x03\x04\x05\x06\x07\x08", 8));
}

}  // namespace
}  // namespace tablestore::tunnel
