#pragma once

// Helpers shared by the protocol tests: hex conversion and the shared test vectors.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tests/support/test_paths.h"

namespace tablestore::tunnel::testing {

inline std::string Unhex(std::string_view hex) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  EXPECT_EQ(hex.size() % 2, 0u) << hex;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    const int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    EXPECT_GE(hi, 0);
    EXPECT_GE(lo, 0);
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

inline std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// Parses a file under ../shared/testdata; fails the test when it is missing or bad.
inline nlohmann::json LoadTestData(const std::string& relative) {
  const std::string text = tablestore::testing::ReadFileOrFail(
      tablestore::testing::TestDataPath(relative));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << relative << " is not JSON";
  EXPECT_TRUE(j.is_object() && j.contains("cases")) << relative << " has no cases";
  return j;
}

// §8.6 worked example: an UPDATE_ROW stream record, 121 bytes.
inline constexpr std::string_view kWorkedExampleHex =
    "7500000001030402000000696405090000000001000000000000000a0a0203040100000063050600"
    "0000030100000076070068e5cf8b0100000a3b030401000000640603071864e5cf8b0100000a8103"
    "04010000006506010ab30b180000000c130000000d000000000e40222018240a06000f0000000009ee";

}  // namespace tablestore::tunnel::testing
